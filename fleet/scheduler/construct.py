"""A greedy first solution for the engine: each task its own trip, most urgent first.

Large instances (a thousand deliveries) leave the search little time in a few seconds;
starting it from a sensible feasible plan, rather than from a random one, is what makes the
result good. Tasks are taken by priority, then deadline, and each goes on the vehicle of a
capable class that would finish it first, as a dock-task-dock trip (same dock: a vehicle's
route must end where it started) after the dock's recharge time. All figures are the engine's
own integers, so what is feasible here is feasible for the engine.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyvrp import Activity, ActivityType, ProblemData, Route, Solution

from fleet.scheduler.build import Built

IntArray = npt.NDArray[np.int64]


def greedy_solution(built: Built) -> Solution:
    """A feasible engine solution with one task per trip (possibly leaving tasks out)."""
    data = built.data
    n_docks = data.num_depots
    kinds = [(t, k, dock) for t, (k, dock, _, ids) in enumerate(built.fleet.groups) for _ in ids]
    vtype = np.array([t for t, _, _ in kinds], dtype=np.int64)
    klass = np.array([k for _, k, _ in kinds], dtype=np.int64)
    dock = np.array([d for _, _, d in kinds], dtype=np.int64)
    horizon = np.array([data.vehicle_type(t).tw_late for t in vtype], dtype=np.int64)
    capacity = np.array([data.vehicle_type(t).capacity[k] for t, k, _ in kinds], dtype=np.int64)
    recharge = np.array([data.depot(d).service_duration for d in range(n_docks)], dtype=np.int64)
    # the engine charges the start dock's service before the first trip too (build.build)
    ready = (
        np.array([data.vehicle_type(t).tw_early for t in vtype], dtype=np.int64) + recharge[dock]
    )
    durations = [np.asarray(data.duration_matrix(k)) for k in range(len(built.fleet.classes))]
    tasks: list[list[int]] = [[] for _ in kinds]
    order = sorted(
        range(len(built.tasks)),
        key=lambda i: (-built.tasks[i].priority.rank, built.tasks[i].late_s),
    )
    for i in order:
        client = data.client(i)
        loc = n_docks + i
        out = np.empty(len(kinds), dtype=np.int64)
        back = np.empty(len(kinds), dtype=np.int64)
        for k, d in enumerate(durations):
            mask = klass == k
            out[mask] = d[dock[mask], loc]
            back[mask] = d[loc, dock[mask]]
        done = np.maximum(ready + out, client.tw_early)
        fits = np.asarray(client.delivery, dtype=np.int64)[klass] <= capacity
        ok = (done <= client.tw_late) & (done + back <= horizon) & fits
        if ok.any():
            v = int(np.where(ok, done, np.iinfo(np.int64).max).argmin())
            tasks[v].append(i)
            ready[v] = done[v] + back[v] + recharge[dock[v]]
    return _solution(data, vtype, dock, tasks)


def _solution(
    data: ProblemData, vtype: IntArray, dock: IntArray, tasks: list[list[int]]
) -> Solution:
    routes = []
    for v, mine in enumerate(tasks):
        if not mine:
            continue
        activities: list[Activity] = []
        for n, i in enumerate(mine):
            if n:
                activities.append(Activity(ActivityType.DEPOT, int(dock[v])))
            activities.append(Activity(ActivityType.CLIENT, i))
        routes.append(Route(data, activities, int(vtype[v])))
    return Solution(data, routes)
