"""The demo's dispatcher: scheduled missions -> planned, fixed, reserved and approved, each one
when its vehicles are really back.

The fleet scheduler (:mod:`fleet.demo.schedule`) decides who flies what, and in which order.
The dispatcher follows each vehicle's order and approves its next mission only once the vehicle
(and, for a relay, its ground robot) has actually landed from the previous one: the runner's
landing record, seen through ``vehicle.status`` and ``mission.state`` events. So a flight that
lands late pushes its successor back instead of leaving it a departure planned on a return that
did not happen. A mission leaves at the latest of its window's start, the landing plus the
dock's turnaround, and now plus the lead the runner needs to upload and arm. Its legs are
planned and fixed against the live intents (:mod:`fleet.demo.legs`: delay, cruise height or
reroute) and booked as one intent through the service's atomic path
(:func:`fleet.service.approval.book_legs`), whose transaction also approves the mission. A
mission that cannot be planned or cleared fails with the reason; its vehicle moves on. A
ground robot's own delivery reserves no airspace: it is approved with its legs alone.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import select

from fleet import lifecycle
from fleet.demo.legs import (
    LegFailed,
    LegTools,
    MissionLegs,
    relay_legs,
    sortie_legs,
    survey_legs,
)
from fleet.demo.scenario import pad_lonlat
from fleet.demo.schedule import ACTOR, Sortie
from fleet.errors import FleetError, InfeasibleMission
from fleet.lifecycle import TERMINAL
from fleet.runner.runner import MissionRunner
from fleet.service.approval import book_legs, publish_approval, write_approval
from fleet.service.events import Event
from fleet.service.reservations import Refused
from fleet.storage.tables import Dock, MissionRow, VehicleRow

LonLat = tuple[float, float]
TERMINAL_NAMES = frozenset(s.value for s in TERMINAL)
Clock = Callable[[], datetime]


def vehicle_pads(vehicles: list[VehicleRow], docks: list[Dock]) -> dict[int, LonLat]:
    """Each vehicle's pad at its home dock: the ``k``-th vehicle of a dock by name (the
    scenario's order, in which :func:`fleet.demo.simfleet.vehicle_specs` places them; ids
    follow registration or discovery order) gets pad k."""
    by_dock: dict[int, list[VehicleRow]] = {}
    for v in sorted(vehicles, key=lambda v: v.name):
        if v.home_dock_id is not None:
            by_dock.setdefault(v.home_dock_id, []).append(v)
    pads = {}
    for dock in docks:
        for k, v in enumerate(by_dock.get(dock.id or -1, [])):
            pads[v.id or 0] = pad_lonlat((dock.lon_deg, dock.lat_deg), k)
    return pads


@dataclass
class DispatchSettings:
    """Timing of the dispatch."""

    turnaround_s: float = 120.0  # battery swap and parcel loading after a landing
    lead_s: float = 45.0  # departure after the planning starts (planning, upload, arming)
    min_margin_s: float = 20.0  # replan when planning left less than this before departure
    recovery_s: float = 300.0  # after a sortie ends early (a recall flies the vehicle home)
    attempts: int = 3


@dataclass
class Busy:
    """A vehicle's current sortie: its missions and the legs it drives or flies in them."""

    missions: frozenset[int]
    legs: tuple[tuple[int, int], ...] = ()  # (mission id, seq)
    until: datetime | None = None  # planned return plus turnaround


@dataclass
class Dispatcher:
    """Follows the plan per vehicle and approves each sortie when its vehicles are back."""

    tools: LegTools
    pads: dict[int, LonLat]
    queues: dict[int, deque[Sortie]]  # vehicle id -> its sorties in plan order
    landed_at: Mapping[tuple[int, int], datetime]  # the runner's (mission, seq) -> landing
    db_lock: threading.Lock  # the runner's: one writer at a time on SQLite
    clock: Clock
    where: Callable[[int], LonLat | None] = lambda _vehicle_id: None  # last known position
    settings: DispatchSettings = field(default_factory=DispatchSettings)
    free_at: dict[int, datetime] = field(default_factory=dict)
    busy: dict[int, Busy] = field(default_factory=dict)
    ended: set[int] = field(default_factory=set)
    failures: dict[int, str] = field(default_factory=dict)
    notes: dict[int, dict[str, object]] = field(default_factory=dict)  # per mission, for reports
    stopped: bool = False

    def pending(self) -> bool:
        """Whether some sortie is still waiting for its vehicles."""
        return any(self.queues.values())

    def ready(self) -> list[Sortie]:
        """The sorties at the head of every queue they are in (a relay is in its robot's queue
        too, so the robot keeps the plan's order) whose vehicles are free, most urgent first;
        a robot whose next relay waits for a busy drone may drive its own next delivery first
        when the plan says it is back before the drone."""
        out = []
        for vehicle_id, queue in self.queues.items():
            if not queue or vehicle_id in self.busy:
                continue
            head = queue[0]
            if head.vehicle_id != vehicle_id:
                out.extend(self._meanwhile(vehicle_id, head))
                continue  # a relay at the head of its robot's queue: taken from the drone's
            robot = head.robot_id
            if robot is None or (robot not in self.busy and self.queues[robot][0] is head):
                out.append(head)
        return sorted(out, key=lambda s: (s.rank, s.begins))

    def _meanwhile(self, robot_id: int, relay: Sortie) -> list[Sortie]:
        """The robot's own next sortie, if it fits before the relay's busy drone is back."""
        busy = self.busy.get(relay.vehicle_id)
        own = [s for s in self.queues[robot_id] if s.vehicle_id == robot_id][:1]
        if busy is None or busy.until is None or not own:
            return []
        margin = timedelta(seconds=own[0].planned_s * 1.5 + self.settings.lead_s)
        return own if self.clock() + margin <= busy.until else []

    def observe(self, event: Event) -> bool:
        """Free the vehicles an event shows back; True when one was freed."""
        data = event.data
        if event.kind == "vehicle.status" and data.get("status") == "idle":
            return self._release(int(data["vehicle_id"]))
        if event.kind == "mission.state" and data.get("state") in TERMINAL_NAMES:
            self.ended.add(int(data["mission_id"]))
            return any([self._release(v) for v in list(self.busy)])
        return False

    def _release(self, vehicle_id: int) -> bool:
        """Free the vehicle when every leg of its sortie landed, or every mission ended."""
        busy = self.busy.get(vehicle_id)
        if busy is None:
            return False
        landed = [self.landed_at.get(key) for key in busy.legs]
        done = bool(busy.legs) and None not in landed
        if not done and not busy.missions <= self.ended:
            return False
        back = max((t for t in landed if t is not None), default=None) or self.clock()
        if not done:  # the sortie ended early: a recalled vehicle may still be flying home
            back = self.clock() + timedelta(seconds=self.settings.recovery_s)
        self.free_at[vehicle_id] = back + timedelta(seconds=self.settings.turnaround_s)
        del self.busy[vehicle_id]
        return True

    def take(self, sortie: Sortie) -> None:
        """Mark the sortie's vehicles busy and take it off its vehicle's queue."""
        for v in (sortie.vehicle_id, sortie.robot_id):
            if v is not None:
                self.queues[v].remove(sortie)
                self.busy[v] = Busy(frozenset(sortie.mission_ids))

    def dispatch(self, sortie: Sortie) -> None:
        """Plan, fix, book and approve the sortie's missions (run in a worker thread); a
        mission that cannot be is failed with the reason and the rest re-planned without it.
        The vehicles stay busy until their legs have landed."""
        with self.tools.context.sessions() as session:
            rows = [session.get(MissionRow, m) for m in sortie.mission_ids]
        missions = [m for m in rows if m is not None]
        while missions:
            try:
                planned = self._planned(sortie, missions)
            except LegFailed as exc:  # nothing booked yet: drop the mission, plan the rest
                self._fail(exc.mission_id, str(exc))
                missions = [m for m in missions if m.id != exc.mission_id]
                continue
            except (InfeasibleMission, FleetError) as exc:
                for m in missions:
                    self._fail(m.id or 0, str(exc))
                break
            self._hold(sortie, missions, planned)
            self._approve_all(missions, planned)
            return
        for v in (sortie.vehicle_id, sortie.robot_id):
            self.busy.pop(v or -1, None)

    def _approve_all(self, missions: list[MissionRow], planned: list[MissionLegs]) -> None:
        """Book and approve the sortie's missions in order; after a refusal (the search ran on
        a snapshot) the rest of the chain cannot be flown and fails with the reason."""
        for k, (m, p) in enumerate(zip(missions, planned, strict=True)):
            try:
                self._approve(m, p)
            except FleetError as exc:
                for rest in missions[k:]:
                    self._fail(rest.id or 0, f"{exc} (the sortie ends at mission {m.id})")
                return

    def _hold(self, sortie: Sortie, missions: list[MissionRow], planned: list[MissionLegs]) -> None:
        """Record which legs each vehicle of the sortie flies (released when all landed)."""
        for v in (sortie.vehicle_id, sortie.robot_id):
            if v is None or v not in self.busy:
                continue
            legs = tuple(
                (m.id or 0, k)
                for m, p in zip(missions, planned, strict=True)
                for k, leg in enumerate(p.legs)
                if leg.vehicle_id == v
            )
            back = max(
                (leg.route.arrival for p in planned for leg in p.legs if leg.vehicle_id == v),
                default=self.clock(),
            )
            until = back + timedelta(seconds=self.settings.turnaround_s)
            self.busy[v] = Busy(frozenset(m.id or 0 for m in missions), legs, until)
        for m, p in zip(missions, planned, strict=True):
            window = m.spec.get("earliest_pickup") or m.spec["window_start"]
            depart = p.legs[0].route.departure
            self.notes[m.id or 0] = {
                "vehicle_id": sortie.vehicle_id,
                "sortie": sortie.mission_ids,
                "departure": depart.isoformat(),
                "after_window_start_s": round(
                    (depart - datetime.fromisoformat(str(window))).total_seconds(), 1
                ),
                "fixes": list(p.fixes),
            }

    def _planned(self, sortie: Sortie, missions: list[MissionRow]) -> list[MissionLegs]:
        """The sortie planned with enough time left before its departure to upload and arm.

        Raises:
            LegFailed: a mission cannot be planned or cleared.
            InfeasibleMission: planning kept taking longer than the lead, or the demo ended.
        """
        why = "not tried"
        for _ in range(self.settings.attempts):
            if self.stopped:
                raise InfeasibleMission("the demo's time limit came before its dispatch")
            planned = self._plan(sortie, missions, self._departure(sortie, missions))
            margin_s = (planned[0].legs[0].route.departure - self.clock()).total_seconds()
            if margin_s >= self.settings.min_margin_s:
                return planned
            why = f"planning took too long (departure {margin_s:.0f} s away)"
        raise InfeasibleMission(f"not dispatched after {self.settings.attempts} tries: {why}")

    def _approve(self, mission: MissionRow, planned: MissionLegs) -> None:
        """Book the mission's intent and approve it (a robot's drive books no intent).

        Raises:
            LegFailed: the service refused the booking.
        """
        assert mission.id is not None
        if not planned.volumes:
            self._approve_ground(mission, planned)
            return
        with self.db_lock:
            outcome = book_legs(
                self.tools.context,
                mission,
                planned.legs,
                planned.volumes,
                actor=ACTOR,
                refuse_preemption=True,
                now=self.clock(),
            )
        if isinstance(outcome, Refused):
            raise LegFailed(mission.id, f"reservation refused: {outcome.explanation}")

    def _approve_ground(self, mission: MissionRow, planned: MissionLegs) -> None:
        """Approve a robot's own delivery with its legs (no intent: it flies no airspace)."""
        assert mission.id is not None
        no_intents = [None] * len(planned.legs)
        with self.db_lock, self.tools.context.sessions() as session:
            row = write_approval(
                session, mission.id, planned.legs, no_intents, actor=ACTOR, now=self.clock()
            )
            session.commit()
            session.refresh(row)
            publish_approval(self.tools.context.bus, row)

    def _departure(self, sortie: Sortie, missions: list[MissionRow]) -> datetime:
        """The latest of: every parcel's earliest pickup (loaded together), the vehicles'
        actual return plus turnaround, and now plus the lead."""
        windows = [m.spec.get("earliest_pickup") or m.spec["window_start"] for m in missions]
        starts = [datetime.fromisoformat(str(w)) for w in windows]
        lead = self.clock() + timedelta(seconds=self.settings.lead_s)
        vehicles = (sortie.vehicle_id, sortie.robot_id)
        ready = [self.free_at[v] for v in vehicles if v in self.free_at]
        return max([*starts, lead, *ready])

    def _plan(
        self, sortie: Sortie, missions: list[MissionRow], depart: datetime
    ) -> list[MissionLegs]:
        vehicle = (sortie.vehicle_id, self.pads[sortie.vehicle_id])
        first = missions[0]
        assert first.id is not None
        away = {v: self._away(v) for v in (sortie.vehicle_id, sortie.robot_id) if v is not None}
        try:
            if first.kind == "inspection" or sortie.transfer is not None:
                for v, where in away.items():
                    if where is not None:
                        raise InfeasibleMission(
                            f"vehicle {v} stands {_metres(where, self.pads[v]):.0f} m from its "
                            "pad (left there by an ended flight)"
                        )
            if first.kind == "inspection":
                return [survey_legs(self.tools, first, vehicle, depart)]
            if sortie.robot_id is not None and sortie.transfer is not None:
                robot = (sortie.robot_id, self.pads[sortie.robot_id])
                return [relay_legs(self.tools, first, vehicle, robot, sortie.transfer, depart)]
        except LegFailed:
            raise
        except InfeasibleMission as exc:
            raise LegFailed(first.id, str(exc)) from exc
        start = away.get(sortie.vehicle_id)
        return sortie_legs(self.tools, missions, vehicle, sortie.flies, depart, start)

    def _away(self, vehicle_id: int) -> LonLat | None:
        """Where the vehicle stands when that is more than 15 m from its pad, else ``None``."""
        here = self.where(vehicle_id)
        pad = self.pads[vehicle_id]
        return here if here is not None and _metres(here, pad) > 15.0 else None

    def _fail(self, mission_id: int, reason: str) -> None:
        self.failures[mission_id] = reason
        with self.db_lock, self.tools.context.sessions() as session:
            lifecycle.fail(
                session,
                mission_id,
                ACTOR,
                reason[:480],
                bus=self.tools.context.bus,
                clock=self.clock,
            )

    async def dispatch_ready(self) -> int:
        """Dispatch every sortie whose vehicles are free now, one at a time; how many."""
        count = 0
        while batch := self.ready():
            for sortie in batch:
                self.take(sortie)
                await asyncio.to_thread(self.dispatch, sortie)
                count += 1
        return count

    async def run(self, events: AsyncIterator[Event]) -> None:
        """Dispatch as vehicles come back, until no sortie waits (or cancelled)."""
        wake = asyncio.Event()

        async def watch() -> None:
            async for event in events:
                if self.observe(event):
                    wake.set()

        async with asyncio.TaskGroup() as tg:
            watcher = tg.create_task(watch())
            try:
                while self.pending():
                    wake.clear()
                    if not await self.dispatch_ready():
                        await wake.wait()
            finally:
                self.stopped = True
                watcher.cancel()


def _metres(a: LonLat, b: LonLat) -> float:
    dx = (a[0] - b[0]) * 111_320.0 * math.cos(math.radians(a[1]))
    return math.hypot(dx, (a[1] - b[1]) * 110_574.0)


def dispatcher_for(
    tools: LegTools,
    placed: list[Sortie],
    runner: MissionRunner,
    clock: Clock,
) -> Dispatcher:
    """A dispatcher over the plan's sorties: pads from the database, landings and positions
    from the runner (its landing record and its bridge links' telemetry)."""
    with tools.context.sessions() as session:
        vehicles = list(session.exec(select(VehicleRow)).all())
        docks = list(session.exec(select(Dock)).all())
    queues: dict[int, deque[Sortie]] = {}
    for sortie in placed:
        for v in (sortie.vehicle_id, sortie.robot_id):
            if v is not None:
                queues.setdefault(v, deque()).append(sortie)
    pads = vehicle_pads(vehicles, docks)
    links = {v.id: (v.mavlink_url, v.system_id) for v in vehicles}

    def where(vehicle_id: int) -> LonLat | None:
        """The vehicle's live position (its bridge link's latest fix), if known."""
        pool = runner.pool
        link = None if pool is None or vehicle_id not in links else pool.known(*links[vehicle_id])
        fix = None if link is None else link.telemetry.position.latest
        return None if fix is None else (fix.lon_deg, fix.lat_deg)

    return Dispatcher(tools, pads, queues, runner.landed_at, runner.db_lock, clock, where)
