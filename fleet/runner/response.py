"""What the runner tells a vehicle when conformance monitoring changes its intent's state.

The policy (:class:`ConformancePolicy`, default):

- **Nonconforming** (the vehicle left its reserved volumes) -> ``hold``: it stops where it is,
  so it does not fly further into airspace that may be reserved by others, and the off-nominal
  volume the monitor published around it stays true;
- **Contingent** (not back inside within ``MaxRecoverableTimeInNonconformingStateSeconds``,
  which a held vehicle outside its volumes never is) -> ``rtl``: it is brought home, and the
  mission ends ``aborted`` with the reason (the intent is ended);
- back inside (Activated again): nothing; the vehicle was not stopped (an excursion during a
  hold cannot end by itself) or the operator resumed it.

A vehicle with no live link cannot be told anything: the attempt is still audited. Every
command the runner sends is audited (actor ``runner:conformance``, with the reason) and
published on the event bus as ``vehicle.command`` (``/ws/events``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from airspace.conformance import BecameContingent, ConformanceEvent, LeftVolumes
from firmware_bridge.errors import BridgeError
from fleet.runner.conformance import ACTOR
from fleet.runner.flight import LegPlan, VehicleLink
from fleet.service.ports import VehicleCommand
from fleet.storage.audit import record

RECALLS = frozenset({VehicleCommand.RTL, VehicleCommand.LAND})
"""Commands that end the mission (``aborted``)."""


@dataclass(frozen=True, slots=True)
class ConformancePolicy:
    """The command for each conformance change (``None``: tell the vehicle nothing)."""

    nonconforming: VehicleCommand | None = VehicleCommand.HOLD
    contingent: VehicleCommand | None = VehicleCommand.RTL

    def command_for(self, event: ConformanceEvent) -> VehicleCommand | None:
        """The command answering ``event`` (only leaving the volumes and escalation act)."""
        if isinstance(event, LeftVolumes):
            return self.nonconforming
        if isinstance(event, BecameContingent):
            return self.contingent
        return None


def action_of(link: VehicleLink, command: VehicleCommand) -> Callable[[], Awaitable[None]]:
    """The bridge call that carries out ``command`` on ``link``."""
    return {
        VehicleCommand.HOLD: link.hold,
        VehicleCommand.RTL: link.return_to_launch,
        VehicleCommand.LAND: link.land,
    }[command]


async def send(link: VehicleLink | None, command: VehicleCommand) -> str:
    """Send ``command`` on ``link``; the outcome in words (never raises)."""
    if link is None:
        return "no live link"
    try:
        await action_of(link, command)()
    except BridgeError as exc:
        return f"refused: {exc}"
    return "accepted"


def audit_command(
    session: Session,
    plan: LegPlan,
    operator_id: int,
    command: VehicleCommand,
    *,
    why: str,
    outcome: str,
    now: datetime,
) -> None:
    """Append the command's audit entry (who: the conformance monitor; why; the outcome)."""
    record(
        session,
        actor=ACTOR,
        action="vehicle.command",
        target_type="vehicle",
        target_id=plan.vehicle_id,
        operator_id=operator_id,
        detail={
            "command": command.value,
            "why": why,
            "outcome": outcome,
            "mission_id": plan.mission_id,
            "intent_id": plan.intent_id,
        },
        clock=lambda: now,
    )
    session.commit()
