"""From the engine's routes back to a :class:`Schedule`, re-timed and re-checked exactly.

The engine works on rounded integers and on per-task energy allowances, so every route is
replayed here in double precision with the real leg figures: the vehicle waits for a task's
earliest start (at the dock before a trip's first task, on the ground at the stop otherwise:
waiting draws no energy), must end it by its deadline, and must keep enough energy to reach
the nearest dock. When the next task would break the energy rule, or would mean waiting more
than :data:`WAIT_AT_DOCK_S` at its stop and a dock visit fits, the trip is closed at the
nearest dock, the battery recharged or swapped, and a new trip started (the repair keeps the
plan flyable).
Every recharge or swap is booked in a shared :class:`~fleet.scheduler.docks.DockCalendar`, so a
dock never serves more vehicles at once than it has slots: a vehicle landing at a full dock
waits for a slot and the rest of its work is re-timed (see :mod:`fleet.scheduler.docks`).
A task that cannot be kept is returned with the reason instead of being silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pyvrp import Solution

from fleet.model import Dock
from fleet.scheduler.build import Built
from fleet.scheduler.docks import DockCalendar
from fleet.scheduler.tasks import Service, Task
from fleet.scheduler.types import Stop, StopKind, Trip, Unassigned, UnassignedReason

EPS_S = 1e-6
WAIT_AT_DOCK_S = 600.0  # a longer wait mid-trip is spent at the nearest dock when it fits


@dataclass(frozen=True, slots=True)
class RouteOrder:
    """One engine route: the vehicle, its start dock and its trips as task indices + end dock."""

    vehicle_id: str
    start_dock: int
    trips: list[tuple[list[int], int]]


def engine_routes(built: Built, solution: Solution) -> list[RouteOrder]:
    """The engine's routes with vehicle ids assigned within each vehicle group."""
    used: dict[int, int] = {}
    orders = []
    for route in solution.routes():
        vt = route.vehicle_type()
        _, dock, _, ids = built.fleet.groups[vt]
        vehicle_id = ids[used.get(vt, 0)]
        used[vt] = used.get(vt, 0) + 1
        trips: list[tuple[list[int], int]] = []
        current: list[int] = []
        for activity in list(route.schedule())[1:]:
            if activity.is_client():
                current.append(activity.idx)
            elif activity.is_depot():
                if current:
                    trips.append((current, activity.idx))
                current = []
        orders.append(RouteOrder(vehicle_id, dock, trips))
    return orders


@dataclass(slots=True)
class _Replay:
    built: Built
    k: int
    budget_wh: float
    docks: tuple[Dock, ...]
    start: datetime
    time_s: float
    pos: int
    calendar: DockCalendar
    slot_wait_s: float = 0.0  # wait for a slot before the current battery's service
    trip_tasks: list[tuple[int, float, float, float]] = field(default_factory=list)
    trip_energy_wh: float = 0.0
    trip_distance_m: float = 0.0
    trip_departure_s: float = 0.0
    trip_start_dock: int = 0
    trips: list[Trip] = field(default_factory=list)
    dropped: dict[int, Unassigned] = field(default_factory=dict)
    placed: set[int] = field(default_factory=set)

    def leg(self, frm: int, to: int) -> tuple[float, float, float]:
        m = self.built.legs[self.k]
        return (
            float(m.energy_wh[frm, to]),
            float(m.duration_s[frm, to]),
            float(m.distance_m[frm, to]),
        )

    def nearest_dock(self, frm: int) -> int:
        n = len(self.docks)
        return int(self.built.legs[self.k].energy_wh[frm, :n].argmin())

    def visit(self, i: int) -> None:
        task = self.built.tasks[i]
        node = len(self.docks) + i
        service = task.service[self.k]
        attempt = self._try(task, node, service)
        long_wait = attempt is not None and attempt[1] - attempt[0] > WAIT_AT_DOCK_S
        if self.trip_tasks and (attempt is None or (long_wait and self._break_fits(task, node))):
            self.close(self.nearest_dock(self.pos))
            attempt = self._try(task, node, service)
        if attempt is None:
            self.dropped[i] = self._drop(task, node, service)
            return
        arrive, begin, end, energy, distance = attempt
        if not self.trip_tasks:
            self.trip_departure_s = arrive - self.leg(self.pos, node)[1]
            self.trip_start_dock = self.pos
        self.trip_tasks.append((i, arrive, begin, end))
        self.placed.add(i)
        self.trip_energy_wh += energy
        self.trip_distance_m += distance
        self.time_s, self.pos = end, node

    def _try(self, task: Task, node: int, service: Service) -> tuple[float, ...] | None:
        e, t, d = self.leg(self.pos, node)
        arrive = self.time_s + t
        if not self.trip_tasks:  # wait at the dock, not at the first stop
            arrive = max(arrive, task.early_s)
        begin = max(arrive, task.early_s)
        end = begin + service.duration_s
        back_wh = float(self.built.legs[self.k].energy_wh[node, : len(self.docks)].min())
        energy = e + service.energy_wh
        if end > task.late_s + EPS_S or self.trip_energy_wh + energy + back_wh > self.budget_wh:
            return None
        return arrive, begin, end, energy, d + service.distance_m

    def _drop(self, task: Task, node: int, service: Service) -> Unassigned:
        """Why ``task`` cannot be kept: a dock-slot wait when it fits without that wait."""
        if self.slot_wait_s > 0 and not self.trip_tasks:
            self.time_s -= self.slot_wait_s
            without_wait = self._try(task, node, service)
            self.time_s += self.slot_wait_s
            if without_wait is not None:
                dock = self.docks[self.pos]
                detail = (
                    f"{task.key}: waiting {self.slot_wait_s:.0f} s for a free slot at dock "
                    f"{dock.id!r} ({dock.slots} slots) makes it miss its window"
                )
                return Unassigned(task.mission_id, UnassignedReason.DOCK_SLOTS_FULL, detail)
        return _why(task, "re-timed plan cannot keep it (energy or deadline)")

    def _break_fits(self, task: Task, node: int) -> bool:
        """Whether going back to the nearest dock (and recharging) first still meets ``task``."""
        dock = self.nearest_dock(self.pos)
        e, t, _ = self.leg(self.pos, dock)
        ready = self.time_s + t + self.docks[dock].recharge_time_s(self.trip_energy_wh + e)
        arrive = max(ready + self.leg(dock, node)[1], task.early_s)
        return arrive + task.service[self.k].duration_s <= task.late_s

    def close(self, dock: int) -> None:
        if not self.trip_tasks:
            return
        dock = self._landing_dock(dock)
        e, t, d = self.leg(self.pos, dock)
        energy = self.trip_energy_wh + e
        arrival = self.time_s + t
        service_s = self.docks[dock].recharge_time_s(energy)
        begin = self.calendar.book(dock, arrival, service_s)
        ready = begin + service_s
        trip = self._trip(dock, (arrival, begin, ready), energy, self.trip_distance_m + d)
        self.trips.append(trip)
        self.trip_tasks, self.trip_energy_wh, self.trip_distance_m = [], 0.0, 0.0
        self.time_s, self.pos, self.slot_wait_s = ready, dock, begin - arrival

    def _landing_dock(self, planned: int) -> int:
        """``planned`` when it is in range and has a free slot on landing; else the dock in
        range where the vehicle is ready again first (fewest Wh on ties); else the nearest."""
        options = []
        for j in range(len(self.docks)):
            e, t, _ = self.leg(self.pos, j)
            if self.trip_energy_wh + e > self.budget_wh:
                continue
            arrival = self.time_s + t
            service_s = self.docks[j].recharge_time_s(self.trip_energy_wh + e)
            begin = self.calendar.earliest(j, arrival, service_s)
            if j == planned and begin <= arrival:
                return planned
            options.append((begin + service_s, e, j))
        return min(options)[2] if options else self.nearest_dock(self.pos)

    def _trip(
        self, dock: int, landed: tuple[float, float, float], energy: float, dist: float
    ) -> Trip:
        arrival, charge, ready = landed
        stops: list[Stop] = []
        for i, arrive, begin, end in self.trip_tasks:
            task = self.built.tasks[i]
            done = task.service[self.k].drop_done_s
            stops.extend(_stops(task, self.start, (arrive, begin, end), done))
        start_dock = self.docks[self.trip_start_dock].id
        return Trip(
            start_dock_id=start_dock,
            end_dock_id=self.docks[dock].id,
            departure=self.start + timedelta(seconds=self.trip_departure_s),
            arrival=self.start + timedelta(seconds=arrival),
            stops=tuple(stops),
            energy_wh=energy,
            distance_m=dist,
            ready_again=self.start + timedelta(seconds=ready),
            recharge_start=self.start + timedelta(seconds=charge),
        )


def _why(task: Task, what: str) -> Unassigned:
    return Unassigned(task.mission_id, UnassignedReason.FLEET_BUSY, f"{task.key}: {what}")


def _stops(
    task: Task, start: datetime, times: tuple[float, float, float], done: tuple[float, ...]
) -> list[Stop]:
    """The stops of one task: ``times`` are arrival, service begin and end (seconds)."""
    arrive, begin, end = times

    def at(seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    first, last = task.kinds
    if task.parcels:
        return _parcel_stops(task, at, (arrive, begin), done)
    if first is StopKind.INSPECT:
        return [Stop(task.mission_id, first, task.start, at(arrive), at(begin), at(end), task.part)]
    drop = at(end - task.tail_s)
    return [
        Stop(task.mission_id, first, task.start, at(arrive), at(begin), at(begin + task.head_s)),
        Stop(task.mission_id, last, task.end, drop, drop, at(end)),
    ]


def _parcel_stops(
    task: Task, at: Callable[[float], datetime], times: tuple[float, float], done: tuple[float, ...]
) -> list[Stop]:
    """A multi-parcel task: every parcel loaded in turn at the pickup, then each dropoff."""
    arrive, begin = times
    stops = []
    for p in task.parcels:
        stops.append(
            Stop(
                p.mission_id,
                StopKind.PICKUP,
                task.start,
                at(arrive),
                at(begin),
                at(begin + p.head_s),
            )
        )
        arrive = begin = begin + p.head_s
    for p, finish in zip(task.parcels, done, strict=True):
        drop = at(begin - task.head_s + finish - p.tail_s)
        stops.append(
            Stop(
                p.mission_id,
                StopKind.DROPOFF,
                p.dropoff,
                drop,
                drop,
                drop + timedelta(seconds=p.tail_s),
            )
        )
    return stops


def replay(
    built: Built,
    order: RouteOrder,
    docks: tuple[Dock, ...],
    start: datetime,
    skip: set[int],
    calendar: DockCalendar,
) -> tuple[list[Trip], dict[int, Unassigned], set[int]]:
    """Re-time ``order`` exactly, leaving out the task indices in ``skip``, booking each
    recharge in ``calendar`` (shared by every vehicle of the schedule).

    Returns:
        The trips, the tasks it could not keep (by task index, with the reason) and the task
        indices it placed.
    """
    k, _, available_s, _ = next(g for g in built.fleet.groups if order.vehicle_id in g[3])
    budget = built.fleet.classes[k].mission_energy_wh
    r = _Replay(built, k, budget, docks, start, available_s, order.start_dock, calendar)
    for tasks, end_dock in order.trips:
        for i in tasks:
            if i not in skip:
                r.visit(i)
        r.close(end_dock)
    return r.trips, r.dropped, r.placed
