"""InterUSS flight_planning actions mapped onto operational intents and the reservation.

- ``usage_state`` ``Planned`` -> intent ``Accepted``; ``InUse`` -> ``Activated`` (or
  ``Nonconforming`` / ``Contingent`` when ``uas_state`` says ``OffNominal`` / ``Contingent``);
  ``Closed`` -> ``Ended``.
- ``execution_style`` ``Hypothetical`` checks without writing; ``IfAllowed`` books only when
  deconfliction accepts; ``InReality`` records what the user is doing, allowed or not.
- ``request_id`` makes upserts idempotent (the first response is replayed).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from airspace.deconfliction import DeconflictionEngine
from airspace.errors import AirspaceError
from airspace.intents import (
    IntentState,
    OperationalIntent,
    intent_from_json,
    new_intent,
    transition,
    volume_from_json,
)
from fleet.service.context import ServiceContext
from fleet.service.errors import Conflict, NotFound
from fleet.service.flight_planning_schemas import (
    ClearAreaOutcome,
    ClearAreaRequest,
    ClearAreaResponse,
    DeleteFlightPlanResponse,
    FlightPlanStatus,
    UpsertFlightPlanRequest,
    UpsertFlightPlanResponse,
    Volume4D,
)
from fleet.service.intent_store import envelope, live_intents_meeting
from fleet.service.reservations import Booking, Refused, end_intent_by_id, reserve
from fleet.service.security import Principal
from fleet.storage.tables import FlightPlanRequest, IntentRow, UserNotification

_STATUS: dict[str, FlightPlanStatus] = {
    "Accepted": "Planned",
    "Activated": "OkToFly",
    "Nonconforming": "OffNominal",
    "Contingent": "OffNominal",
    "Ended": "Closed",
}


class _NotSupported(Exception):
    """The request uses something this USS does not implement."""


def upsert_plan(
    context: ServiceContext, user: Principal, plan_id: str, body: UpsertFlightPlanRequest
) -> UpsertFlightPlanResponse:
    """Carry out a PUT /flight_plans/{id}; see the module docstring for the mapping."""
    replay = _replay(context, plan_id, body.request_id)
    if replay is not None:
        return replay
    response = _upsert(context, user, plan_id, body)
    if body.execution_style != "Hypothetical":
        _remember(context, plan_id, body.request_id, response)
    return response


def _upsert(
    context: ServiceContext, user: Principal, plan_id: str, body: UpsertFlightPlanRequest
) -> UpsertFlightPlanResponse:
    existing = _live_row(context, user, plan_id)
    info = body.flight_plan.basic_information
    if info.usage_state == "Closed":
        if existing is not None and body.execution_style != "Hypothetical":
            end_intent_by_id(context.sessions, existing.id, actor=user.actor, now=context.clock())
        return UpsertFlightPlanResponse(planning_result="Completed", flight_plan_status="Closed")
    try:
        candidate = _candidate(user, body, existing)
    except _NotSupported as exc:
        return _answer("NotSupported", str(exc), existing)
    except (AirspaceError, ValueError) as exc:
        return _answer("Rejected", f"invalid flight plan: {exc}", existing)
    outcome = reserve(
        context.sessions,
        Booking(candidate, user.operator_id, user.actor, flight_plan_id=plan_id),
        now=context.clock(),
        policy=context.deconfliction,
        dry_run=body.execution_style == "Hypothetical",
        force=body.execution_style == "InReality",
    )
    if isinstance(outcome, Refused):
        _notify(context, user, plan_id, outcome)
        return _answer("Rejected", f"conflicts with {', '.join(outcome.blocking)}", existing)
    status = _STATUS[candidate.state.value]
    if body.execution_style == "Hypothetical":
        return UpsertFlightPlanResponse(
            planning_result="Completed",
            flight_plan_status=_STATUS[existing.state] if existing else "NotPlanned",
            notes=f"would be {status}",
        )
    context.bus.emit("intent.reserved", user.operator_id, intent_id=candidate.id)
    return UpsertFlightPlanResponse(planning_result="Completed", flight_plan_status=status)


def _candidate(
    user: Principal, body: UpsertFlightPlanRequest, existing: IntentRow | None
) -> OperationalIntent:
    info = body.flight_plan.basic_information
    if not info.area:
        raise ValueError("basic_information.area is empty: give at least one Volume4D")
    volumes = tuple(_volume(v, i) for i, v in enumerate(info.area))
    priority = body.flight_plan.astm_f3548_21.priority if body.flight_plan.astm_f3548_21 else 0
    state = _target_state(info.usage_state, info.uas_state)
    if existing is None:
        if not state.is_nominal:
            raise _NotSupported(f"a new flight plan cannot start {state.value}")
        return new_intent(
            str(uuid.uuid4()), str(user.operator_id), volumes, priority=priority, state=state
        )
    current = intent_from_json(existing.f3548)
    if state.is_nominal:
        return transition(current, state, volumes=volumes, priority=priority)
    return transition(current, state, off_nominal_volumes=volumes)


def _target_state(usage_state: str, uas_state: str) -> IntentState:
    if usage_state == "Planned":
        return IntentState.ACCEPTED
    return {
        "OffNominal": IntentState.NONCONFORMING,
        "Contingent": IntentState.CONTINGENT,
    }.get(uas_state, IntentState.ACTIVATED)


def _volume(volume: Volume4D, index: int) -> Any:
    data = volume.model_dump(exclude_none=True)
    v3 = data.get("volume", {})
    for key in ("altitude_lower", "altitude_upper"):
        reference = v3.get(key, {}).get("reference", "W84")
        if reference != "W84":
            raise _NotSupported(f"area[{index}].volume.{key}: only W84 altitudes are supported")
    return volume_from_json(data, f"area[{index}]")


def _answer(result: Any, notes: str, existing: IntentRow | None) -> UpsertFlightPlanResponse:
    status: FlightPlanStatus = _STATUS[existing.state] if existing else "NotPlanned"
    return UpsertFlightPlanResponse(planning_result=result, notes=notes, flight_plan_status=status)


def _live_row(context: ServiceContext, user: Principal, plan_id: str) -> IntentRow | None:
    with context.sessions() as session:
        query = select(IntentRow).where(
            IntentRow.flight_plan_id == plan_id,
            IntentRow.operator_id == user.operator_id,
            col(IntentRow.live),
        )
        return session.exec(query).first()


def _replay(
    context: ServiceContext, plan_id: str, request_id: str
) -> UpsertFlightPlanResponse | None:
    with context.sessions() as session:
        seen = session.get(FlightPlanRequest, request_id)
    if seen is None:
        return None
    if seen.flight_plan_id != plan_id:
        raise Conflict(f"request_id {request_id!r} was already used for another flight plan")
    return UpsertFlightPlanResponse.model_validate(seen.response)


def _remember(
    context: ServiceContext, plan_id: str, request_id: str, response: UpsertFlightPlanResponse
) -> None:
    with context.sessions() as session:
        session.add(
            FlightPlanRequest(
                request_id=request_id,
                flight_plan_id=plan_id,
                response=response.model_dump(mode="json"),
                created_at=context.clock(),
            )
        )
        try:
            session.commit()
        except IntegrityError:  # the same request_id raced in; the first answer stands
            session.rollback()


def _notify(context: ServiceContext, user: Principal, plan_id: str, refused: Refused) -> None:
    with context.sessions() as session:
        session.add(
            UserNotification(
                operator_id=user.operator_id,
                observed_at=context.clock(),
                flight_plan_id=plan_id,
                conflicts=len(refused.blocking),
                message=f"flight plan {plan_id} conflicts with {', '.join(refused.blocking)}",
            )
        )
        session.commit()


def close_plan(context: ServiceContext, user: Principal, plan_id: str) -> DeleteFlightPlanResponse:
    """Carry out a DELETE /flight_plans/{id}.

    Raises:
        NotFound: the caller's operator has no live flight plan with that id.
    """
    row = _live_row(context, user, plan_id)
    if (
        row is None
        or end_intent_by_id(context.sessions, row.id, actor=user.actor, now=context.clock()) is None
    ):
        raise NotFound(f"flight plan {plan_id} not found (it may already be closed)")
    context.bus.emit("intent.ended", user.operator_id, intent_id=row.id)
    return DeleteFlightPlanResponse(planning_result="Completed", flight_plan_status="Closed")


def clear_area(
    context: ServiceContext, user: Principal, body: ClearAreaRequest
) -> ClearAreaResponse:
    """Close every flight plan managed through this interface that meets ``body.extent``."""
    try:
        extent = _volume(body.extent, 0)
    except (_NotSupported, AirspaceError, ValueError) as exc:
        return ClearAreaResponse(outcome=ClearAreaOutcome(success=False, message=str(exc)))
    with context.sessions() as session:
        ids = _plans_meeting(session, extent, body.extent.model_dump(exclude_none=True))
    for intent_id in ids:
        end_intent_by_id(context.sessions, intent_id, actor=user.actor, now=context.clock())
    return ClearAreaResponse(
        outcome=ClearAreaOutcome(
            success=True,
            message=f"closed {len(ids)} flight plan(s)",
            details={"closed_intent_ids": ids},
        )
    )


def _plans_meeting(session: Session, extent: Any, extent_json: dict[str, Any]) -> list[str]:
    rows = [r for r in live_intents_meeting(session, envelope([extent_json])) if r.flight_plan_id]
    engine = DeconflictionEngine()
    engine.restore(intent_from_json(r.f3548) for r in rows)
    meeting = {b.intent_id for b in engine.find_conflicts([extent])}
    off_nominal = {r.id for r in rows if r.state in ("Nonconforming", "Contingent")}
    return sorted(meeting | off_nominal)
