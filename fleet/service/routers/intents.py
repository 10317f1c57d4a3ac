"""``/intents``: operational intents in F3548 JSON.

The caller's own intents come whole (reference, details, mission link); other operators'
intents are shown as their volumes only, without mission details or owner.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from airspace.errors import AirspaceError
from airspace.intents import IntentState, new_intent, volume_from_json
from fleet.service.deps import ContextDep, CurrentUser, Dispatcher, SessionDep, owned
from fleet.service.errors import BadRequest, Conflict, NotFound
from fleet.service.flight_planning_schemas import Volume4DRequired
from fleet.service.reservations import Booking, Refused, end_intent_by_id, reserve
from fleet.service.schemas import ERRORS
from fleet.service.security import Principal
from fleet.storage.tables import IntentRow

router = APIRouter(prefix="/intents", tags=["intents"], responses=ERRORS)


class IntentPublic(BaseModel):
    """An intent: volumes always; the full F3548 JSON and mission only for its own operator."""

    id: str
    state: str
    time_start: datetime
    time_end: datetime
    volumes: list[dict[str, Any]]
    off_nominal_volumes: list[dict[str, Any]]
    own: bool
    mission_id: int | None = None
    flight_plan_id: str | None = None
    operational_intent: dict[str, Any] | None = None


@router.get("", response_model=list[IntentPublic])
def list_intents(
    session: SessionDep,
    user: CurrentUser,
    live: Annotated[bool, Query(description="only intents not Ended")] = True,
    mine: Annotated[bool, Query(description="only the caller's operator's")] = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[IntentPublic]:
    """Operational intents, newest first."""
    query = select(IntentRow)
    if live:
        query = query.where(col(IntentRow.live))
    if mine:
        query = query.where(IntentRow.operator_id == user.operator_id)
    query = query.order_by(col(IntentRow.created_at).desc()).limit(limit)
    return [_public(row, user) for row in session.exec(query)]


@router.get("/{intent_id}", response_model=IntentPublic)
def get_intent(intent_id: str, session: SessionDep, user: CurrentUser) -> IntentPublic:
    """One operational intent."""
    row = session.get(IntentRow, intent_id)
    if row is None:
        raise NotFound(f"intent {intent_id} not found")
    return _public(row, user)


def _public(row: IntentRow, user: Principal) -> IntentPublic:
    details = row.f3548.get("details", {})
    own = row.operator_id == user.operator_id
    return IntentPublic(
        id=row.id,
        state=row.state,
        time_start=row.time_start,
        time_end=row.time_end,
        volumes=details.get("volumes", []),
        off_nominal_volumes=details.get("off_nominal_volumes", []),
        own=own,
        mission_id=row.mission_id if own else None,
        flight_plan_id=row.flight_plan_id if own else None,
        operational_intent=row.f3548 if own else None,
    )


class IntentCreate(BaseModel):
    """Reserve airspace directly: F3548 ``Volume4D`` volumes (W84 altitudes) and a priority."""

    model_config = ConfigDict(extra="forbid")

    volumes: list[Volume4DRequired] = Field(min_length=1, max_length=100)
    priority: int = Field(default=0, ge=0, le=1000)
    state: Literal["Accepted", "Activated"] = "Accepted"


@router.post("", response_model=IntentPublic, status_code=status.HTTP_201_CREATED)
def reserve_intent(body: IntentCreate, context: ContextDep, user: Dispatcher) -> IntentPublic:
    """Reserve an operational intent; 409 naming the blocking intents when it conflicts."""
    try:
        volumes = tuple(
            volume_from_json(v.model_dump(exclude_none=True), f"volumes[{i}]")
            for i, v in enumerate(body.volumes)
        )
        candidate = new_intent(
            str(uuid.uuid4()),
            str(user.operator_id),
            volumes,
            priority=body.priority,
            state=IntentState(body.state),
        )
    except AirspaceError as exc:
        raise BadRequest(str(exc)) from exc
    outcome = reserve(
        context.sessions,
        Booking(candidate, user.operator_id, user.actor),
        now=context.clock(),
        policy=context.deconfliction,
    )
    if isinstance(outcome, Refused):
        raise Conflict(f"airspace taken by {', '.join(outcome.blocking)}: {outcome.explanation}")
    context.bus.emit("intent.reserved", user.operator_id, intent_id=outcome.row.id)
    return _public(outcome.row, user)


@router.delete("/{intent_id}", status_code=status.HTTP_204_NO_CONTENT)
def end_intent(intent_id: str, session: SessionDep, context: ContextDep, user: Dispatcher) -> None:
    """End one of the caller's operator's live intents (frees its airspace)."""
    owned(session, IntentRow, intent_id, user)
    session.close()
    if end_intent_by_id(context.sessions, intent_id, actor=user.actor, now=context.clock()) is None:
        raise NotFound(f"intent {intent_id} is not live")
    context.bus.emit("intent.ended", user.operator_id, intent_id=intent_id)
