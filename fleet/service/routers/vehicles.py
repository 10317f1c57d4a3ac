"""``/vehicles`` and ``/docks``: register, list with live status, and command vehicles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from fleet.service.context import ServiceContext
from fleet.service.deps import Commander, ContextDep, CurrentUser, Dispatcher, SessionDep, owned
from fleet.service.errors import Conflict, VehicleUnreachable
from fleet.service.ports import VehicleCommand
from fleet.service.schemas import (
    ERRORS,
    CommandRequest,
    CommandResult,
    DockCreate,
    DockPublic,
    RowId,
    TelemetryPublic,
    VehicleCreate,
    VehiclePublic,
)
from fleet.service.security import Principal
from fleet.storage.audit import record
from fleet.storage.locks import take_vehicles_lock
from fleet.storage.tables import Dock, Telemetry, VehicleRow

router = APIRouter(tags=["vehicles"], responses=ERRORS)

_SPEC_FIELDS = ("payload_capacity_kg", "battery_wh", "cruise_speed_mps", "camera")


@router.post("/docks", response_model=DockPublic, status_code=status.HTTP_201_CREATED)
def create_dock(body: DockCreate, session: SessionDep, user: Dispatcher) -> Dock:
    """Add a dock to the caller's operator."""
    dock = Dock(operator_id=user.operator_id, **body.model_dump())
    _insert(session, dock, f"a dock named {body.name!r} exists already; choose another name")
    _audit_create(session, user, "dock", dock.id, body.name)
    session.commit()
    return dock


@router.get("/docks", response_model=list[DockPublic])
def list_docks(session: SessionDep, user: CurrentUser) -> list[Dock]:
    """The caller's operator's docks."""
    query = select(Dock).where(Dock.operator_id == user.operator_id).order_by(col(Dock.id))
    return list(session.exec(query))


@router.post("/vehicles", response_model=VehiclePublic, status_code=status.HTTP_201_CREATED)
def register_vehicle(
    body: VehicleCreate, session: SessionDep, context: ContextDep, user: Dispatcher
) -> VehiclePublic:
    """Register a vehicle by its MAVLink connection URL.

    A vehicle the service discovered on that connection with that system id (status
    ``discovered``, see ``GET /vehicles``) becomes this registration: same id, the given name
    and details. The service then watches the connection for further vehicles."""
    take_vehicles_lock(session)  # decided against what discovery may be writing meanwhile
    if body.home_dock_id is not None:
        owned(session, Dock, body.home_dock_id, user)
    spec = body.model_dump(mode="json", include=set(_SPEC_FIELDS))
    details: dict[str, Any] = {
        "name": body.name,
        "kind": body.kind,
        "mavlink_url": body.mavlink_url,
        "system_id": body.system_id,
        "home_dock_id": body.home_dock_id,
        "spec": spec,
    }
    vehicle = _discovered(session, user, body)
    if vehicle is None:
        vehicle = VehicleRow(operator_id=user.operator_id, **details)
    else:
        for key, value in details.items():
            setattr(vehicle, key, value)
        vehicle.status = "registered"
    _insert(session, vehicle, f"a vehicle named {body.name!r} exists already; choose another")
    _audit_create(session, user, "vehicle", vehicle.id, body.name)
    session.commit()
    context.bus.emit(
        "vehicle.registered",
        user.operator_id,
        vehicle_id=vehicle.id,
        name=vehicle.name,
        mavlink_url=vehicle.mavlink_url,
        system_id=vehicle.system_id,
    )
    return _public(vehicle, None)


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
def list_vehicles(session: SessionDep, user: CurrentUser) -> list[VehiclePublic]:
    """The caller's operator's vehicles with their latest telemetry."""
    query = (
        select(VehicleRow, Telemetry)
        .join(Telemetry, isouter=True)
        .where(VehicleRow.operator_id == user.operator_id)
        .order_by(col(VehicleRow.id))
    )
    return [_public(vehicle, telemetry) for vehicle, telemetry in session.exec(query)]


@router.get("/vehicles/{vehicle_id}", response_model=VehiclePublic)
def get_vehicle(vehicle_id: RowId, session: SessionDep, user: CurrentUser) -> VehiclePublic:
    """One vehicle with its latest telemetry."""
    vehicle = owned(session, VehicleRow, vehicle_id, user)
    return _public(vehicle, session.get(Telemetry, vehicle_id))


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


def _insert(session: Session, row: Dock | VehicleRow, duplicate_message: str) -> None:
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(duplicate_message) from exc


def _audit_create(session: Session, user: Principal, kind: str, row_id: object, name: str) -> None:
    record(
        session,
        actor=user.actor,
        action=f"{kind}.create",
        target_type=kind,
        target_id=row_id,
        operator_id=user.operator_id,
        detail={"name": name},
    )


def _public(vehicle: VehicleRow, telemetry: Telemetry | None) -> VehiclePublic:
    live = TelemetryPublic.model_validate(telemetry, from_attributes=True) if telemetry else None
    assert vehicle.id is not None
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
        telemetry=live,
    )
