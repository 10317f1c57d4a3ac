"""What the runner does with each step of a flight: persist, audit, publish, record.

- uploaded: mission ``approved -> uploaded`` (first leg);
- started: intent ``Accepted -> Activated``, mission ``uploaded -> in_flight``, vehicle busy;
- position: track sample, distance flown, progress, latest telemetry row and a
  ``vehicle.telemetry`` event (both throttled to ``publish_period_s`` of wall time);
- link lost: vehicle ``lost``, intent ``Contingent`` (F3548: the operator can no longer
  ensure conformance); link back: vehicle busy again, audited; the flight goes on;
- landed: intent ``Ended``; after the last leg the mission is ``completed``; vehicle ``idle``.

Each position of an activated flight first goes to the :class:`~fleet.runner.extend.Extender`
(a late flight's intent is extended before it overruns it), then to the conformance monitor.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airspace.conformance import ConformanceEvent, Recovered, StillNonconforming
from airspace.frames import ground_distance_m
from airspace.intents import IntentState
from firmware_bridge.telemetry import LinkState, Position
from fleet.lifecycle import MissionState, advance
from fleet.runner.conformance import ACTOR, FlightConformance, describe, save_intent
from fleet.runner.extend import Extender
from fleet.runner.flight import LegPlan
from fleet.runner.items import cruise_speed_mps, drive_items, flight_items
from fleet.runner.response import RECALLS, Action, audit_command, send
from fleet.runner.store import (
    LegRecord,
    MissionWork,
    Step,
    VehicleRecord,
    apply_step,
    items_from_json,
    route_from_json,
    save_telemetry,
    set_progress,
)
from fleet.runner.track import TrackPoint
from fleet.storage.tables import IntentRow, Telemetry

if TYPE_CHECKING:
    from fleet.runner.runner import MissionRunner


def build_plan(work: MissionWork, leg: LegRecord, vehicle: VehicleRecord) -> LegPlan:
    """The :class:`LegPlan` of a stored leg: its route, and the items that fly it.

    Raises:
        KeyError, ValueError: the stored route is not a route, or never leaves the ground.
    """
    route = route_from_json(leg.route)
    stored = items_from_json(leg.route)
    # the speed the route was planned at; a route retimed with its speed profile stores it
    # (its average segment speeds are below the cruise speed the vehicle is told to keep)
    speed = leg.route.get("cruise_speed_mps") or cruise_speed_mps(route)
    if stored is not None:
        items = stored
    elif vehicle.flies:
        items = flight_items(route, speed_mps=speed)
    else:
        items = drive_items(route, speed_mps=speed)
    return LegPlan(
        mission_id=work.mission_id,
        seq=leg.seq,
        vehicle_id=vehicle.id,
        vehicle_name=vehicle.name,
        flies=vehicle.flies,
        route=route,
        items=tuple(items),
        intent_id=leg.intent_id,
        last_leg=leg is work.legs[-1],
    )


def _intent_change(
    plan: LegPlan, state: IntentState, why: str
) -> tuple[str, IntentState, str] | None:
    """A :class:`Step`'s intent change for ``plan``'s intent (``None`` if it has none)."""
    return None if plan.intent_id is None else (plan.intent_id, state, why)


def _step_m(a: TrackPoint, b: TrackPoint) -> float:
    ground_m = ground_distance_m(a.lon_deg, a.lat_deg, b.lon_deg, b.lat_deg)
    return math.hypot(ground_m, b.alt_amsl_m - a.alt_amsl_m)


class FlightObserver:
    """The runner's :class:`~fleet.runner.flight.LegObserver` for one mission.

    Telemetry events go out every ``publish_period_s``; the latest-telemetry row and the
    progress are written every ``persist_period_s`` (wall seconds, per vehicle).
    """

    def __init__(
        self,
        runner: MissionRunner,
        work: MissionWork,
        publish_period_s: float = 0.5,
        persist_period_s: float = 3.0,
    ) -> None:
        self.runner = runner
        self.work = work
        self.publish_period_s = publish_period_s
        self.persist_period_s = persist_period_s
        self._last_publish: dict[int, float] = {}
        self._last_persist: dict[int, float] = {}
        self._battery_start: dict[int, float] = {}
        self._legs_done = 0
        self._uploaded = work.state is not MissionState.APPROVED
        self._uploading = asyncio.Lock()
        self._in_flight = work.state is MissionState.IN_FLIGHT
        self._held: set[str] = set()  # intents whose vehicle the runner told to hold
        settings = runner.extension_settings
        self._extender = None if settings is None else Extender(runner, work.operator_id, settings)
        self._completed = False

    async def _db(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        def call() -> Any:
            with self.runner.db_lock, self.runner.context.sessions() as session:
                return fn(session, *args, **kw)

        return await asyncio.to_thread(call)

    async def _mission_to(self, state: MissionState, reason: str | None = None) -> None:
        ctx = self.runner.context
        await self._db(
            advance,
            self.work.mission_id,
            state,
            "runner",
            reason,
            bus=ctx.bus,
            clock=self.runner.now,
        )

    async def uploaded(self, plan: LegPlan) -> None:
        """Mission ``approved -> uploaded`` when its first leg is on a vehicle.

        Legs of two vehicles (a relay's drone and robot) upload at the same time: the second
        waits here until the transition is written, or its start could be written first (a
        mission cannot go from approved to in flight).
        """
        async with self._uploading:
            if not self._uploaded:
                await self._mission_to(MissionState.UPLOADED)
                self._uploaded = True

    async def _step(self, plan: LegPlan, step: Step) -> None:
        """Write ``step`` in one transaction, then publish what it changed."""
        done = await self._db(
            apply_step, plan.mission_id, plan.vehicle_id, step, now=self.runner.now()
        )
        bus = self.runner.context.bus
        if done.intent is not None:
            bus.emit(
                "intent.state",
                done.intent.operator_id,
                intent_id=done.intent.id,
                mission_id=plan.mission_id,
                state=done.intent.state,
            )
        if done.mission is not None:
            bus.publish_mission_state(done.mission)
        if step.vehicle_status is not None:
            bus.emit(
                "vehicle.status",
                self.work.operator_id,
                vehicle_id=plan.vehicle_id,
                status=step.vehicle_status,
            )

    def _intent_change(
        self, plan: LegPlan, state: IntentState, why: str
    ) -> tuple[str, IntentState, str] | None:
        return None if plan.intent_id is None else (plan.intent_id, state, why)

    async def started(self, plan: LegPlan) -> None:
        """Intent Activated, mission in flight, vehicle busy: one transaction (called once the
        heartbeat shows the vehicle armed in Mission mode)."""
        mission = None if self._in_flight else MissionState.IN_FLIGHT
        self._in_flight = True
        why = "vehicle armed in mission mode (heartbeat)"
        intent = _intent_change(plan, IntentState.ACTIVATED, why)
        await self._step(plan, Step(intent, mission, "in_flight"))
        await self._watch_conformance(plan)

    async def _watch_conformance(self, plan: LegPlan) -> None:
        if not plan.flies or plan.intent_id is None:
            return
        if plan.intent_id in self.runner.conformance:
            return
        row = await self._db(lambda s, i: s.get(IntentRow, i), plan.intent_id)
        if row is not None and row.state == IntentState.ACTIVATED.value:
            self.runner.conformance[plan.intent_id] = FlightConformance.of(
                row.f3548, self.runner.excursions, self.runner.conformance_settings
            )

    async def _check_conformance(self, plan: LegPlan, position: Position) -> None:
        watch = self.runner.conformance.get(plan.intent_id or "")
        if watch is None:
            return
        if self._extender is not None:
            await self._extender.check(plan, watch, position)
        for event in watch.observe(position, self.runner.now()):
            if isinstance(event, StillNonconforming):
                continue
            what = f"{plan.vehicle_name} {describe(event)}"
            await self._db(save_intent, event.intent, why=what, now=self.runner.now())
            self.runner.context.bus.emit(
                "intent.conformance",
                self.work.operator_id,
                intent_id=event.intent.id,
                mission_id=plan.mission_id,
                state=event.intent.state.value,
                what=what,
            )
            self._respond(plan, event, what)

    def _respond(self, plan: LegPlan, event: ConformanceEvent, what: str) -> None:
        """Tell the vehicle what the policy says (see :mod:`fleet.runner.response`).

        Actions run as tasks of the runner, not of this flight's telemetry watcher: an RTL
        ends the leg at once (the flight-mode failsafe), which cancels the watchers, and the
        command must still be sent, audited and published.
        """
        runner, intent_id = self.runner, plan.intent_id or ""
        policy = runner.conformance_policy
        action = policy.action_for(event)
        if isinstance(event, Recovered) and intent_id in self._held:
            action = Action.RESUME
        if action is None:
            return
        if action in RECALLS:  # known before the mode change fails the leg
            runner.recalled[plan.mission_id] = f"{what}: vehicle told to {action.value}"
        if action is Action.HOLD:
            self._held.add(intent_id)
            if policy.rejoin_after_s is not None:
                at = event.time + timedelta(seconds=policy.rejoin_after_s)
                runner.spawn(self._rejoin(plan, what, at), f"rejoin-{plan.vehicle_id}")
        else:
            self._held.discard(intent_id)
        runner.spawn(self._command(plan, action, what), f"conformance-{plan.vehicle_id}")

    async def _rejoin(self, plan: LegPlan, what: str, at: datetime) -> None:
        """Resume a vehicle still held and nonconforming at ``at``: back to its track."""
        await self.runner.clock.sleep_until(at)
        intent_id = plan.intent_id or ""
        watch = self.runner.conformance.get(intent_id)
        if intent_id not in self._held or watch is None:
            return
        if watch.state is IntentState.NONCONFORMING:
            self._held.discard(intent_id)
            held_s = self.runner.conformance_policy.rejoin_after_s
            await self._command(plan, Action.RESUME, f"{what}; held {held_s:.0f} s: rejoining")

    async def _command(self, plan: LegPlan, action: Action, what: str) -> None:
        runner = self.runner
        if (plan.mission_id, plan.seq) in runner.landed_at:
            outcome = "not sent: the leg has landed"
        else:
            outcome = await send(runner.link_of(plan), action)
        operator_id = self.work.operator_id
        runner.context.bus.emit(
            "vehicle.command",
            operator_id,
            vehicle_id=plan.vehicle_id,
            mission_id=plan.mission_id,
            command=action.value,
            reason=what,
            outcome=outcome,
            actor=ACTOR,
        )
        await self._db(
            audit_command, plan, operator_id, action, why=what, outcome=outcome, now=runner.now()
        )

    async def position(self, plan: LegPlan, position: Position) -> None:
        """Record the sample; persist and publish it at most every ``publish_period_s``."""
        runner = self.runner
        point = TrackPoint(
            runner.clock.elapsed_s(),
            position.lon_deg,
            position.lat_deg,
            position.alt_amsl_m,
            position.alt_rel_home_m,
        )
        track = runner.tracks[plan.vehicle_name]
        if track:
            runner.flown_m[plan.mission_id] += _step_m(track[-1], point)
        track.append(point)
        await self._check_conformance(plan, position)
        now = time.monotonic()
        if now - self._last_publish.get(plan.vehicle_id, 0.0) < self.publish_period_s:
            return
        self._last_publish[plan.vehicle_id] = now
        await self._publish(plan, position)

    async def _publish(self, plan: LegPlan, position: Position) -> None:
        link = self.runner.link_of(plan)
        battery = None if link is None else link.telemetry.battery.latest
        pct = None if battery is None else battery.remaining_pct
        armed = None if link is None else link.telemetry.armed.latest
        mode = None if link is None else link.telemetry.flight_mode.latest
        if pct is not None:
            start = self._battery_start.setdefault(plan.vehicle_id, pct)
            self.runner.battery_used_pct[plan.mission_id] = max(0.0, start - pct)
        sample = Telemetry(
            vehicle_id=plan.vehicle_id,
            time=self.runner.now(),
            lon_deg=position.lon_deg,
            lat_deg=position.lat_deg,
            alt_amsl_m=position.alt_amsl_m,
            heading_deg=position.heading_deg,
            ground_speed_mps=math.hypot(position.vn_mps, position.ve_mps),
            battery_fraction=None if pct is None else pct / 100.0,
            mode=None if mode is None else mode.mode.value,
            armed=armed is not None and armed.armed,
            link_ok=link is not None and link.connected,
        )
        progress = self._progress(plan, link)
        now = time.monotonic()
        if now - self._last_persist.get(plan.vehicle_id, 0.0) >= self.persist_period_s:
            self._last_persist[plan.vehicle_id] = now
            await self._db(save_telemetry, sample)
            await self._db(set_progress, plan.mission_id, progress)
        self.runner.context.bus.emit(
            "vehicle.telemetry",
            self.work.operator_id,
            vehicle_id=plan.vehicle_id,
            name=plan.vehicle_name,
            mission_id=plan.mission_id,
            lon_deg=position.lon_deg,
            lat_deg=position.lat_deg,
            alt_amsl_m=position.alt_amsl_m,
            alt_agl_m=position.alt_rel_home_m,
            battery_pct=pct,
            armed=sample.armed,
            mode=sample.mode,
            progress=progress,
        )

    def _progress(self, plan: LegPlan, link: Any) -> float:
        index = [leg.seq for leg in self.work.legs].index(plan.seq)
        current = None if link is None else link.telemetry.mission_progress.latest
        within = 0.0
        if current is not None and plan.items:
            within = max(0, current.reached_seq + 1) / len(plan.items)
        return min(0.999, (index + min(within, 0.999)) / len(self.work.legs))

    async def link_changed(self, plan: LegPlan, link: LinkState) -> None:
        """Lost: vehicle lost, intent Contingent. Back: vehicle busy again (audited)."""
        if not link.connected:
            self.runner.conformance.pop(plan.intent_id or "", None)  # no reports: not monitored
            why = "data link lost in flight"
            intent = _intent_change(plan, IntentState.CONTINGENT, why)
            await self._step(plan, Step(intent, vehicle_status="lost"))
        else:
            await self._step(plan, Step(vehicle_status="in_flight"))

    async def landed(self, plan: LegPlan) -> None:
        """Intent Ended after its last leg, vehicle idle, progress counting the leg, and the
        mission completed when this was the last leg to land: one transaction."""
        self.runner.landed_at[(plan.mission_id, plan.seq)] = self.runner.now()
        later = [leg for leg in self.work.legs if leg.seq > plan.seq]
        intent = None
        if all(leg.intent_id != plan.intent_id for leg in later):
            self.runner.conformance.pop(plan.intent_id or "", None)
            intent = _intent_change(plan, IntentState.ENDED, "landed")
        self._legs_done += 1
        last = self._legs_done == len(self.work.legs)
        mission = MissionState.COMPLETED if last else None
        self._completed = self._completed or last
        progress = self._legs_done / len(self.work.legs)
        await self._step(plan, Step(intent, mission, "idle", progress))

    async def completed(self) -> None:
        """Every leg has landed: the mission is completed (if its last landing did not)."""
        if not self._completed:
            self._completed = True
            await self._mission_to(MissionState.COMPLETED)
