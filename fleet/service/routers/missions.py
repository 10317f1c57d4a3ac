"""``/missions``: book deliveries and inspections, list, get, cancel, export as ``.plan``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import Session, select

from fleet import lifecycle
from fleet.lifecycle import MissionState
from fleet.service.deps import Commander, ContextDep, CurrentUser, Dispatcher, SessionDep, owned
from fleet.service.events import EventBus
from fleet.service.intent_store import end_mission_intents
from fleet.service.mission_schemas import (
    CancelRequest,
    DeliveryCreate,
    InspectionCreate,
    LegPublic,
    MissionPublic,
)
from fleet.service.schemas import ERRORS, RowId
from fleet.service.security import Principal
from fleet.storage.audit import record
from fleet.storage.tables import IntentRow, MissionLeg, MissionRow

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
def cancel_mission(
    mission_id: RowId,
    session: SessionDep,
    context: ContextDep,
    user: Commander,
    body: CancelRequest | None = None,
) -> MissionPublic:
    """Cancel a mission that has not taken off; its intents are ended."""
    owned(session, MissionRow, mission_id, user)
    reason = (body or CancelRequest()).reason
    mission = lifecycle.cancel(
        session, mission_id, user.actor, reason, commit=False, clock=context.clock
    )
    end_mission_intents(session, mission_id, actor=user.actor, now=context.clock())
    session.commit()
    context.bus.publish_mission_state(mission)
    return _public(session, mission, with_legs=True)


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
