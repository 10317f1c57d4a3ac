"""``/flight_planning/v1``: the InterUSS automated-testing flight_planning interface.

It lets the InterUSS test tooling (uss_qualifier) drive skyfleet as a USS under test: flight
plans become operational intents booked through the same atomic reservation as every other
flight (:mod:`fleet.service.reservations`). Tokens need the InterUSS scopes
(``interuss.flight_planning.plan`` / ``.direct_automated_test``) or the admin role.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlmodel import col, select

from fleet.service.deps import ContextDep, CurrentUser, SessionDep
from fleet.service.flight_planning_logic import clear_area, close_plan, upsert_plan
from fleet.service.flight_planning_schemas import (
    ClearAreaRequest,
    ClearAreaResponse,
    DeleteFlightPlanResponse,
    FlightPlanID,
    QueryUserNotificationsResponse,
    StatusResponse,
    Time,
    UpsertFlightPlanRequest,
    UpsertFlightPlanResponse,
    UserNotificationOut,
)
from fleet.service.schemas import ERRORS
from fleet.service.security import SCOPE_DIRECT_AUTOMATED_TEST, SCOPE_PLAN, Principal, Role
from fleet.storage.tables import UserNotification

router = APIRouter(prefix="/flight_planning/v1", tags=["flight_planning"], responses=ERRORS)


def _scoped(*scopes: str):  # type: ignore[no-untyped-def]
    def check(principal: CurrentUser) -> Principal:
        if principal.role is Role.ADMIN or principal.scopes & set(scopes):
            return principal
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"token lacks a scope for this endpoint: needs one of {', '.join(scopes)} "
            "(or the admin role)",
        )

    return check


_TIME: dict[str, object] = {"format": "date-time"}

Planner = Annotated[Principal, Depends(_scoped(SCOPE_PLAN))]
Director = Annotated[Principal, Depends(_scoped(SCOPE_DIRECT_AUTOMATED_TEST))]
PlannerOrDirector = Annotated[Principal, Depends(_scoped(SCOPE_PLAN, SCOPE_DIRECT_AUTOMATED_TEST))]


@router.get("/status", response_model=StatusResponse, operation_id="GetStatus")
def get_status(_director: Director) -> StatusResponse:
    """Status of this automated testing interface."""
    return StatusResponse(status="Ready")


@router.put(
    "/flight_plans/{flight_plan_id}",
    response_model=UpsertFlightPlanResponse,
    operation_id="UpsertFlightPlan",
    responses={409: {"description": "request_id reused for another flight plan"}},
)
def put_flight_plan(
    flight_plan_id: FlightPlanID,
    body: UpsertFlightPlanRequest,
    context: ContextDep,
    user: Planner,
) -> UpsertFlightPlanResponse:
    """Plan, modify or close a flight plan as a user of this USS would."""
    return upsert_plan(context, user, flight_plan_id.lower(), body)


@router.delete(
    "/flight_plans/{flight_plan_id}",
    response_model=DeleteFlightPlanResponse,
    operation_id="DeleteFlightPlan",
    responses={404: {"description": "no such flight plan"}},
)
def delete_flight_plan(
    flight_plan_id: FlightPlanID, context: ContextDep, user: PlannerOrDirector
) -> DeleteFlightPlanResponse:
    """Close a flight plan no longer needed for testing."""
    return close_plan(context, user, flight_plan_id.lower())


@router.post("/clear_area_requests", response_model=ClearAreaResponse, operation_id="ClearArea")
def post_clear_area(
    body: ClearAreaRequest, context: ContextDep, user: Director
) -> ClearAreaResponse:
    """Close every flight plan this USS manages that meets the given area."""
    return clear_area(context, user, body)


@router.get(
    "/user_notifications",
    response_model=QueryUserNotificationsResponse,
    operation_id="QueryUserNotifications",
)
def get_user_notifications(
    session: SessionDep,
    user: Planner,
    after: Annotated[
        str, Query(description="RFC3339 time, inclusive", json_schema_extra={"format": "date-time"})
    ],
    before: Annotated[
        str | None,
        Query(description="RFC3339 time (default now)", json_schema_extra={"format": "date-time"}),
    ] = None,
) -> QueryUserNotificationsResponse:
    """Notifications the virtual user observed between ``after`` and ``before``."""
    start = _rfc3339(after, "after")
    end = _rfc3339(before, "before") if before is not None else None
    if end is not None and end < start:
        raise HTTPException(400, "'before' must be after 'after'")
    query = select(UserNotification).where(
        UserNotification.operator_id == user.operator_id, col(UserNotification.observed_at) >= start
    )
    if end is not None:
        query = query.where(col(UserNotification.observed_at) <= end)
    rows = session.exec(query.order_by(col(UserNotification.observed_at)))
    return QueryUserNotificationsResponse(
        user_notifications=[
            UserNotificationOut(
                observed_at=Time(
                    value=n.observed_at.isoformat().replace("+00:00", "Z"), format="RFC3339"
                ),
                conflicts="Single" if n.conflicts == 1 else "Multiple",
                message=n.message,
            )
            for n in rows
        ]
    )


def _rfc3339(text: str, name: str) -> datetime:
    """Parse an RFC3339 time with its zone; 400 naming the parameter otherwise."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None or "T" not in text.upper():
        raise HTTPException(400, f"'{name}' must be an RFC3339 time, e.g. 2024-04-22T16:36:50Z")
    return value
