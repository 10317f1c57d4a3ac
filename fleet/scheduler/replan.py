"""Re-planning: a new mission or a failed vehicle re-plans only what has not started.

Trips that have departed by ``now`` are frozen as they are (with any trip of another vehicle
tied to them by a relay, and every earlier trip of the same vehicles); their vehicles become
available again at the dock and time the frozen work ends. Everything else is planned afresh
with :func:`fleet.scheduler.planner.schedule`. A failed vehicle takes no new work; missions it
was flying are reported as lost with :attr:`UnassignedReason.VEHICLE_FAILED`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from fleet.scheduler.legcost import LegCostModel
from fleet.scheduler.planner import schedule
from fleet.scheduler.types import (
    Change,
    ChangeKind,
    DockOccupancy,
    InspectionWorkFn,
    Replan,
    Schedule,
    SchedulingProblem,
    Trip,
    Unassigned,
    UnassignedReason,
    VehicleAvailability,
    VehicleSchedule,
)

RETIME_THRESHOLD = timedelta(minutes=1)


def frozen_trips(previous: Schedule, now: datetime) -> dict[str, tuple[Trip, ...]]:
    """Per vehicle, the leading trips that must not change (started, or tied to one that has).

    Args:
        previous: the schedule being flown.
        now: the current time (aware UTC).

    Returns:
        Vehicle id -> its frozen trips (a prefix of its trips), for vehicles with any.
    """
    count = {v.vehicle_id: sum(1 for t in v.trips if t.departure <= now) for v in previous.vehicles}
    while True:
        frozen_missions = {
            m
            for v in previous.vehicles
            for t in v.trips[: count[v.vehicle_id]]
            for m in t.mission_ids
        }
        grown = False
        for v in previous.vehicles:
            for n, trip in enumerate(v.trips):
                if n >= count[v.vehicle_id] and frozen_missions & set(trip.mission_ids):
                    count[v.vehicle_id] = n + 1
                    grown = True
        if not grown:
            break
    return {
        v.vehicle_id: v.trips[: count[v.vehicle_id]]
        for v in previous.vehicles
        if count[v.vehicle_id]
    }


def replan(
    previous: Schedule,
    problem: SchedulingProblem,
    now: datetime,
    *,
    failed_vehicle_ids: frozenset[str] = frozenset(),
    time_limit_s: float = 5.0,
    seed: int = 0,
    max_iterations: int | None = None,
    leg_cost: LegCostModel | None = None,
    inspection_work: InspectionWorkFn | None = None,
) -> Replan:
    """Re-plan ``problem`` (the current missions, including new ones) at ``now``.

    Args:
        previous: the schedule in force.
        problem: the fleet and every mission that should be flown (new ones included).
        now: the current time; trips departed by then are not touched.
        failed_vehicle_ids: vehicles out of service from now on.
        time_limit_s: search budget, as in :func:`schedule`.
        seed: search seed, as in :func:`schedule`.
        max_iterations: iteration cap for determinism, as in :func:`schedule`.
        leg_cost: travel model, as in :func:`schedule`.
        inspection_work: inspection time and energy, as in :func:`schedule`.

    Returns:
        The merged schedule (frozen trips first, then the new plan) and the changes per mission.
    """
    frozen = frozen_trips(previous, now)
    lost = _lost_in_air(frozen, failed_vehicle_ids)
    kept = {vid: trips for vid, trips in frozen.items() if vid not in failed_vehicle_ids}
    busy = {m for trips in frozen.values() for t in trips for m in t.mission_ids}
    rest = replace(
        problem,
        vehicles=tuple(v for v in problem.vehicles if v.id not in failed_vehicle_ids),
        missions=tuple(m for m in problem.missions if m.id not in busy),
        availability=_availability(problem, kept, now),
        occupied=problem.occupied + _recharges(kept),
    )
    fresh = schedule(
        rest,
        time_limit_s=time_limit_s,
        seed=seed,
        max_iterations=max_iterations,
        leg_cost=leg_cost,
        inspection_work=inspection_work,
    )
    merged = _merge(problem, kept, fresh, lost)
    return Replan(merged, _changes(previous, merged, kept))


def _lost_in_air(frozen: dict[str, tuple[Trip, ...]], failed: frozenset[str]) -> list[Unassigned]:
    out = []
    for vid in sorted(failed & set(frozen)):
        for mission_id in dict.fromkeys(m for t in frozen[vid] for m in t.mission_ids):
            detail = f"vehicle {vid!r} failed during a started trip"
            out.append(Unassigned(mission_id, UnassignedReason.VEHICLE_FAILED, detail))
    return out


def _recharges(kept: dict[str, tuple[Trip, ...]]) -> tuple[DockOccupancy, ...]:
    """Dock slots the frozen trips' recharges hold (new recharges must fit around them)."""
    return tuple(
        DockOccupancy(t.end_dock_id, t.recharge_begin, t.ready_again)
        for trips in kept.values()
        for t in trips
    )


def _availability(
    problem: SchedulingProblem, kept: dict[str, tuple[Trip, ...]], now: datetime
) -> tuple[VehicleAvailability, ...]:
    before = {a.vehicle_id: a for a in problem.availability}
    out = []
    for v in problem.vehicles:
        if v.id in kept:
            last = kept[v.id][-1]
            out.append(VehicleAvailability(v.id, last.end_dock_id, max(last.ready_again, now)))
        else:
            a = before.get(v.id)
            dock, when = (a.dock_id, a.time) if a else (v.home_dock_id, problem.start)
            out.append(VehicleAvailability(v.id, dock, max(when, now)))
    return tuple(out)


def _merge(
    problem: SchedulingProblem,
    kept: dict[str, tuple[Trip, ...]],
    fresh: Schedule,
    lost: list[Unassigned],
) -> Schedule:
    new = {v.vehicle_id: v.trips for v in fresh.vehicles}
    vehicles = tuple(
        VehicleSchedule(v.id, kept.get(v.id, ()) + new.get(v.id, ())) for v in problem.vehicles
    )
    return Schedule(
        problem.start,
        vehicles,
        tuple(lost) + fresh.unassigned,
        solver_runtime_s=fresh.solver_runtime_s,
    )


def _first_eta(s: Schedule) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for _, trip in s.trips:
        for stop in trip.stops:
            out.setdefault(stop.mission_id, stop.arrival)
    return out


def _changes(
    previous: Schedule, merged: Schedule, kept: dict[str, tuple[Trip, ...]]
) -> tuple[Change, ...]:
    before, after = previous.assignment(), merged.assignment()
    eta_before, eta_after = _first_eta(previous), _first_eta(merged)
    in_flight = {m for trips in kept.values() for t in trips for m in t.mission_ids}
    out: list[Change] = []
    for mission_id, vehicle in after.items():
        if mission_id in in_flight:
            out.append(Change(mission_id, ChangeKind.KEPT_IN_FLIGHT, f"stays on {vehicle}"))
        elif mission_id not in before:
            out.append(Change(mission_id, ChangeKind.ADDED, f"on {vehicle}"))
        elif before[mission_id] != vehicle:
            out.append(Change(mission_id, ChangeKind.MOVED, f"{before[mission_id]} -> {vehicle}"))
        elif abs(eta_after[mission_id] - eta_before[mission_id]) > RETIME_THRESHOLD:
            shift = (eta_after[mission_id] - eta_before[mission_id]).total_seconds()
            out.append(Change(mission_id, ChangeKind.RETIMED, f"first stop {shift:+.0f} s"))
    for u in merged.unassigned:
        if u.mission_id in before and u.mission_id not in after:
            out.append(Change(u.mission_id, ChangeKind.DROPPED, f"{u.reason.value}: {u.detail}"))
    return tuple(out)
