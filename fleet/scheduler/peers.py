"""The peers a user would otherwise pick, on the same VRPTW instance: OR-Tools and VROOM.

Used by ``benchmarks/bench_scheduler.py`` to choose the engine by measurement. Both are set up
as their documentation recommends for VRPTW under the hierarchical objective: a fixed cost per
vehicle, integer data scaled by :data:`SCALE` with durations rounded up (so their schedules
stay feasible in double precision). OR-Tools uses drop penalties with parallel cheapest
insertion and guided local search; VROOM its highest exploration level on one thread (PyVRP is
single-threaded too). The packages are imported lazily: they belong to the ``bench`` extra.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Any

from fleet.scheduler.vrptw import VrptwInstance, VrptwSolution

SCALE = 1_000


def _up(value: float) -> int:
    return math.ceil(value * SCALE - 1e-6)


def _down(value: float) -> int:
    return math.floor(value * SCALE + 1e-6)


def _fixed_cost(instance: VrptwInstance) -> int:
    longest = max(instance.distance(0, c) for c in range(len(instance.xy)))
    return SCALE * math.ceil(2 * longest * len(instance.xy) + 1)


def solve_ortools(instance: VrptwInstance, time_limit_s: float, seed: int = 0) -> VrptwSolution:
    """Solve with OR-Tools routing (drop penalties, parallel cheapest insertion, GLS).

    Args:
        instance: the VRPTW instance.
        time_limit_s: wall-clock budget.
        seed: unused (OR-Tools routing search is deterministic); kept for a uniform signature.

    Returns:
        The best solution found; dropped customers are missing from its routes.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    start = time.perf_counter()
    n = len(instance.xy)
    dist = [[round(instance.distance(i, j) * SCALE) for j in range(n)] for i in range(n)]
    travel = [
        [_up(instance.distance(i, j)) + _up(instance.service_time[i]) for j in range(n)]
        for i in range(n)
    ]
    manager = pywrapcp.RoutingIndexManager(n, instance.num_vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)

    def dist_cb(a: int, b: int) -> int:
        return int(dist[manager.IndexToNode(a)][manager.IndexToNode(b)])

    def time_cb(a: int, b: int) -> int:
        return int(travel[manager.IndexToNode(a)][manager.IndexToNode(b)])

    def demand_cb(a: int) -> int:
        return int(instance.demand[manager.IndexToNode(a)])

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(dist_cb))
    fixed = _fixed_cost(instance)
    routing.SetFixedCostOfAllVehicles(fixed)
    horizon = _down(instance.due_time[0])
    routing.AddDimension(routing.RegisterTransitCallback(time_cb), horizon, horizon, False, "T")
    time_dim = routing.GetDimensionOrDie("T")
    routing.AddDimensionWithVehicleCapacity(
        routing.RegisterUnaryTransitCallback(demand_cb),
        0,
        [instance.capacity] * instance.num_vehicles,
        True,
        "Q",
    )
    for node in range(1, n):
        index = manager.NodeToIndex(node)
        window = (_up(instance.ready_time[node]), _down(instance.due_time[node]))
        time_dim.CumulVar(index).SetRange(*window)
        routing.AddDisjunction([index], 100 * fixed)
    for v in range(instance.num_vehicles):
        time_dim.CumulVar(routing.Start(v)).SetRange(_up(instance.ready_time[0]), horizon)
        time_dim.CumulVar(routing.End(v)).SetRange(_up(instance.ready_time[0]), horizon)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    budget_ms = int(1000 * (time_limit_s - (time.perf_counter() - start)))
    params.time_limit.FromMilliseconds(max(1, budget_ms))
    solution = routing.SolveWithParameters(params)
    routes: list[tuple[int, ...]] = []
    if solution is not None:
        for v in range(instance.num_vehicles):
            index = routing.Start(v)
            visits = []
            while not routing.IsEnd(index):
                node = manager.IndexToNode(index)
                if node:
                    visits.append(node)
                index = solution.Value(routing.NextVar(index))
            if visits:
                routes.append(tuple(visits))
    return VrptwSolution(tuple(routes), "ortools", time.perf_counter() - start)


def solve_vroom(instance: VrptwInstance, time_limit_s: float, seed: int = 0) -> VrptwSolution:
    """Solve with VROOM (pyvroom), exploration level 5 on one thread.

    Args:
        instance: the VRPTW instance.
        time_limit_s: wall-clock budget (VROOM's ``timeout``).
        seed: unused (VROOM has no seed); kept for a uniform signature.

    Returns:
        The best solution found; unassigned customers are missing from its routes.
    """
    import vroom

    start = time.perf_counter()
    n = len(instance.xy)
    problem = vroom.Input()
    matrix = [[_up(instance.distance(i, j)) for j in range(n)] for i in range(n)]
    problem.set_durations_matrix(profile="car", matrix_input=matrix)
    fixed = _fixed_cost(instance)
    depot_tw = vroom.TimeWindow(_up(instance.ready_time[0]), _down(instance.due_time[0]))
    for v in range(instance.num_vehicles):
        problem.add_vehicle(
            vroom.Vehicle(
                v + 1,
                start=0,
                end=0,
                capacity=[instance.capacity],
                time_window=depot_tw,
                costs=vroom.VehicleCosts(fixed=fixed),
            )
        )
    for c in range(1, n):
        window = vroom.TimeWindow(_up(instance.ready_time[c]), _down(instance.due_time[c]))
        job = vroom.Job(
            c,
            location=c,
            default_service=_up(instance.service_time[c]),
            delivery=vroom.Amount([instance.demand[c]]),
            time_windows=[window],
        )
        problem.add_job(job)
    budget = max(0.1, time_limit_s - (time.perf_counter() - start))
    solution = problem.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=budget))
    return VrptwSolution(_vroom_routes(solution.routes), "vroom", time.perf_counter() - start)


def _vroom_routes(frame: Any) -> tuple[tuple[int, ...], ...]:
    routes: dict[int, list[int]] = {}
    for vehicle, kind, job in zip(frame["vehicle_id"], frame["type"], frame["id"], strict=True):
        if str(kind) == "job":
            routes.setdefault(int(vehicle), []).append(int(job))
    return tuple(tuple(r) for _, r in sorted(routes.items()) if r)
