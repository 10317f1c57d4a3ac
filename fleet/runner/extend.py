"""Extending the operational intent of a flight that runs late (ASTM F3548-21): the runner's side.

The geometry (progress, pace, which volumes to extend and how far) is
:mod:`airspace.extension`'s. Here each flying leg gets a :class:`~airspace.extension.LateFlight`
and its proposals go through :func:`fleet.service.reservations.update_volumes`: checked
against every other live intent and written in one transaction under the airspace lock,
audited (``intent.update``) and published (``intent.updated``). If it would meet another
intent nothing changes (``intent.update_refused`` is published, retried after
``retry_after_s``) and the monitor turns the flight Nonconforming once it overruns, as before;
:mod:`fleet.runner.response` then applies.

A flight whose lateness stays within its volumes' time margins gets no update, and only
Activated intents are extended.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from airspace.extension import ExtensionSettings, LateFlight, Projection
from airspace.intents import IntentState, OperationalIntent, transition
from firmware_bridge.telemetry import LandedState, Position, Telemetry
from fleet.runner.conformance import ACTOR, FlightConformance
from fleet.runner.flight import LegPlan
from fleet.service.reservations import Refused, VolumeUpdate, update_volumes

if TYPE_CHECKING:
    from fleet.runner.runner import MissionRunner

__all__ = ["Extender", "ExtensionSettings", "LateFlight"]


def grounded(telemetry: Telemetry) -> bool:
    """Whether an aircraft is on the ground or disarmed, as its link last said.

    One that has not taken off (or has landed) is not late in the air: its intent is not
    extended (a launch that fails ends the intent instead, :mod:`fleet.runner.launch`).
    """
    armed = telemetry.armed.latest
    landed = telemetry.landed_state.latest
    on_ground = landed is not None and landed.state is LandedState.ON_GROUND
    return on_ground or (armed is not None and not armed.armed)


class Extender:
    """The runner's side: a :class:`LateFlight` per flying leg, and the updates it books."""

    def __init__(self, runner: MissionRunner, operator_id: int, settings: ExtensionSettings):
        self.runner = runner
        self.operator_id = operator_id
        self.settings = settings
        self._flights: dict[tuple[int, int], LateFlight] = {}

    async def check(self, plan: LegPlan, watch: FlightConformance, position: Position) -> None:
        """Extend ``watch``'s intent if the flight is projected to overrun it (before the
        monitor sees the fix, so an extended flight never turns Nonconforming)."""
        now = self.runner.now()
        intent = watch.intent
        if intent.state is not IntentState.ACTIVATED or self._grounded(plan):
            return
        key = (plan.mission_id, plan.seq)
        flight = self._flights.get(key)
        if flight is None:
            flight = self._flights[key] = LateFlight(plan.route, intent, self.settings)
        if not flight.due(now):
            return
        projection = flight.project(position, now)
        volumes = flight.proposal(intent, projection)
        if volumes is None:
            return
        await self._book(plan, watch, flight, transition(intent, intent.state, volumes=volumes),
                         projection)  # fmt: skip

    def _grounded(self, plan: LegPlan) -> bool:
        link = self.runner.link_of(plan)
        return plan.flies and link is not None and grounded(link.telemetry)

    async def _book(
        self,
        plan: LegPlan,
        watch: FlightConformance,
        flight: LateFlight,
        candidate: OperationalIntent,
        projection: Projection,
    ) -> None:
        arrival = projection.at(flight.timeline.duration_s)
        why = (
            f"{plan.vehicle_name} running {projection.delay_s:.0f} s late (pace "
            f"{projection.pace:.2f}): volumes extended for an arrival at "
            f"{arrival.strftime('%H:%M:%S')}"
        )
        update = VolumeUpdate(candidate, watch.intent.ovn, self.operator_id, ACTOR, why)
        runner = self.runner

        def book() -> object:
            with runner.db_lock:
                return update_volumes(runner.context.sessions, update, now=projection.now)

        outcome = await asyncio.to_thread(book)
        bus = runner.context.bus
        common = {"intent_id": candidate.id, "mission_id": plan.mission_id}
        if isinstance(outcome, Refused):
            flight.retry_at = projection.now + timedelta(seconds=self.settings.retry_after_s)
            bus.emit(
                "intent.update_refused", self.operator_id, **common,
                delay_s=round(projection.delay_s, 1), blocking=list(outcome.blocking),
                what=f"{why}: refused, {outcome.explanation}",
            )  # fmt: skip
            return
        if watch.updated(candidate):
            bus.emit(
                "intent.updated", self.operator_id, **common, state=candidate.state.value,
                version=candidate.version, delay_s=round(projection.delay_s, 1), what=why,
            )  # fmt: skip
