"""Earliest completion: a vehicle that is still busy pays for the wait it would impose.

The engine's objective is energy (1 per mWh) plus route time
(:data:`fleet.scheduler.build.UNIT_DURATION_COST` per second). Neither sees *when* a route
starts: PyVRP measures a route's duration from its own start, so a vehicle offered from its
planned landing (``VehicleAvailability``, the service's ``busy_until``) costs the same as an
idle one beside it, and a cheaper one (a ground robot, a lighter drone) wins even while it is
out for another 40 minutes. An on-demand parcel should leave on the vehicle that can take it
soonest.

The rule, as a fixed cost of each engine vehicle type (paid once, when the vehicle is used):
a vehicle free ``a`` seconds after the problem start, whose class's earliest pending work may
start at ``e``, costs :data:`LATENESS_COST` per second of ``a - e`` (nothing when ``a <= e``).
That is the delay its first task suffers against an idle vehicle at the same dock. So:

- work that could start now goes to an idle suitable vehicle; it waits for a busy one only when
  no idle vehicle can do it (payload, range, capability, window: the cost stays far below any
  mission's prize, see :data:`MAX_BUSY_COST`), or when the busy one saves more than 6 Wh of
  energy (or the equivalent route time) per minute of delay and the window still holds;
- work whose window opens after the vehicle is free costs nothing extra: chaining it behind
  the flight in the air is free.

Why per vehicle and not per task: PyVRP has no soft time windows and no cost on a visit's
clock time, only on a route's duration from its flexible start. The per-vehicle charge is the
exact delay in the on-demand case; when a class has both work open now and work opening after
the vehicle is free, it also steers the later work to idle vehicles (costing at most the
energy that choice saves).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from fleet.scheduler.tasks import Task

LATENESS_COST = 100  # per second of delay (100 mWh/s: 6 Wh per minute), 10x the route time
MAX_BUSY_COST = 10**6  # 1 kWh-equivalent (~2.8 h of delay), a tenth of a normal parcel's prize


def earliest_start_s(tasks: Sequence[Task], n_classes: int) -> list[float]:
    """Per vehicle class, when its earliest pending task may start (seconds after the problem
    start, not before 0); infinity for a class with no task it can serve."""
    out = [math.inf] * n_classes
    for task in tasks:
        for k in task.service:
            out[k] = min(out[k], max(task.early_s, 0.0))
    return out


def busy_cost(available_s: float, earliest_s: float) -> int:
    """The fixed cost of using a vehicle free at ``available_s`` for work that may start at
    ``earliest_s`` (both in seconds after the problem start).

    >>> busy_cost(0.0, 0.0), busy_cost(1200.0, 0.0), busy_cost(600.0, 900.0)
    (0, 120000, 0)
    >>> busy_cost(10**6, 0.0) == MAX_BUSY_COST
    True
    """
    delay_s = max(0.0, available_s - earliest_s)
    return min(MAX_BUSY_COST, math.ceil(LATENESS_COST * delay_s))
