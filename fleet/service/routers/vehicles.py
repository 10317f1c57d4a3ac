"""``/vehicles``: register, list with live telemetry, correct, delete, and command vehicles.

Telemetry comes from the runner's fleet watcher when it runs in this process (every vehicle,
idle or flying, with its link health), else from the last telemetry stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from fleet.service.context import ServiceContext
from fleet.service.deps import Commander, ContextDep, CurrentUser, Dispatcher, SessionDep, owned
from fleet.service.errors import BadRequest, VehicleUnreachable
from fleet.service.live import LiveVehicle
from fleet.service.ports import VehicleCommand
from fleet.service.registry import (
    audit_create,
    audit_register,
    changes_detail,
    delete_vehicle,
    insert_unique,
    refuse_if_in_use,
    refuse_taken_connection,
    refuse_taken_name,
)
from fleet.service.schemas import (
    ERRORS,
    CommandRequest,
    CommandResult,
    RowId,
    TelemetryPublic,
    VehicleCreate,
    VehiclePublic,
    VehicleUpdate,
)
from fleet.service.security import Principal
from fleet.storage.audit import record
from fleet.storage.locks import take_vehicles_lock
from fleet.storage.tables import Dock, Telemetry, VehicleRow

router = APIRouter(tags=["vehicles"], responses=ERRORS)

_SPEC_FIELDS = ("payload_capacity_kg", "battery_wh", "cruise_speed_mps", "camera")


@router.post("/vehicles", response_model=VehiclePublic, status_code=status.HTTP_201_CREATED)
def register_vehicle(
    body: VehicleCreate, session: SessionDep, context: ContextDep, user: Dispatcher
) -> VehiclePublic:
    """Register a vehicle by its MAVLink connection URL.

    A vehicle the service discovered on that connection with that system id (status
    ``discovered``, see ``GET /vehicles``) becomes this registration: same id, the given name
    and details. The service then watches the connection for further vehicles. 409 when
    the operator has a vehicle of that name, or a vehicle answers on that connection with
    that system id."""
    take_vehicles_lock(session)  # decided against what discovery may be writing meanwhile
    if body.home_dock_id is not None:
        owned(session, Dock, body.home_dock_id, user)
    vehicle = _discovered(session, user, body)
    other_than = None if vehicle is None else vehicle.id
    refuse_taken_name(session, VehicleRow, user.operator_id, body.name, other_than=other_than)
    refuse_taken_connection(
        session, user.operator_id, body.mavlink_url, body.system_id, other_than=other_than
    )
    spec = body.model_dump(mode="json", include=set(_SPEC_FIELDS))
    details: dict[str, Any] = {
        "name": body.name,
        "kind": body.kind,
        "mavlink_url": body.mavlink_url,
        "system_id": body.system_id,
        "home_dock_id": body.home_dock_id,
        "spec": spec,
    }
    if vehicle is None:
        vehicle = VehicleRow(operator_id=user.operator_id, **details)
    else:
        for key, value in details.items():
            setattr(vehicle, key, value)
        vehicle.status = "registered"
    insert_unique(session, vehicle, f"a vehicle named {body.name!r} exists already; choose another")
    audit_create(session, user, "vehicle", vehicle.id, body.name)
    session.commit()
    context.bus.emit(
        "vehicle.registered",
        user.operator_id,
        vehicle_id=vehicle.id,
        name=vehicle.name,
        mavlink_url=vehicle.mavlink_url,
        system_id=vehicle.system_id,
    )
    return _public(vehicle, None, None)


def _discovered(session: Session, user: Principal, body: VehicleCreate) -> VehicleRow | None:
    """The caller's discovered vehicle on ``body``'s connection and system id, if any."""
    query = select(VehicleRow).where(
        VehicleRow.operator_id == user.operator_id,
        VehicleRow.mavlink_url == body.mavlink_url,
        VehicleRow.system_id == body.system_id,
        VehicleRow.status == "discovered",
    )
    return session.exec(query).first()


@router.get("/vehicles", response_model=list[VehiclePublic])
def list_vehicles(
    session: SessionDep, context: ContextDep, user: CurrentUser
) -> list[VehiclePublic]:
    """The caller's operator's vehicles with their status, link health and latest telemetry
    (armed, mode, landed state, position, battery), idle vehicles included."""
    query = (
        select(VehicleRow, Telemetry)
        .join(Telemetry, isouter=True)
        .where(VehicleRow.operator_id == user.operator_id)
        .order_by(col(VehicleRow.id))
    )
    return [
        _public(vehicle, telemetry, _live(context, vehicle))
        for vehicle, telemetry in session.exec(query)
    ]


@router.get("/vehicles/{vehicle_id}", response_model=VehiclePublic)
def get_vehicle(
    vehicle_id: RowId, session: SessionDep, context: ContextDep, user: CurrentUser
) -> VehiclePublic:
    """One vehicle with its status, link health and latest telemetry."""
    vehicle = owned(session, VehicleRow, vehicle_id, user)
    return _public(vehicle, session.get(Telemetry, vehicle_id), _live(context, vehicle))


@router.patch("/vehicles/{vehicle_id}", response_model=VehiclePublic)
def update_vehicle(
    vehicle_id: RowId,
    body: VehicleUpdate,
    session: SessionDep,
    context: ContextDep,
    user: Dispatcher,
) -> VehiclePublic:
    """Correct a vehicle: name, kind, home dock, capabilities, connection URL or system id
    (only the fields given change; audited). 409 for a name or connection another vehicle
    has, or a new connection or kind while a live mission uses the vehicle."""
    take_vehicles_lock(session)
    vehicle = owned(session, VehicleRow, vehicle_id, user)
    changes = body.model_dump(mode="json", exclude_unset=True)
    for key, value in changes.items():
        if value is None and key != "home_dock_id":
            raise BadRequest(
                f"{key} cannot be removed from a vehicle; give a value or leave it out"
            )
    if changes.get("home_dock_id") is not None:
        owned(session, Dock, changes["home_dock_id"], user)
    if "name" in changes:
        refuse_taken_name(
            session, VehicleRow, user.operator_id, body.name or "", other_than=vehicle_id
        )
    url = changes.get("mavlink_url", vehicle.mavlink_url)
    system_id = changes.get("system_id", vehicle.system_id)
    if (url, system_id) != (vehicle.mavlink_url, vehicle.system_id):
        refuse_if_in_use(session, vehicle, "move it to another connection")
        refuse_taken_connection(session, user.operator_id, url, system_id, other_than=vehicle_id)
    if changes.get("kind", vehicle.kind) != vehicle.kind:
        refuse_if_in_use(session, vehicle, "change its kind")
    before = _apply(vehicle, changes)
    session.add(vehicle)
    detail = changes_detail(before, changes)
    audit_register(session, user, "vehicle.update", vehicle_id, detail, context.clock)
    session.commit()
    context.bus.emit(
        "vehicle.updated", user.operator_id, vehicle_id=vehicle_id, changes=sorted(changes)
    )
    return _public(vehicle, session.get(Telemetry, vehicle_id), _live(context, vehicle))


def _apply(vehicle: VehicleRow, changes: dict[str, Any]) -> dict[str, Any]:
    """Write ``changes`` into ``vehicle`` (capabilities into its spec); the old values."""
    spec = dict(vehicle.spec)
    before: dict[str, Any] = {}
    for key, value in changes.items():
        if key in _SPEC_FIELDS:
            before[key], spec[key] = spec.get(key), value
        else:
            before[key] = getattr(vehicle, key)
            setattr(vehicle, key, value)
    vehicle.spec = spec  # a new dict, so the JSON column is written
    return before


@router.delete("/vehicles/{vehicle_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_vehicle(
    vehicle_id: RowId, session: SessionDep, context: ContextDep, user: Dispatcher
) -> Response:
    """Delete a vehicle (audited). 409 while a mission that has not ended is scheduled on
    it or flies a leg on it. Ended missions it flew keep their history in the audit log."""
    take_vehicles_lock(session)
    vehicle = owned(session, VehicleRow, vehicle_id, user)
    refuse_if_in_use(session, vehicle, "delete it")
    detail: dict[str, Any] = {
        "name": vehicle.name,
        "mavlink_url": vehicle.mavlink_url,
        "system_id": vehicle.system_id,
        "kind": vehicle.kind,
    }
    detached = delete_vehicle(session, vehicle)
    detail["ended_missions"] = detached
    audit_register(session, user, "vehicle.delete", vehicle_id, detail, context.clock)
    session.commit()
    context.bus.emit("vehicle.deleted", user.operator_id, vehicle_id=vehicle_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/vehicles/{vehicle_id}/commands", response_model=CommandResult)
async def command_vehicle(
    vehicle_id: RowId, body: CommandRequest, context: ContextDep, user: Commander
) -> CommandResult:
    """Send hold, return-to-launch or land to a vehicle; audited with who and when."""
    command = VehicleCommand(body.command)
    vehicle = await run_in_threadpool(_audit_command, context, user, vehicle_id, command)
    try:
        outcome = await context.vehicle_port.send_command(vehicle, command)
    except VehicleUnreachable as exc:
        await run_in_threadpool(_audit_result, context, user, vehicle, command, f"failed: {exc}")
        raise
    audit_id = await run_in_threadpool(_audit_result, context, user, vehicle, command, outcome)
    context.bus.emit(
        "vehicle.command",
        user.operator_id,
        vehicle_id=vehicle_id,
        command=command.value,
        outcome=outcome,
        actor=user.actor,
    )
    return CommandResult(
        vehicle_id=vehicle_id, command=command.value, outcome=outcome, audit_id=audit_id
    )


def _audit_command(
    context: ServiceContext, user: Principal, vehicle_id: RowId, command: VehicleCommand
) -> VehicleRow:
    with context.sessions() as session:
        vehicle = owned(session, VehicleRow, vehicle_id, user)
        record(
            session,
            actor=user.actor,
            action="vehicle.command",
            target_type="vehicle",
            target_id=vehicle_id,
            operator_id=user.operator_id,
            detail={"command": command.value},
            clock=context.clock,
        )
        session.commit()
        return vehicle


def _audit_result(
    context: ServiceContext,
    user: Principal,
    vehicle: VehicleRow,
    command: VehicleCommand,
    outcome: str,
) -> int:
    with context.sessions() as session:
        entry = record(
            session,
            actor=user.actor,
            action="vehicle.command.result",
            target_type="vehicle",
            target_id=vehicle.id,
            operator_id=user.operator_id,
            detail={"command": command.value, "outcome": outcome},
            clock=context.clock,
        )
        session.commit()
        assert entry.id is not None
        return entry.id


def _live(context: ServiceContext, vehicle: VehicleRow) -> LiveVehicle | None:
    live = context.live
    return None if live is None or vehicle.id is None else live.vehicle(vehicle.id)


def _public(
    vehicle: VehicleRow, stored: Telemetry | None, live: LiveVehicle | None
) -> VehiclePublic:
    """The vehicle as shown: the live state when watched, else the stored telemetry."""
    assert vehicle.id is not None
    link = "unknown"
    telemetry = None
    if live is not None:
        link = live.link.value
        if live.heard_at is not None:
            telemetry = TelemetryPublic(
                time=live.heard_at,
                lon_deg=live.lon_deg,
                lat_deg=live.lat_deg,
                alt_amsl_m=live.alt_amsl_m,
                heading_deg=live.heading_deg,
                ground_speed_mps=live.ground_speed_mps,
                battery_fraction=None if live.battery_pct is None else live.battery_pct / 100,
                mode=live.mode,
                armed=live.armed,
                link_ok=live.link.value == "ok",
                landed_state=live.landed_state,
            )
    elif stored is not None:
        link = "ok" if stored.link_ok else "lost"
        telemetry = TelemetryPublic.model_validate(stored, from_attributes=True)
    return VehiclePublic(
        id=vehicle.id,
        operator_id=vehicle.operator_id,
        name=vehicle.name,
        kind=vehicle.kind,
        mavlink_url=vehicle.mavlink_url,
        system_id=vehicle.system_id,
        home_dock_id=vehicle.home_dock_id,
        status=vehicle.status,
        spec=vehicle.spec,
        link=link,
        telemetry=telemetry,
    )
