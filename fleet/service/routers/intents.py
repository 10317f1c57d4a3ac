"""``/intents``: operational intents in F3548 JSON.

The caller's own intents come whole (reference, details, mission link); other operators'
intents are shown as their volumes only, without mission details or owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import col, select

from fleet.service.deps import CurrentUser, SessionDep
from fleet.service.errors import NotFound
from fleet.service.security import Principal
from fleet.storage.tables import IntentRow

router = APIRouter(prefix="/intents", tags=["intents"])


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
