"""What the runner tells a vehicle when conformance monitoring changes its intent's state.

The policy (:class:`ConformancePolicy`, default):

- **Nonconforming** (the vehicle left its reserved volumes) -> ``hold``: it stops where it is,
  so it does not fly further into airspace that may be reserved by others, and the off-nominal
  volume the monitor published around it stays true;
- held ``rejoin_after_s`` (10 s of flight time) and still Nonconforming -> ``resume``: the
  mission goes on (PX4 Mission mode flies back to its track), the way back into its volumes;
  back inside while held -> ``resume`` at once (e.g. an early vehicle whose window came);
- **Contingent** (not back inside within ``MaxRecoverableTimeInNonconformingStateSeconds``)
  -> ``rtl``: it is brought home, and the mission ends ``aborted`` with the reason (its intent
  is ended);
- **late but inside its volumes' space** (the only excursion is time): the runner extends a
  late flight's intent before it gets there (:mod:`fleet.runner.extend`), so this is a flight
  whose extension would have met another live intent (or came too late, or is turned off):
  nothing. Holding would
  make it later, and a return to launch would fly it home through airspace it never reserved;
  it goes on along its reserved track and lands, its intent Nonconforming then Contingent
  (off-nominal, so other operators see it) until it lands. An early vehicle is held: waiting
  is what brings it back inside.
- a leg that has already landed is never commanded (a timer set in flight may fire after).

A vehicle with no live link cannot be told anything: the attempt is still audited. Every
command the runner sends is audited (actor ``runner:conformance``, with the reason) and
published on the event bus as ``vehicle.command`` (``/ws/events``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from airspace.conformance import BecameContingent, ConformanceEvent, ExcursionKind, LeftVolumes
from firmware_bridge.errors import BridgeError
from fleet.runner.conformance import ACTOR
from fleet.runner.flight import LegPlan, VehicleLink
from fleet.storage.audit import record


class Action(StrEnum):
    """What the runner can tell a flying vehicle (``resume``: back to its mission)."""

    HOLD = "hold"
    RESUME = "resume"
    RTL = "rtl"
    LAND = "land"


RECALLS = frozenset({Action.RTL, Action.LAND})
"""Actions that end the mission (``aborted``)."""


@dataclass(frozen=True, slots=True)
class ConformancePolicy:
    """The action for each conformance change (``None``: tell the vehicle nothing).

    Attributes:
        nonconforming: when the vehicle leaves its volumes.
        rejoin_after_s: flight seconds a held, still nonconforming vehicle waits before it
            is resumed (``None``: it stays held until Contingent).
        contingent: when it has not recovered in time.
        late: when the only excursion is lateness (inside the volumes' space), as it leaves
            its volumes and as it turns Contingent.
    """

    nonconforming: Action | None = Action.HOLD
    rejoin_after_s: float | None = 10.0
    contingent: Action | None = Action.RTL
    late: Action | None = None

    def action_for(self, event: ConformanceEvent) -> Action | None:
        """The action answering ``event`` (leaving the volumes, or escalation)."""
        if isinstance(event, LeftVolumes | BecameContingent) and _only_late(event):
            return self.late
        if isinstance(event, LeftVolumes):
            return self.nonconforming
        if isinstance(event, BecameContingent):
            return self.contingent
        return None


def _only_late(event: LeftVolumes | BecameContingent) -> bool:
    """Whether the excursion is time alone: late, inside the space of a volume."""
    excursion = event.excursion
    return (
        excursion is not None
        and excursion.kind is ExcursionKind.LATE
        and (excursion.lateral_m == 0.0 and excursion.vertical_m == 0.0)
    )


def action_of(link: VehicleLink, action: str) -> Callable[[], Awaitable[None]]:
    """The bridge call that carries out ``action`` (an :class:`Action` or an API
    :class:`~fleet.service.ports.VehicleCommand`, by value) on ``link``."""
    return {
        Action.HOLD.value: link.hold,
        Action.RESUME.value: link.start_mission,
        Action.RTL.value: link.return_to_launch,
        Action.LAND.value: link.land,
    }[str(action)]


async def send(link: VehicleLink | None, action: Action) -> str:
    """Do ``action`` on ``link``; the outcome in words (never raises)."""
    if link is None:
        return "no live link"
    try:
        await action_of(link, action)()
    except BridgeError as exc:
        return f"refused: {exc}"
    return "accepted"


def audit_command(
    session: Session,
    plan: LegPlan,
    operator_id: int,
    action: Action,
    *,
    why: str,
    outcome: str,
    now: datetime,
) -> None:
    """Append the action's audit entry (who: the conformance monitor; why; the outcome)."""
    record(
        session,
        actor=ACTOR,
        action="vehicle.command",
        target_type="vehicle",
        target_id=plan.vehicle_id,
        operator_id=operator_id,
        detail={
            "command": action.value,
            "why": why,
            "outcome": outcome,
            "mission_id": plan.mission_id,
            "intent_id": plan.intent_id,
        },
        clock=lambda: now,
    )
    session.commit()
