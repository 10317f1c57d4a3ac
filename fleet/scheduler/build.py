"""From tasks and fleet to PyVRP's :class:`ProblemData` (and the screening that comes first).

Locations: the docks (depots), then one per task. A task is entered at its start point and left
at its end point, so the matrices are asymmetric: row ``i`` is where task ``i`` ends, column
``j`` where task ``j`` starts. Each vehicle class is a routing profile whose durations include
the service of the task entered (services differ by class), so a client's time window bounds
when its task *ends*. Each class has its own load dimension carrying energy in mWh: a client
demands its service energy plus its single-trip deadhead (nearest dock in and out), and a
vehicle reloads (recharges or swaps) at any dock, which resets the dimension: multi-trip.
Tasks a class cannot serve get prohibitive edges in its profile. A vehicle still busy when
work could start pays for the delay as its type's fixed cost (:mod:`fleet.scheduler.lateness`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, VehicleType

from fleet.model import GeoPoint, Priority, Vehicle
from fleet.scheduler.lateness import busy_cost, earliest_start_s
from fleet.scheduler.legcost import LegCostModel, LegMatrix, local_xy_m
from fleet.scheduler.reach import out_of_reach
from fleet.scheduler.tasks import Rejection, Service, Task, vehicle_class
from fleet.scheduler.types import SchedulingProblem, UnassignedReason

MWH_PER_WH = 1000
PRIZE = {Priority.NORMAL: 10**7, Priority.URGENT: 10**9, Priority.MEDICAL: 10**11}
UNIT_DURATION_COST = 10  # per second, against 1 per mWh of energy
FORBIDDEN = 10**9  # seconds and mWh on edges into a task a class cannot serve
ROOMY = 10**12  # capacity on dimensions of other classes


@dataclass(frozen=True, slots=True)
class Fleet:
    """Vehicles grouped into engine vehicle types: (class, dock, available from)."""

    classes: list[Vehicle]
    groups: list[tuple[int, int, float, list[str]]]  # class, dock index, available_s, ids


@dataclass(frozen=True, slots=True)
class Built:
    """The engine data and what is needed to read its solutions back."""

    data: ProblemData
    tasks: list[Task]
    fleet: Fleet
    legs: list[LegMatrix]  # per class, (docks + task ends) x (docks + task starts)


def class_matrices(
    problem: SchedulingProblem, classes: list[Vehicle], tasks: list[Task], legs: LegCostModel
) -> list[LegMatrix]:
    """Empty-leg matrices per class between docks and task end/start points."""
    docks = [_dock_point(d.lon_deg, d.lat_deg) for d in problem.docks]
    origins = [*docks, *(t.end for t in tasks)]
    destinations = [*docks, *(t.start for t in tasks)]
    return [legs.matrix(c, origins, destinations) for c in classes]


def _dock_point(lon: float, lat: float) -> GeoPoint:
    return GeoPoint(lon, lat)


def screen(
    tasks: list[Task], fleet: Fleet, mats: list[LegMatrix], n_docks: int, horizon_s: float
) -> tuple[list[Task], list[Rejection]]:
    """Keep, per task, the classes that can serve it alone; reject tasks no class can.

    A class can serve a task when a full battery covers dock-to-start, the service and
    end-to-nearest-dock (else it is beyond range), and some vehicle of it can leave its dock
    when available, reach the start, do the service and end by the task's deadline and be back
    at a dock by the end of the horizon (else the window is infeasible). The reason given is
    the window when some class had the range but not the time.
    """
    kept, rejected = [], []
    for i, task in enumerate(tasks):
        node = n_docks + i
        ok: dict[int, Service] = {}
        reasons: list[tuple[UnassignedReason, str]] = []
        for k, service in task.service.items():
            verdict = _class_verdict(task, node, (k, service), fleet, mats[k], (n_docks, horizon_s))
            if verdict is None:
                ok[k] = service
            else:
                reasons.append(verdict)
        if ok:
            kept.append(_with_service(task, ok))
            continue
        window = UnassignedReason.WINDOW_INFEASIBLE
        reason = window if any(r is window for r, _ in reasons) else reasons[0][0]
        details = "; ".join(d for _, d in reasons)
        rejected.append(Rejection(task.mission_id, reason, f"{task.key}: {details}", task.key))
    return kept, rejected


def _with_service(task: Task, service: dict[int, Service]) -> Task:
    return replace(task, service=service)


def _class_verdict(
    task: Task,
    node: int,
    offer: tuple[int, Service],
    fleet: Fleet,
    m: LegMatrix,
    limits: tuple[int, float],
) -> tuple[UnassignedReason, str] | None:
    (k, service), (n_docks, horizon_s) = offer, limits
    cls = fleet.classes[k]
    back_wh = float(m.energy_wh[node, :n_docks].min())
    energy = float(m.energy_wh[:n_docks, node].min()) + service.energy_wh + back_wh
    if energy > cls.mission_energy_wh:
        return (
            UnassignedReason.BEYOND_RANGE,
            f"{cls.kind.value} needs {energy:.1f} Wh from the nearest dock and back, "
            f"{cls.mission_energy_wh:.1f} Wh usable above reserve",
        )
    finish = min(
        max(avail + float(m.duration_s[dock, node]), task.early_s) + service.duration_s
        for kk, dock, avail, _ in fleet.groups
        if kk == k
    )
    deadline = min(task.late_s, horizon_s - float(m.duration_s[node, :n_docks].min()))
    if finish > deadline:
        return (
            UnassignedReason.WINDOW_INFEASIBLE,
            f"earliest {cls.kind.value} finish is {finish - deadline:.0f} s too late "
            f"for the deadline or the end of the horizon",
        )
    return None


def build(
    problem: SchedulingProblem, tasks: list[Task], fleet: Fleet, mats: list[LegMatrix]
) -> Built:
    """PyVRP data for the screened ``tasks`` (see the module docstring for the encoding).

    PyVRP charges a dock's service (the recharge or swap) at the start of every trip, the first
    one included, but a vehicle is ready when it is available (charged, or after the recharge
    of its last flight). So the engine's clock runs ``lead`` (the longest dock service) ahead of
    the problem's, and a vehicle's shift opens that service's length before it is available:
    its first trip leaves the dock at its availability.
    """
    n_docks = len(problem.docks)
    horizon = math.floor((problem.end - problem.start).total_seconds())
    points = [
        *(_dock_point(d.lon_deg, d.lat_deg) for d in problem.docks),
        *(t.start for t in tasks),
    ]
    xy = local_xy_m(points)
    locations = [Location(x=float(x), y=float(y)) for x, y in xy]
    recharge = _recharge_s(problem, fleet.classes)
    lead = max(recharge)
    depots = [Depot(i, 0, horizon + lead, service_duration=recharge[i]) for i in range(n_docks)]
    clients = [
        _client(n_docks + i, t, (len(fleet.classes), n_docks, lead), mats)
        for i, t in enumerate(tasks)
    ]
    keep = [*range(n_docks), *(n_docks + i for i in range(len(tasks)))]
    distance: list[Any] = []
    duration: list[Any] = []
    for k in range(len(fleet.classes)):
        d, t = _profile(tasks, k, mats[k], keep, n_docks, fleet.classes[k].mission_energy_wh)
        distance.append(d)
        duration.append(t)
    earliest = earliest_start_s(tasks, len(fleet.classes))
    types = [
        _vehicle_type(
            fleet,
            g,
            (horizon + lead, n_docks, lead - recharge[g[1]]),
            busy_cost(g[2], earliest[g[0]]),
        )
        for g in fleet.groups
    ]
    data = ProblemData(locations, clients, depots, types, distance, duration)
    return Built(data, tasks, fleet, mats)


def _client(
    location: int, task: Task, sizes: tuple[int, int, int], mats: list[LegMatrix]
) -> Client:
    """Task ``location - n_docks`` as an optional client; ``sizes``: classes, docks and the
    engine clock's lead (see :func:`build`)."""
    n_classes, n_docks, lead = sizes
    demand = [0] * n_classes
    for k, s in task.service.items():
        m = mats[k]
        deadhead = float(
            m.energy_wh[:n_docks, location].min() + m.energy_wh[location, :n_docks].min()
        )
        demand[k] = math.ceil((s.energy_wh + deadhead) * MWH_PER_WH)
    min_service = min(s.duration_s for s in task.service.values())
    early = max(0, math.ceil(task.early_s + min_service)) + lead
    late = max(early, math.floor(task.late_s) + lead)
    return Client(
        location,
        delivery=demand,
        tw_early=early,
        tw_late=late,
        prize=sum(PRIZE[p.priority] for p in task.parcels) or PRIZE[task.priority],
        required=False,
        name=task.key,
    )


def _profile(
    tasks: list[Task],
    k: int,
    m: LegMatrix,
    keep: list[int],
    n_docks: int,
    budget_wh: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Class ``k``'s (distance = energy in mWh, duration in s) matrices; edges into tasks it
    cannot serve, and from docks out of first-task reach (:mod:`.reach`), are prohibitive."""
    energy = np.ceil(m.energy_wh * MWH_PER_WH)
    seconds = np.ceil(m.duration_s)
    far = np.nonzero(out_of_reach(tasks, k, m, budget_wh))
    energy[far[0], n_docks + far[1]] = FORBIDDEN
    seconds[far[0], n_docks + far[1]] = FORBIDDEN
    service = np.zeros(len(keep))
    for i, task in enumerate(tasks):
        s = task.service.get(k)
        service[n_docks + i] = math.ceil(s.duration_s) if s else FORBIDDEN
        if s is None:
            energy[:, n_docks + i] = FORBIDDEN
    duration = seconds + service[None, :]
    np.fill_diagonal(energy, 0)
    np.fill_diagonal(duration, 0)
    return energy.astype(np.int64), duration.astype(np.int64)


def _recharge_s(problem: SchedulingProblem, classes: list[Vehicle]) -> list[int]:
    budget = max(c.mission_energy_wh for c in classes)
    return [math.ceil(d.recharge_time_s(budget)) for d in problem.docks]


def _vehicle_type(
    fleet: Fleet,
    group: tuple[int, int, float, list[str]],
    limits: tuple[int, int, int],
    fixed: int,
) -> VehicleType:
    """One engine vehicle type per group. ``limits``: the horizon on the engine clock, the
    number of docks, and when its start dock's service would begin for a vehicle available at
    the problem start (:func:`build`); ``fixed``: the cost of using a vehicle still busy
    (:mod:`fleet.scheduler.lateness`)."""
    k, dock, available_s, ids = group
    horizon, n_docks, service_begins = limits
    capacity = [ROOMY] * len(fleet.classes)
    capacity[k] = math.floor(fleet.classes[k].mission_energy_wh * MWH_PER_WH)
    return VehicleType(
        num_available=len(ids),
        capacity=capacity,
        start_depot=dock,
        end_depot=dock,
        fixed_cost=fixed,
        tw_early=max(0, math.ceil(available_s)) + service_begins,
        tw_late=horizon,
        unit_distance_cost=1,
        unit_duration_cost=UNIT_DURATION_COST,
        profile=k,
        reload_depots=list(range(n_docks)),
        name=",".join(ids),
    )


def group_fleet(problem: SchedulingProblem) -> Fleet:
    """Vehicle classes and engine vehicle groups (class, start dock, available time)."""
    dock_index = {d.id: i for i, d in enumerate(problem.docks)}
    overrides = {a.vehicle_id: a for a in problem.availability}
    classes: list[Vehicle] = []
    groups: dict[tuple[int, int, float], list[str]] = defaultdict(list)
    for v in problem.vehicles:
        cls = vehicle_class(v)
        if cls not in classes:
            classes.append(cls)
        a = overrides.get(v.id)
        dock = dock_index[a.dock_id if a else v.home_dock_id]
        start_s = (a.time - problem.start).total_seconds() if a else 0.0
        groups[(classes.index(cls), dock, max(start_s, 0.0))].append(v.id)
    return Fleet(classes, [(k, d, t, ids) for (k, d, t), ids in groups.items()])
