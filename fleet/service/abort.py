"""Ending a mission early on an operator's word: ``POST /missions/{id}/abort``.

- uploaded or in flight: the runner stops flying it, each of its vehicles in the air is told
  to return to launch (or to land where it is), one armed on the ground is disarmed; the
  mission ends ``aborted`` with the reason; the intent of a vehicle flying back stays live,
  ``Contingent`` (off-nominal), until it is on the ground and disarmed, when the runner's
  fleet watcher ends it; any other intent is ended at once;
- approved (or not yet approved): the runner forgets it before it uploads anything, its
  reservation is released and it ends ``cancelled`` with the reason.

Every abort is audited (``mission.abort``: who, why, the action, what each vehicle did) next
to the mission's transition. A terminal mission is a :class:`Conflict`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from airspace.intents import IntentState
from fleet import lifecycle
from fleet.lifecycle import TERMINAL, MissionState
from fleet.service.context import ServiceContext
from fleet.service.errors import Conflict, NotFound
from fleet.service.intent_store import end_intent, end_mission_intents
from fleet.service.ports import VehicleCommand
from fleet.service.security import Principal
from fleet.storage.audit import record
from fleet.storage.tables import IntentRow, MissionLeg, MissionRow, VehicleRow

FLYING = (MissionState.UPLOADED, MissionState.IN_FLIGHT)


@dataclass(frozen=True, slots=True)
class AbortOrder:
    """What the operator asked: the action for vehicles in the air, and why."""

    command: VehicleCommand
    reason: str


def _load(
    context: ServiceContext, mission_id: int, user: Principal, refuse_ended: bool = True
) -> tuple[MissionState, list[VehicleRow]]:
    """The mission's state and its vehicles (those of its legs, else the scheduled one).

    Raises:
        NotFound: no such mission for the caller's operator.
        Conflict: it has ended (when ``refuse_ended``).
    """
    with context.sessions() as session:
        mission = session.get(MissionRow, mission_id)
        if mission is None or mission.operator_id != user.operator_id:
            raise NotFound(f"mission {mission_id} not found")
        if refuse_ended:
            _refuse_ended(mission)
        legs = select(MissionLeg.vehicle_id).where(MissionLeg.mission_id == mission_id)
        ids = {i for i in session.exec(legs) if i is not None}
        if not ids and mission.vehicle_id is not None:
            ids = {mission.vehicle_id}
        rows = session.exec(select(VehicleRow).where(col(VehicleRow.id).in_(ids)))
        return MissionState(mission.state), list(rows)


def _refuse_ended(mission: MissionRow) -> None:
    if MissionState(mission.state) in TERMINAL:
        why = f" ({mission.state_reason})" if mission.state_reason else ""
        raise Conflict(
            f"mission {mission.id} is already {mission.state}{why}: there is nothing to abort"
        )


async def stop_before_cancel(context: ServiceContext, mission_id: int, user: Principal) -> None:
    """Before an approved or uploaded mission is cancelled, make the runner forget it: it
    would otherwise upload, arm and start it at its departure (a vehicle that took off in
    the meantime is brought home, one armed on the ground disarmed).

    Raises:
        NotFound: no such mission for the caller's operator.
        Conflict: it flies (an ended one is refused by the cancellation itself).
    """
    state, vehicles = await asyncio.to_thread(_load, context, mission_id, user, False)
    if state is MissionState.IN_FLIGHT:
        raise Conflict(
            f"mission {mission_id} is in flight: abort it (POST /missions/{mission_id}/abort) "
            "to bring its vehicle back"
        )
    if context.live is not None and state in (MissionState.APPROVED, MissionState.UPLOADED):
        await context.live.stop_flight(mission_id, vehicles, VehicleCommand.RTL)


async def abort_mission(
    context: ServiceContext, mission_id: int, user: Principal, order: AbortOrder
) -> MissionRow:
    """Abort ``mission_id`` (see the module docstring).

    Raises:
        NotFound: no such mission for the caller's operator.
        Conflict: it has already ended, or it flies and no runner in this service can
            command its vehicles.
    """
    state, vehicles = await asyncio.to_thread(_load, context, mission_id, user)
    outcomes: dict[int, str] = {}
    if context.live is not None:
        outcomes = await context.live.stop_flight(mission_id, vehicles, order.command)
    elif state in FLYING:
        raise Conflict(
            f"mission {mission_id} is {state.value} and no MAVLink bridge runs in this service "
            "to command its vehicles (SKYFLEET_RUN_BRIDGE=1)"
        )
    mission = await asyncio.to_thread(_persist, context, mission_id, user, order, outcomes)
    context.bus.publish_mission_state(mission)
    for vehicle_id, outcome in outcomes.items():
        context.bus.emit(
            "vehicle.command",
            user.operator_id,
            vehicle_id=vehicle_id,
            mission_id=mission_id,
            command=order.command.value,
            reason=order.reason,
            outcome=outcome,
            actor=user.actor,
        )
    return mission


def _persist(
    context: ServiceContext,
    mission_id: int,
    user: Principal,
    order: AbortOrder,
    outcomes: dict[int, str],
) -> MissionRow:
    """End the mission and its intents, audited, in one transaction."""
    now = context.clock()
    with context.sessions() as session:
        mission = session.get(MissionRow, mission_id)
        assert mission is not None
        _refuse_ended(mission)  # it may have landed or failed while its flight was stopped
        before = mission.state
        target = MissionState.ABORTED if MissionState(before) in FLYING else MissionState.CANCELLED
        why = f"{order.reason} (abort by {user.actor}: {order.command.value})"
        returning = any(outcome.endswith(" accepted") for outcome in outcomes.values())
        ended = _end_intents(session, mission_id, user, now, keep_contingent=returning)
        _audit(session, mission, user, order, {"vehicles": outcomes, "intents_ended": ended}, now)
        mission = lifecycle.advance(
            session, mission_id, target, user.actor, why[:500], commit=False, clock=lambda: now
        )
        session.commit()
        session.refresh(mission)
        return mission


def _end_intents(
    session: Session, mission_id: int, user: Principal, now: datetime, *, keep_contingent: bool
) -> int:
    """End the mission's live intents; with ``keep_contingent`` those of vehicles flying back
    stay (the runner ends them once the vehicle is down)."""
    if not keep_contingent:
        return end_mission_intents(session, mission_id, actor=user.actor, now=now)
    query = select(IntentRow).where(
        IntentRow.mission_id == mission_id,
        col(IntentRow.live),
        IntentRow.state != IntentState.CONTINGENT.value,
    )
    rows = list(session.exec(query))
    for row in rows:
        end_intent(session, row, actor=user.actor, now=now)
    return len(rows)


def _audit(
    session: Session,
    mission: MissionRow,
    user: Principal,
    order: AbortOrder,
    done: dict[str, object],
    now: datetime,
) -> None:
    record(
        session,
        actor=user.actor,
        action="mission.abort",
        target_type="mission",
        target_id=mission.id,
        operator_id=mission.operator_id,
        detail={
            "state": mission.state,
            "action": order.command.value,
            "reason": order.reason,
            **done,
        },
        clock=lambda: now,
    )
