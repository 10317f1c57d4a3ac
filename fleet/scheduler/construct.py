"""A greedy first solution for the engine: each task its own trip, most urgent first.

Large instances (a thousand deliveries) leave the genetic search little time in a few seconds;
starting it from a sensible feasible plan, rather than from random ones, is what makes the
result good. Tasks are taken by priority, then deadline, and each goes on the vehicle of a
capable class that would finish it first, as a dock-task-dock trip (same dock: a vehicle's
route must end where it started) after the dock's recharge time. All figures are the engine's
own integers, so what is feasible here is feasible for the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyvrp import Activity, ActivityType, ProblemData, Route, Solution

from fleet.scheduler.build import Built


@dataclass(slots=True)
class _Vehicle:
    vehicle_type: int
    k: int
    dock: int
    time: int
    tasks: list[int]


def greedy_solution(built: Built) -> Solution:
    """A feasible engine solution with one task per trip (possibly leaving tasks out)."""
    data = built.data
    n_docks = data.num_depots
    vehicles = [
        _Vehicle(t, k, dock, int(data.vehicle_type(t).tw_early), [])
        for t, (k, dock, _, ids) in enumerate(built.fleet.groups)
        for _ in ids
    ]
    durations = [np.asarray(data.duration_matrix(k)) for k in range(len(built.fleet.classes))]
    order = sorted(
        range(len(built.tasks)),
        key=lambda i: (-built.tasks[i].priority.rank, built.tasks[i].late_s),
    )
    for i in order:
        best = _best_vehicle(data, vehicles, durations, n_docks + i, i)
        if best is not None:
            v, back = best
            v.tasks.append(i)
            v.time = back + int(data.depot(v.dock).service_duration)
    return _solution(data, vehicles)


def _best_vehicle(
    data: ProblemData, vehicles: list[_Vehicle], durations: list[np.ndarray], loc: int, i: int
) -> tuple[_Vehicle, int] | None:
    client = data.client(i)
    best: tuple[int, _Vehicle, int] | None = None
    for v in vehicles:
        vt = data.vehicle_type(v.vehicle_type)
        if client.delivery[v.k] > vt.capacity[v.k]:
            continue
        d = durations[v.k]
        done = max(v.time + int(d[v.dock, loc]), int(client.tw_early))
        back = done + int(d[loc, v.dock])
        if done > client.tw_late or back > vt.tw_late:
            continue
        if best is None or done < best[0]:
            best = (done, v, back)
    return None if best is None else (best[1], best[2])


def _solution(data: ProblemData, vehicles: list[_Vehicle]) -> Solution:
    routes = []
    for v in vehicles:
        if not v.tasks:
            continue
        activities: list[Activity] = []
        for n, i in enumerate(v.tasks):
            if n:
                activities.append(Activity(ActivityType.DEPOT, v.dock))
            activities.append(Activity(ActivityType.CLIENT, i))
        routes.append(Route(data, activities, v.vehicle_type))
    return Solution(data, routes)
