"""Vehicle routing with time windows (VRPTW): the instance, its solution, and an exact checker.

The core the fleet scheduler is built on, also used by the Solomon benchmark. Distances are
double-precision Euclidean; the engine (PyVRP, see :mod:`fleet.scheduler.engine`) works on
integers, so every figure reported here is recomputed in double precision from the routes.
Travel time equals distance (Solomon convention).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import vrplib

from fleet.scheduler.errors import InstanceFormatError

FEASIBILITY_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class VrptwInstance:
    """A single-depot VRPTW instance. Node 0 is the depot, nodes 1..n are the customers."""

    name: str
    xy: tuple[tuple[float, float], ...]
    demand: tuple[int, ...]
    ready_time: tuple[float, ...]
    due_time: tuple[float, ...]
    service_time: tuple[float, ...]
    capacity: int
    num_vehicles: int

    @property
    def num_customers(self) -> int:
        """Number of customers (nodes other than the depot)."""
        return len(self.xy) - 1

    def distance(self, i: int, j: int) -> float:
        """Euclidean distance between nodes ``i`` and ``j`` in double precision."""
        return math.dist(self.xy[i], self.xy[j])


@dataclass(frozen=True, slots=True)
class VrptwSolution:
    """Routes as customer numbers in visit order (depot omitted) and the engine that found them."""

    routes: tuple[tuple[int, ...], ...]
    solver: str
    runtime_s: float

    @property
    def num_vehicles(self) -> int:
        """Number of non-empty routes."""
        return sum(1 for r in self.routes if r)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Double-precision cost of a solution and every constraint it violates (empty if none)."""

    distance: float
    num_vehicles: int
    violations: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        """True when the solution visits every customer once within all constraints."""
        return not self.violations


def read_solomon(path: Path) -> VrptwInstance:
    """Read a Solomon-format VRPTW instance.

    Args:
        path: the ``.txt`` file (e.g. ``C101.txt``).

    Returns:
        The instance, with the file's vehicle count as the fleet size.

    Raises:
        InstanceFormatError: the file is missing or not in Solomon format.
    """
    try:
        raw = vrplib.read_instance(str(path), instance_format="solomon")
        coords = [(float(x), float(y)) for x, y in raw["node_coord"]]
        windows = [(float(a), float(b)) for a, b in raw["time_window"]]
        return VrptwInstance(
            name=str(raw.get("name") or path.stem),
            xy=tuple(coords),
            demand=tuple(int(d) for d in raw["demand"]),
            ready_time=tuple(a for a, _ in windows),
            due_time=tuple(b for _, b in windows),
            service_time=tuple(float(s) for s in raw["service_time"]),
            capacity=int(raw["capacity"]),
            num_vehicles=int(raw["vehicles"]),
        )
    except (OSError, KeyError, ValueError, IndexError, TypeError, RuntimeError) as err:
        raise InstanceFormatError(f"{path}: not a Solomon VRPTW instance ({err})") from err


def evaluate(instance: VrptwInstance, routes: tuple[tuple[int, ...], ...]) -> Evaluation:
    """Recompute cost and check every constraint of ``routes`` in double precision.

    Checks: each customer visited exactly once, capacity per route, arrival (after waiting for
    the ready time) no later than the due time at each customer, and return to the depot by its
    due time. Service starts at ``max(arrival, ready)``; travel time equals distance.

    Args:
        instance: the instance the routes claim to solve.
        routes: customer numbers per route in visit order, depot omitted.

    Returns:
        The total distance, the vehicle count and a list of violations (empty when feasible).
    """
    violations: list[str] = []
    seen: dict[int, int] = {}
    total = 0.0
    for k, route in enumerate(routes):
        for c in route:
            if not 1 <= c <= instance.num_customers:
                violations.append(f"route {k}: unknown customer {c}")
            elif c in seen:
                violations.append(f"customer {c} visited by routes {seen[c]} and {k}")
            else:
                seen[c] = k
        if any(not 1 <= c <= instance.num_customers for c in route):
            continue
        dist, route_violations = _check_route(instance, k, route)
        total += dist
        violations.extend(route_violations)
    missing = sorted(set(range(1, instance.num_customers + 1)) - set(seen))
    if missing:
        violations.append(f"customers not visited: {missing}")
    used = sum(1 for r in routes if r)
    return Evaluation(distance=total, num_vehicles=used, violations=tuple(violations))


def _check_route(
    instance: VrptwInstance, k: int, route: tuple[int, ...]
) -> tuple[float, list[str]]:
    violations: list[str] = []
    load = sum(instance.demand[c] for c in route)
    if load > instance.capacity:
        violations.append(f"route {k}: load {load} > capacity {instance.capacity}")
    time = instance.ready_time[0]
    dist = 0.0
    prev = 0
    for c in (*route, 0):
        leg = instance.distance(prev, c)
        dist += leg
        time = max(time + leg, instance.ready_time[c])
        if time > instance.due_time[c] + FEASIBILITY_TOLERANCE:
            violations.append(
                f"route {k}: node {c} reached at {time:.4f} > due {instance.due_time[c]}"
            )
        time += instance.service_time[c]
        prev = c
    return dist, violations
