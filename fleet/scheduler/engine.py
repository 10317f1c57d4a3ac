"""The VRP engine under the scheduler: PyVRP's hybrid genetic search on integer data.

Chosen by measurement (``benchmarks/bench_scheduler.py``: Solomon VRPTW, same time limit as
OR-Tools routing and VROOM). PyVRP needs integer distances and durations, so they are scaled by
:data:`SCALE`; durations are rounded *up*, which keeps every schedule the engine calls feasible
feasible in double precision too. The hierarchical objective (fewest vehicles, then distance)
is a fixed cost per vehicle larger than any possible total distance.
"""

from __future__ import annotations

import math
import time

from pyvrp import Model, ProblemData, Solution, SolveParams, VehicleType, solve
from pyvrp.search import NeighbourhoodParams
from pyvrp.stop import FirstFeasible, MaxRuntime, MultipleCriteria

from fleet.scheduler.vrptw import VrptwInstance, VrptwSolution

SCALE = 10_000
FLEET_SHARE = 0.4  # share of the budget spent minimising the vehicle count first
# 25 neighbours instead of PyVRP's 50 in the distance phase (more local-search iterations per
# second on long routes): on the six R2/RC2 instances with the largest gaps (10 s, same seed)
# the mean gap was 2.6 %, against 4.1 % with 50 on the five of them found at the BKS fleet.
DISTANCE_PARAMS = SolveParams(neighbourhood=NeighbourhoodParams(num_neighbours=25))


def build_model(instance: VrptwInstance) -> Model:
    """A PyVRP model of ``instance`` with scaled integer distances and durations.

    Args:
        instance: the VRPTW instance.

    Returns:
        The model: one depot, one client per customer, one vehicle type whose fixed cost makes
        the vehicle count the primary objective.
    """
    m = Model()
    locs = [m.add_location(x=x, y=y) for x, y in instance.xy]
    m.add_depot(locs[0], tw_early=_up(instance.ready_time[0]), tw_late=_down(instance.due_time[0]))
    for c in range(1, len(locs)):
        m.add_client(
            locs[c],
            delivery=instance.demand[c],
            service_duration=_up(instance.service_time[c]),
            tw_early=_up(instance.ready_time[c]),
            tw_late=_down(instance.due_time[c]),
        )
    longest = max(instance.distance(0, c) for c in range(len(locs)))
    fixed = SCALE * math.ceil(2 * longest * len(locs) + 1)
    m.add_vehicle_type(
        num_available=instance.num_vehicles, capacity=instance.capacity, fixed_cost=fixed
    )
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            d = instance.distance(i, j)
            m.add_edge(a, b, distance=round(d * SCALE), duration=_up(d))
    return m


def solve_vrptw(instance: VrptwInstance, time_limit_s: float, seed: int = 0) -> VrptwSolution:
    """Solve ``instance`` with PyVRP under the hierarchical objective.

    Two phases: fleet minimisation (:data:`FLEET_SHARE` of the budget) repeatedly asks for a
    first feasible solution with one vehicle fewer than the last feasible one, as PyVRP's
    ``minimise_fleet`` does, but keeps that solution; then the hybrid genetic search minimises
    distance with the smallest fleet found, starting from it, so the result stays feasible.

    Args:
        instance: the VRPTW instance.
        time_limit_s: wall-clock budget for the search.
        seed: random seed; the same seed and budget on the same machine give the same search.

    Returns:
        The best solution found (its routes use the instance's customer numbers). It may be
        infeasible when the engine found none; check it with :func:`fleet.scheduler.vrptw.evaluate`.
    """
    start = time.perf_counter()
    deadline = start + time_limit_s
    data = build_model(instance).data()
    fleet, incumbent = _minimise_fleet(data, start + FLEET_SHARE * time_limit_s, seed)
    # Once the fleet is capped by a feasible solution, dropping the huge fixed cost lets the
    # penalties scale with distance; without one, the fixed cost still minimises vehicles.
    capped = fleet if incumbent is None else fleet.replace(fixed_cost=0)
    smaller = data.replace(vehicle_types=[capped])
    initial = None if incumbent is None else Solution(smaller, incumbent)
    remaining = max(0.0, deadline - time.perf_counter())
    result = solve(
        smaller,
        stop=MaxRuntime(remaining),
        seed=seed,
        display=False,
        initial_solution=initial,
        params=DISTANCE_PARAMS,
    )
    routes = routes_of(result.best)
    return VrptwSolution(routes=routes, solver="pyvrp", runtime_s=time.perf_counter() - start)


def _minimise_fleet(
    data: ProblemData, deadline: float, seed: int
) -> tuple[VehicleType, list[list[int]] | None]:
    """Smallest fleet with a feasible solution found by ``deadline``, and that solution.

    Stops early at the capacity lower bound (total demand over one vehicle's capacity).
    """
    fleet = data.vehicle_types()[0]
    demand = sum(c.delivery[0] for c in data.clients())
    lower = max(1, math.ceil(demand / max(fleet.capacity[0], 1)))
    incumbent: list[list[int]] | None = None
    while incumbent is None or fleet.num_available > lower:
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        trial = fleet if incumbent is None else fleet.replace(num_available=fleet.num_available - 1)
        stop = MultipleCriteria([FirstFeasible(), MaxRuntime(left)])
        res = solve(data.replace(vehicle_types=[trial]), stop=stop, seed=seed, display=False)
        if not res.best.is_feasible():
            break
        incumbent = [[a.idx for a in r.schedule() if a.is_client()] for r in res.best.routes()]
        fleet = trial.replace(num_available=res.best.num_routes())
    return fleet, incumbent


def routes_of(solution: Solution) -> tuple[tuple[int, ...], ...]:
    """Customer numbers (client index + 1) per non-empty route, in visit order."""
    out = []
    for route in solution.routes():
        visits = tuple(a.idx + 1 for a in route.schedule() if a.is_client())
        if visits:
            out.append(visits)
    return tuple(out)


def _up(value: float) -> int:
    return math.ceil(value * SCALE - 1e-6)


def _down(value: float) -> int:
    return math.floor(value * SCALE + 1e-6)
