"""The fleet scheduler: assign and order deliveries and inspections over vehicles and docks.

:func:`schedule` turns missions into tasks (:mod:`fleet.scheduler.tasks`: light parcels from one
pickup also as multi-parcel tasks, :mod:`fleet.scheduler.batching`; an area survey larger than
a battery as one task per part, :mod:`fleet.scheduler.survey_split`; inspections only for
vehicles whose camera can fly them), screens out what no vehicle can do alone (with the
reason), encodes the rest for PyVRP
(:mod:`fleet.scheduler.build`: time windows, payload and capability per vehicle class, energy
per trip with recharge or battery swap at any dock, priorities as prizes so a medical mission
is never left out for a normal one, a vehicle still busy charged for the delay it would impose
so work that could start now goes to an idle one, :mod:`fleet.scheduler.lateness`), solves
within the time limit, and replays the routes exactly (:mod:`fleet.scheduler.decode`),
booking every recharge in the docks' slots (:mod:`fleet.scheduler.docks`). Missions lost
after solving (a batch left out, a trip a slot wait re-timed past a window) get a second pass
one by one on the fleet as the first plan leaves it (:mod:`fleet.scheduler.retry`).
:func:`replan` does it again for what has not started.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from pyvrp import Solution, SolveParams, solve
from pyvrp.search import NeighbourhoodParams
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from fleet.model import Delivery
from fleet.scheduler.batching import batch_tasks, resolve_batches
from fleet.scheduler.build import Built, Fleet, build, class_matrices, group_fleet, screen
from fleet.scheduler.construct import greedy_solution
from fleet.scheduler.decode import engine_routes, replay
from fleet.scheduler.docks import DockCalendar, SlotBooking
from fleet.scheduler.inspection_work import pattern_inspection_work
from fleet.scheduler.legcost import LegCostModel, LegMatrix, StraightLineLegCost
from fleet.scheduler.retry import leftover_problem, merge
from fleet.scheduler.tasks import Rejection, Task, delivery_tasks, inspection_tasks
from fleet.scheduler.types import (
    InspectionWorkFn,
    Schedule,
    SchedulingProblem,
    Trip,
    Unassigned,
    UnassignedReason,
    VehicleSchedule,
)

LARGE = 300  # tasks; above this the local search uses a smaller neighbourhood
LARGE_PARAMS = SolveParams(neighbourhood=NeighbourhoodParams(num_neighbours=20))
MIN_RETRY_SHARE = 0.05  # of the time limit, for the second pass (else its share of missions)
BUSY = "the fleet's time and batteries went to higher-priority or cheaper missions"


def schedule(
    problem: SchedulingProblem,
    *,
    time_limit_s: float = 5.0,
    seed: int = 0,
    max_iterations: int | None = None,
    leg_cost: LegCostModel | None = None,
    inspection_work: InspectionWorkFn | None = None,
) -> Schedule:
    """Assign and sequence ``problem``'s missions over its fleet.

    Args:
        problem: vehicles, docks, missions, horizon, transfer points, availability.
        time_limit_s: wall-clock budget of the search (building and decoding come on top);
            a second pass for missions lost after solving gets their share of it on top
            (at least :data:`MIN_RETRY_SHARE`).
        seed: random seed of the search.
        max_iterations: stop after this many search iterations, if before the time limit:
            with it the result depends only on the problem and the seed (deterministic).
        leg_cost: travel model between points; straight lines through :mod:`fleet.energy`
            by default (plug airspace planner routes in here).
        inspection_work: time and energy of an inspection pattern; by default the
            :mod:`fleet.patterns` pattern flown from the target's first vertex.

    Returns:
        Per-vehicle trips with ETAs and energy, and every mission left out with its reason.
    """
    began = time.perf_counter()
    if not problem.vehicles:
        return _nobody(problem)
    legs = leg_cost or StraightLineLegCost()
    work = inspection_work or pattern_inspection_work
    search = _Search(time_limit_s, seed, max_iterations)
    first, retry = _plan(problem, legs, work, search, batching=True)
    rest = leftover_problem(problem, first, retry) if retry else None
    if rest is not None:
        share = max(len(rest.missions) / len(problem.missions), MIN_RETRY_SHARE)
        search = replace(search, time_limit_s=time_limit_s * share)
        second, _ = _plan(rest, legs, work, search, batching=False)
        first = merge(first, second, retry)
    return replace(first, solver_runtime_s=time.perf_counter() - began)


@dataclass(frozen=True, slots=True)
class _Search:
    time_limit_s: float
    seed: int
    max_iterations: int | None


def _plan(
    problem: SchedulingProblem,
    legs: LegCostModel,
    work: InspectionWorkFn,
    search: _Search,
    *,
    batching: bool,
) -> tuple[Schedule, set[str]]:
    """One solve and exact replay; also the missions lost after solving that deserve a second
    pass one by one (:mod:`fleet.scheduler.retry`)."""
    built, unassigned = prepare(problem, legs, work, batching=batching)
    if built is None:
        return Schedule(problem.start, _empty(problem), tuple(unassigned)), set()
    initial = greedy_solution(built)
    stop = _stop(search.time_limit_s, search.max_iterations)
    params = LARGE_PARAMS if len(built.tasks) > LARGE else SolveParams()
    result = solve(
        built.data,
        stop=stop,
        seed=search.seed,
        display=False,
        initial_solution=initial,
        params=params,
    )
    vehicles, lost, retry = _decode(built, problem, result.best)
    return Schedule(problem.start, vehicles, tuple(unassigned + lost)), retry


def prepare(
    problem: SchedulingProblem, legs: LegCostModel, work: InspectionWorkFn, *, batching: bool = True
) -> tuple[Built | None, list[Unassigned]]:
    """Tasks, screening and engine data; ``None`` when no task is left to place.

    Args:
        problem: the scheduling problem (with at least one vehicle).
        legs: travel model.
        work: inspection time and energy.
        batching: also offer multi-parcel tasks.

    Returns:
        The engine data (or ``None``) and the missions rejected before solving, with reasons.
    """
    fleet = group_fleet(problem)
    tasks, rejected = _tasks(problem, fleet, legs, work, batching)
    mats = class_matrices(problem, fleet.classes, tasks, legs)
    n_docks = len(problem.docks)
    horizon_s = (problem.end - problem.start).total_seconds()
    kept, screened = screen(tasks, fleet, mats, n_docks, horizon_s)
    kept, screened = resolve_batches(kept, screened)
    rejected += screened
    kept, incomplete = _complete_groups(kept, rejected)
    rejected += incomplete
    unassigned = [Unassigned(r.mission_id, r.reason, r.detail) for r in rejected]
    if not kept:
        return None, unassigned
    mats = _restrict(mats, tasks, kept, n_docks)
    return build(problem, kept, fleet, mats), unassigned


def _stop(time_limit_s: float, max_iterations: int | None) -> StoppingCriterion:
    if max_iterations is None:
        return MaxRuntime(time_limit_s)
    return MultipleCriteria([MaxIterations(max_iterations), MaxRuntime(time_limit_s)])


def _nobody(problem: SchedulingProblem) -> Schedule:
    why = UnassignedReason.NO_CAPABLE_VEHICLE
    out = tuple(Unassigned(m.id, why, "the fleet has no vehicle") for m in problem.missions)
    return Schedule(problem.start, (), out)


def _empty(problem: SchedulingProblem) -> tuple[VehicleSchedule, ...]:
    return tuple(VehicleSchedule(v.id, ()) for v in problem.vehicles)


def _tasks(
    problem: SchedulingProblem,
    fleet: Fleet,
    legs: LegCostModel,
    work: InspectionWorkFn,
    batching: bool,
) -> tuple[list[Task], list[Rejection]]:
    tasks: list[Task] = []
    rejected: list[Rejection] = []
    for mission in problem.missions:
        if isinstance(mission, Delivery):
            made = delivery_tasks(
                mission, fleet.classes, legs, problem.start, problem.transfer_points
            )
        else:
            made = inspection_tasks(mission, fleet.classes, work, problem.start, problem.docks)
        if isinstance(made, Rejection):
            rejected.append(made)
        else:
            tasks.extend(made)
    if not batching:
        return tasks, rejected
    parcels = [m for m in problem.missions if isinstance(m, Delivery)]
    tasks += batch_tasks(
        parcels, fleet.classes, legs, lambda t: (t - problem.start).total_seconds()
    )
    return tasks, rejected


def _complete_groups(
    tasks: list[Task], rejected: list[Rejection]
) -> tuple[list[Task], list[Rejection]]:
    """Drop a relay half or survey part whose partner or sibling was screened out (a mission
    not already rejected is rejected once)."""
    keys = {t.key for t in tasks}
    kept = [t for t in tasks if all(k in keys for k in t.together)]
    known = {r.mission_id for r in rejected}
    out = []
    for t in tasks:
        if all(k in keys for k in t.together) or t.mission_id in known:
            continue
        known.add(t.mission_id)
        what = "relay partner leg" if t.partner else "another part of the split survey"
        out.append(
            Rejection(
                t.mission_id,
                UnassignedReason.NO_CAPABLE_VEHICLE,
                f"{t.key}: {what} cannot be served",
            )
        )
    return kept, out


def _restrict(
    mats: list[LegMatrix], tasks: list[Task], kept: list[Task], n_docks: int
) -> list[LegMatrix]:
    index = {t.key: n_docks + i for i, t in enumerate(tasks)}
    rows = np.array([*range(n_docks), *(index[t.key] for t in kept)], dtype=int)
    cut = np.ix_(rows, rows)
    return [LegMatrix(m.energy_wh[cut], m.duration_s[cut], m.distance_m[cut]) for m in mats]


def _decode(
    built: Built, problem: SchedulingProblem, solution: Solution
) -> tuple[tuple[VehicleSchedule, ...], list[Unassigned], set[str]]:
    """Replay the engine's routes exactly; keep relays whole; report every task left out, and
    the missions worth retrying one by one: those of a batch the engine left out and those
    the replay could not keep (not those the engine left out as single tasks)."""
    orders = engine_routes(built, solution)
    orders.sort(
        key=lambda o: -max((built.tasks[i].priority.rank for t, _ in o.trips for i in t), default=0)
    )
    served = {i for o in orders for trip, _ in o.trips for i in trip}
    out: dict[int, Unassigned] = {
        i: Unassigned(t.mission_id, UnassignedReason.FLEET_BUSY, f"{t.key}: {BUSY}")
        for i, t in enumerate(built.tasks)
        if i not in served
    }
    index = {t.key: i for i, t in enumerate(built.tasks)}
    while True:
        trips: dict[str, list[Trip]] = {}
        placed: set[int] = set()
        calendar = dock_calendar(problem)
        for order in orders:
            trips[order.vehicle_id], dropped, got = replay(
                built, order, problem.docks, problem.start, set(out), calendar
            )
            out.update(dropped)
            placed |= got
        orphans = _orphans(built, placed, index)
        if not orphans:
            break
        out.update(orphans)
    vehicles = tuple(VehicleSchedule(v.id, tuple(trips.get(v.id, []))) for v in problem.vehicles)
    lost: dict[str, Unassigned] = {}  # one entry per mission (a survey has several parts)
    for i, u in sorted(out.items()):
        for m in built.tasks[i].mission_ids:
            lost.setdefault(m, Unassigned(m, u.reason, u.detail))
    singles = [built.tasks[i] for i in out if i not in served and not built.tasks[i].parcels]
    declined = {m for t in singles for m in t.mission_ids}
    retry = {m for i in out for m in built.tasks[i].mission_ids} - declined
    return vehicles, list(lost.values()), retry


def dock_calendar(problem: SchedulingProblem) -> DockCalendar:
    """Slots per dock, holding the problem's already occupied ones."""
    index = {d.id: i for i, d in enumerate(problem.docks)}
    held = [
        SlotBooking(
            index[o.dock_id],
            (o.start - problem.start).total_seconds(),
            (o.end - problem.start).total_seconds(),
        )
        for o in problem.occupied
    ]
    return DockCalendar.with_bookings([d.slots for d in problem.docks], held)


def _orphans(built: Built, placed: set[int], index: dict[str, int]) -> dict[int, Unassigned]:
    """Placed relay halves or survey parts whose partner or sibling is not placed (they are
    taken out too)."""
    out = {}
    for i in placed:
        task = built.tasks[i]
        if any(index[k] not in placed for k in task.together):
            why = UnassignedReason.FLEET_BUSY
            what = "its relay partner" if task.partner else "another part of the split survey"
            out[i] = Unassigned(task.mission_id, why, f"{task.key}: {what} is left out")
    return out
