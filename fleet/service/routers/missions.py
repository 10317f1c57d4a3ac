"""``/missions``: book deliveries and inspections, list, get, cancel, abort, export ``.plan``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from fleet import lifecycle
from fleet.lifecycle import MissionState
from fleet.service import approval_kinds
from fleet.service.abort import AbortOrder, abort_mission, stop_before_cancel
from fleet.service.context import ServiceContext
from fleet.service.deps import Commander, ContextDep, CurrentUser, Dispatcher, SessionDep, owned
from fleet.service.errors import NotFound
from fleet.service.events import EventBus
from fleet.service.intent_store import end_mission_intents
from fleet.service.mission_schemas import (
    AbortRequest,
    CancelRequest,
    DeliveryCreate,
    InspectionCreate,
    LegPublic,
    MissionPublic,
)
from fleet.service.plan_export import leg_plan_json
from fleet.service.ports import VehicleCommand
from fleet.service.schemas import ERRORS, RowId
from fleet.service.security import Principal
from fleet.storage.audit import record
from fleet.storage.tables import IntentRow, MissionLeg, MissionRow, VehicleRow

router = APIRouter(prefix="/missions", tags=["missions"], responses=ERRORS)


@router.post("/deliveries", response_model=MissionPublic, status_code=status.HTTP_201_CREATED)
def create_delivery(
    body: DeliveryCreate, session: SessionDep, context: ContextDep, user: Dispatcher
) -> MissionPublic:
    """Book a delivery (state ``requested``)."""
    spec = body.model_dump(mode="json")
    return _create(session, context.bus, user, "delivery", body.priority, spec)


@router.post("/inspections", response_model=MissionPublic, status_code=status.HTTP_201_CREATED)
def create_inspection(
    body: InspectionCreate, session: SessionDep, context: ContextDep, user: Commander
) -> MissionPublic:
    """Book an inspection (state ``requested``)."""
    spec = body.model_dump(mode="json")
    return _create(session, context.bus, user, "inspection", body.priority, spec)


@router.get("", response_model=list[MissionPublic])
def list_missions(
    session: SessionDep,
    user: CurrentUser,
    state: Annotated[MissionState | None, Query(description="only missions in this state")] = None,
    kind: Annotated[str | None, Query(pattern="^(delivery|inspection)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[MissionPublic]:
    """The caller's operator's missions, newest first, optionally filtered."""
    query = select(MissionRow).where(MissionRow.operator_id == user.operator_id)
    if state is not None:
        query = query.where(MissionRow.state == state.value)
    if kind is not None:
        query = query.where(MissionRow.kind == kind)
    query = query.order_by(MissionRow.id.desc()).offset(offset).limit(limit)  # type: ignore[union-attr]
    return [_public(session, m, with_legs=False) for m in session.exec(query)]


@router.get("/{mission_id}", response_model=MissionPublic)
def get_mission(mission_id: RowId, session: SessionDep, user: CurrentUser) -> MissionPublic:
    """One mission with its legs: route, intent and progress."""
    return _public(session, owned(session, MissionRow, mission_id, user), with_legs=True)


@router.post("/{mission_id}/cancel", response_model=MissionPublic)
async def cancel_mission(
    mission_id: RowId,
    context: ContextDep,
    user: Commander,
    body: CancelRequest | None = None,
) -> MissionPublic:
    """Cancel a mission that has not taken off; the runner forgets it and its intents are
    ended. 409 once it flies (abort it instead) or has ended."""
    reason = (body or CancelRequest()).reason
    await stop_before_cancel(context, mission_id, user)
    return await run_in_threadpool(_cancel, context, mission_id, user, reason)


def _cancel(
    context: ServiceContext, mission_id: int, user: Principal, reason: str
) -> MissionPublic:
    with context.sessions() as session:
        mission = lifecycle.cancel(
            session, mission_id, user.actor, reason, commit=False, clock=context.clock
        )
        end_mission_intents(session, mission_id, actor=user.actor, now=context.clock())
        session.commit()
        context.bus.publish_mission_state(mission)
        return _public(session, mission, with_legs=True)


@router.post("/{mission_id}/abort", response_model=MissionPublic)
async def abort(
    mission_id: RowId,
    session: SessionDep,
    context: ContextDep,
    user: Commander,
    body: AbortRequest | None = None,
) -> MissionPublic:
    """End a mission early. Uploaded or in flight: the runner stops flying it, its vehicles
    in the air return to launch (``action: "land"``: land where they are), one armed on the
    ground is disarmed, the mission ends ``aborted`` with the reason and its intents are
    ended. Approved or earlier: its reservation is released and it ends ``cancelled``.
    Audited (``mission.abort``, with what each vehicle did). 409 when it has already ended."""
    order = body or AbortRequest()
    await abort_mission(
        context, mission_id, user, AbortOrder(VehicleCommand(order.action), order.reason)
    )
    mission = owned(session, MissionRow, mission_id, user)
    return _public(session, mission, with_legs=True)


@router.post("/{mission_id}/approve", response_model=MissionPublic)
def approve_mission(
    mission_id: RowId, session: SessionDep, context: ContextDep, user: Dispatcher
) -> MissionPublic:
    """Plan a scheduled mission's legs over the city and approve it: a drone delivery's
    legs with conflicts fixed (delay, other cruise height, reroute) and one intent reserved;
    an inspection's pattern flight (transit, pattern, transit back) reserved at the first
    free departure in its window; a ground robot's drive planned at street level, approved
    without an intent; a relay delivery (robot-only dropoff or relay requested, booked with a
    ``transfer`` point): the drone's flight to the transfer point and back reserved as one
    intent, and the operator's nearest capable ground robot's drives (to the transfer point,
    on to the dropoff after the drone's landing plus the handover time, home), all stored as
    the mission's legs. 409 when the airspace stays busy or the mission is not scheduled,
    400 when a vehicle cannot do it (no transfer point, no capable robot: the detail says what
    to fix; nothing is written), 422 when no route exists."""
    approval_kinds.approve_mission(context, mission_id, user.operator_id, actor=user.actor)
    mission = owned(session, MissionRow, mission_id, user)
    session.refresh(mission)
    return _public(session, mission, with_legs=True)


@router.get(
    "/{mission_id}/plan",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "a QGC .plan file"}},
)
def export_plan(
    mission_id: RowId,
    session: SessionDep,
    user: CurrentUser,
    leg: Annotated[int, Query(ge=0, le=1000, description="leg number (seq)")] = 0,
) -> Response:
    """The mission's leg as a QGroundControl ``.plan`` file (once it has been planned)."""
    owned(session, MissionRow, mission_id, user)
    query = select(MissionLeg).where(MissionLeg.mission_id == mission_id, MissionLeg.seq == leg)
    row = session.exec(query).first()
    if row is None:
        raise NotFound(f"mission {mission_id} has no leg {leg} (it is not planned yet)")
    vehicle = session.get(VehicleRow, row.vehicle_id) if row.vehicle_id else None
    return Response(
        leg_plan_json(row, vehicle),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="mission-{mission_id}-leg-{leg}.plan"'
        },
    )


def _create(
    session: Session,
    bus: EventBus,
    user: Principal,
    kind: str,
    priority: str,
    spec: dict[str, object],
) -> MissionPublic:
    mission = MissionRow(
        operator_id=user.operator_id,
        kind=kind,
        priority=priority,
        spec=spec,
        created_by=user.actor,
    )
    session.add(mission)
    session.flush()
    record(
        session,
        actor=user.actor,
        action="mission.create",
        target_type="mission",
        target_id=mission.id,
        operator_id=user.operator_id,
        detail={"kind": kind},
    )
    session.commit()
    bus.publish_mission_state(mission)
    return _public(session, mission, with_legs=False)


def _public(session: Session, mission: MissionRow, *, with_legs: bool) -> MissionPublic:
    legs: list[LegPublic] = []
    if with_legs:
        query = select(MissionLeg).where(MissionLeg.mission_id == mission.id)
        for leg in session.exec(query.order_by(MissionLeg.seq)):  # type: ignore[arg-type]
            intent = session.get(IntentRow, leg.intent_id) if leg.intent_id else None
            legs.append(
                LegPublic(
                    seq=leg.seq,
                    vehicle_id=leg.vehicle_id,
                    route=leg.route,
                    intent_id=leg.intent_id,
                    intent_state=intent.state if intent else None,
                )
            )
    data = mission.model_dump()
    return MissionPublic(**data, legs=legs)
