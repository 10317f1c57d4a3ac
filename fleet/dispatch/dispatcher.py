"""The dispatcher: scheduled sorties -> planned, fixed, reserved and approved, each one when its
vehicles are really back.

The fleet scheduler (:mod:`fleet.dispatch.schedule`) decides who flies what, and in which
order. The dispatcher follows each vehicle's order and approves its next sortie only once the
vehicle (and, for a relay, its ground robot) has actually landed from the previous one: the
runner's landings, seen as ``vehicle.status`` events (a vehicle turning ``idle`` after its
leg's departure) and ``mission.state`` events (every mission of the sortie ended). So a flight
that lands late pushes its successor back instead of leaving it a departure planned on a return
that did not happen. A sortie leaves at the latest of its windows' start, the landing plus the
dock's turnaround, and now plus the approval's lead. Its legs are planned and fixed against the
live intents around the active zones (:mod:`fleet.dispatch.legs`: delay, cruise height or
reroute) and booked as one intent per mission through the service's atomic path
(:func:`fleet.service.approval.book_legs`), whose transaction also approves the mission. A
mission that cannot be planned or cleared fails with the reason; its vehicle moves on. A ground
robot's own delivery reserves no airspace: it is approved with its legs alone.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from fleet import lifecycle
from fleet.dispatch.legs import (
    LegFailed,
    LegTools,
    MissionLegs,
    first_departure,
    relay_legs,
    sortie_legs,
    survey_legs,
)
from fleet.dispatch.pads import Positions, Spot, spot_of
from fleet.dispatch.schedule import ACTOR, Sortie
from fleet.dispatch.twins import Twins, hand_over, twin_groups
from fleet.errors import FleetError, InfeasibleMission
from fleet.lifecycle import TERMINAL, MissionState
from fleet.service.approval import book_legs, publish_approval, write_approval
from fleet.service.errors import ServiceError
from fleet.service.events import Event
from fleet.service.reservations import Refused
from fleet.storage.tables import Dock, MissionRow, VehicleRow

LonLat = tuple[float, float]
TERMINAL_NAMES = frozenset(s.value for s in TERMINAL)
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    """Timing of the dispatch (the lead and handover are the approval's, see
    :class:`fleet.service.approval.ApprovalSettings`).

    Attributes:
        turnaround_s: battery swap and parcel loading after a landing.
        min_margin_s: plan again when planning left less than this before departure.
        recovery_s: after a sortie ended early (a recall flies the vehicle home).
        attempts: planning attempts before the sortie fails.
    """

    turnaround_s: float = 120.0
    min_margin_s: float = 8.0
    recovery_s: float = 300.0
    attempts: int = 3


@dataclass
class Busy:
    """What holds a vehicle: the missions of its sortie, the departures of its legs (one
    landing each), the landings seen so far, and when the plan has it back."""

    missions: frozenset[int]
    departures: tuple[datetime, ...] = ()
    until: datetime | None = None
    landed: list[datetime] = field(default_factory=list)


@dataclass
class Dispatcher:
    """Books each vehicle's sorties in order as its vehicles come back; see the module
    docstring. ``dispatch`` runs in a worker thread, everything else on the event loop."""

    tools: LegTools
    clock: Clock
    positions: Positions = lambda _vehicle_id: None
    db_lock: contextlib.AbstractContextManager[Any] = field(default_factory=threading.Lock)
    settings: DispatchSettings = field(default_factory=DispatchSettings)
    queues: dict[int, deque[Sortie]] = field(default_factory=dict)  # vehicle -> its sorties
    free_at: dict[int, datetime] = field(default_factory=dict)
    busy: dict[int, Busy] = field(default_factory=dict)
    ended: set[int] = field(default_factory=set)
    failures: dict[int, str] = field(default_factory=dict)
    notes: dict[int, dict[str, object]] = field(default_factory=dict)  # per mission, for reports
    stopped: bool = False
    twins: Twins = field(default_factory=dict)
    _status: dict[int, str] = field(default_factory=dict)

    def add(self, placed: Iterable[Sortie]) -> None:
        """Queue the plan's sorties behind each vehicle's (a relay in its robot's queue too)."""
        for sortie in placed:
            for v in (sortie.vehicle_id, sortie.robot_id):
                if v is not None:
                    self.queues.setdefault(v, deque()).append(sortie)

    def pending(self) -> bool:
        """Whether some sortie is still waiting for its vehicles."""
        return any(self.queues.values())

    def refresh_twins(self) -> None:
        """Read which vehicles are interchangeable (run in a worker thread)."""
        with self.tools.context.sessions() as session:
            self.twins = twin_groups(session)

    def queued_until(self) -> dict[int, datetime]:
        """Vehicle id -> when the plan has it back from its last queued sortie (rolling
        horizon: new work is scheduled after it)."""
        out: dict[int, datetime] = {}
        for vehicle_id, queue in self.queues.items():
            for s in queue:
                end = s.begins + timedelta(seconds=s.planned_s + self.settings.turnaround_s)
                out[vehicle_id] = max(out.get(vehicle_id, end), end)
        for vehicle_id, busy in self.busy.items():
            if busy.until is not None and busy.until > out.get(vehicle_id, busy.until):
                out[vehicle_id] = busy.until
        return out

    def waiting(self) -> dict[int, str]:
        """Mission id -> why it is not booked yet, for every queued mission."""
        out: dict[int, str] = {}
        for vehicle_id, queue in self.queues.items():
            why = f"waits for vehicle {vehicle_id} to be back and turned around"
            for s in queue:
                for m in s.mission_ids:
                    out.setdefault(m, why)
        return out

    def ready(self) -> list[Sortie]:
        """The sorties at the head of every queue they are in (a relay is in its robot's queue
        too, so the robot keeps the plan's order) whose vehicles are free, most urgent first;
        a robot whose next relay waits for a busy drone may drive its own next delivery first
        when the plan says it is back before the drone."""
        for sortie, owner in hand_over(
            self.queues, self.busy, self.free_at, self._status, self.twins, self.clock()
        ):
            for m in sortie.mission_ids:
                self.notes.setdefault(m, {})["handed_over_from"] = owner
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
        margin = timedelta(seconds=own[0].planned_s * 1.5 + self.tools.settings.lead_s)
        return own if self.clock() + margin <= busy.until else []

    def observe(self, event: Event) -> bool:
        """Count the landings and ended missions an event shows; True when a vehicle is free."""
        data = event.data
        if event.kind == "vehicle.status" and "vehicle_id" in data:
            vehicle_id, status = int(data["vehicle_id"]), str(data.get("status"))
            before = self._status.get(vehicle_id)
            self._status[vehicle_id] = status
            if status == "idle" and before not in (None, "idle"):
                return self._landed(vehicle_id)
            return False
        if event.kind == "mission.state" and data.get("state") in TERMINAL_NAMES:
            self.ended.add(int(data["mission_id"]))
            return any([self._release(v) for v in list(self.busy)])
        return False

    def _landed(self, vehicle_id: int) -> bool:
        """A landing of a busy vehicle (one that took off for a leg of its sortie)."""
        busy = self.busy.get(vehicle_id)
        now = self.clock()
        if busy is None or len(busy.landed) >= len(busy.departures):
            return False
        if now < busy.departures[len(busy.landed)]:
            return False  # not a landing from this sortie's next leg: it has not left yet
        busy.landed.append(now)
        return self._release(vehicle_id)

    def _release(self, vehicle_id: int) -> bool:
        """Free the vehicle when every leg of its sortie landed, or every mission ended."""
        busy = self.busy.get(vehicle_id)
        if busy is None:
            return False
        done = bool(busy.departures) and len(busy.landed) >= len(busy.departures)
        if not done and not busy.missions <= self.ended:
            return False
        back = max(busy.landed, default=None) or self.clock()
        if not done:  # the sortie ended early: a recalled vehicle may still be flying home
            back = self.clock() + timedelta(seconds=self.settings.recovery_s)
        self.free_at[vehicle_id] = back + timedelta(seconds=self.settings.turnaround_s)
        del self.busy[vehicle_id]
        return True

    def take(self, sortie: Sortie) -> None:
        """Mark the sortie's vehicles busy and take it off its vehicles' queues."""
        for v in (sortie.vehicle_id, sortie.robot_id):
            if v is not None:
                self.queues[v].remove(sortie)
                self.busy[v] = Busy(frozenset(sortie.mission_ids))

    def dispatch(self, sortie: Sortie) -> list[int]:
        """Plan, fix, book and approve the sortie's missions (run in a worker thread); a
        mission that cannot be is failed with the reason and the rest re-planned without it.
        The vehicles stay busy until their legs have landed. An unexpected error fails what the
        sortie left unbooked, with the error, and frees its vehicles: the dispatcher goes on.

        Returns:
            The missions approved.
        """
        try:
            return self._dispatch(sortie)
        except Exception as exc:  # one sortie's fault must not stop every other operator's
            why = f"dispatch error: {type(exc).__name__}: {exc}"
            for v in (sortie.vehicle_id, sortie.robot_id):
                self.busy.pop(v or -1, None)
            with contextlib.suppress(Exception):  # the database itself may be what failed
                for m in self._still_scheduled(sortie):
                    self._fail(m.id or 0, why)
            return []

    def _dispatch(self, sortie: Sortie) -> list[int]:
        missions = self._still_scheduled(sortie)
        while missions:
            try:
                planned = self._planned(sortie, missions)
            except LegFailed as exc:  # nothing booked yet: drop the mission, plan the rest
                self._fail(exc.mission_id, str(exc))
                missions = [m for m in missions if m.id != exc.mission_id]
                continue
            except (InfeasibleMission, FleetError, ServiceError) as exc:
                for m in missions:
                    self._fail(m.id or 0, str(exc))
                break
            self._hold(sortie, missions, planned)
            return self._approve_all(missions, planned)
        for v in (sortie.vehicle_id, sortie.robot_id):
            self.busy.pop(v or -1, None)
        return []

    def _still_scheduled(self, sortie: Sortie) -> list[MissionRow]:
        """The sortie's missions still ``scheduled`` (one may have been cancelled meanwhile)."""
        with self.tools.context.sessions() as session:
            rows = session.exec(
                select(MissionRow).where(col(MissionRow.id).in_(sortie.mission_ids))
            ).all()
        by_id = {m.id: m for m in rows if m.state == MissionState.SCHEDULED.value}
        return [by_id[k] for k in sortie.mission_ids if k in by_id]

    def _approve_all(self, missions: list[MissionRow], planned: list[MissionLegs]) -> list[int]:
        """Book and approve the sortie's missions in order; after a refusal (the search ran on
        a snapshot) the rest of the chain cannot be flown and fails with the reason."""
        done = []
        for k, (m, p) in enumerate(zip(missions, planned, strict=True)):
            try:
                self._approve(m, p)
            except FleetError as exc:
                for rest in missions[k:]:
                    self._fail(rest.id or 0, f"{exc} (the sortie ends at mission {m.id})")
                break
            done.append(m.id or 0)
        return done

    def _hold(self, sortie: Sortie, missions: list[MissionRow], planned: list[MissionLegs]) -> None:
        """Record which legs each vehicle of the sortie flies (released when all landed)."""
        for v in (sortie.vehicle_id, sortie.robot_id):
            if v is None or v not in self.busy:
                continue
            legs = [leg for p in planned for leg in p.legs if leg.vehicle_id == v]
            departures = tuple(sorted(leg.route.departure for leg in legs))
            back = max((leg.route.arrival for leg in legs), default=self.clock())
            until = back + timedelta(seconds=self.settings.turnaround_s)
            self.busy[v] = Busy(frozenset(m.id or 0 for m in missions), departures, until)
        for m, p, start in zip(missions, planned, first_departure(missions), strict=True):
            depart = p.legs[0].route.departure
            self.notes.setdefault(m.id or 0, {}).update(
                vehicle_id=sortie.vehicle_id,
                sortie=sortie.mission_ids,
                departure=depart.isoformat(),
                after_window_start_s=round((depart - start).total_seconds(), 1),
                fixes=list(p.fixes),
            )

    def _planned(self, sortie: Sortie, missions: list[MissionRow]) -> list[MissionLegs]:
        """The sortie planned with enough time left before its departure to upload and arm.

        Raises:
            LegFailed: a mission cannot be planned or cleared.
            InfeasibleMission: planning kept taking longer than the lead, or the service stops.
        """
        why = "not tried"
        for _ in range(self.settings.attempts):
            if self.stopped:
                raise InfeasibleMission("the service stopped before the sortie was dispatched")
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
        lead = self.clock() + timedelta(seconds=self.tools.settings.lead_s)
        vehicles = (sortie.vehicle_id, sortie.robot_id)
        ready = [self.free_at[v] for v in vehicles if v in self.free_at]
        return max([*first_departure(missions), lead, *ready])

    def _plan(
        self, sortie: Sortie, missions: list[MissionRow], depart: datetime
    ) -> list[MissionLegs]:
        ids = [v for v in (sortie.vehicle_id, sortie.robot_id) if v is not None]
        rows, spots = self._spots(ids)
        first = missions[0]
        assert first.id is not None
        pad = spots[sortie.vehicle_id].pad
        try:
            if first.kind == "inspection" or sortie.transfer is not None:
                for v in ids:
                    if (where := spots[v].away) is not None:
                        raise InfeasibleMission(
                            f"vehicle {v} stands away from its dock at {where[0]:.6f}, "
                            f"{where[1]:.6f} (left there by an ended flight)"
                        )
            if first.kind == "inspection":
                return [survey_legs(self.tools, first, rows[sortie.vehicle_id], pad, depart)]
            if sortie.robot_id is not None and sortie.transfer is not None:
                robot = (sortie.robot_id, spots[sortie.robot_id].pad)
                drone = (sortie.vehicle_id, pad)
                return [relay_legs(self.tools, first, drone, robot, sortie.transfer, depart)]
        except LegFailed:
            raise
        except InfeasibleMission as exc:
            raise LegFailed(first.id, str(exc)) from exc
        start = spots[sortie.vehicle_id].away
        vehicle = (sortie.vehicle_id, pad)
        return sortie_legs(self.tools, missions, vehicle, sortie.flies, depart, start)

    def _spots(self, ids: list[int]) -> tuple[dict[int, VehicleRow], dict[int, Spot]]:
        """The vehicles' rows and their pads (:func:`fleet.dispatch.pads.spot_of`).

        Raises:
            InfeasibleMission: a vehicle has no home dock.
        """
        rows: dict[int, VehicleRow] = {}
        spots: dict[int, Spot] = {}
        with self.tools.context.sessions() as session:
            for v in ids:
                row = session.get(VehicleRow, v)
                dock = None if row is None else session.get(Dock, row.home_dock_id)
                if row is None or dock is None:
                    raise InfeasibleMission(f"vehicle {v} has no home dock")
                rows[v] = row
                spots[v] = spot_of((dock.lon_deg, dock.lat_deg), self.positions(v))
        return rows, spots

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
