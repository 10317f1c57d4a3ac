"""A second chance for missions the first plan lost *after* the engine placed them.

Two things can lose a mission once the engine has solved: a multi-parcel batch it left out
(typically one only a ground robot can carry, with the robots busy: its parcels would fit
drones one by one), and the exact replay dropping a task when a dock-slot wait re-timed its
trip past a window. Neither verdict says the parcel cannot be carried, so such missions are
planned once more, one by one (no batching), as a problem of their own on the vehicles as the
first plan leaves them: each vehicle from its last landing dock once its last recharge ends
(an idle one from where and when it was first available), every recharge of the first plan
holding its dock slot. The same screening, engine and exact replay apply, so the merged plan
keeps every rule; a mission lost again keeps the first plan's reason.
"""

from __future__ import annotations

from dataclasses import replace

from fleet.scheduler.types import (
    DockOccupancy,
    Schedule,
    SchedulingProblem,
    VehicleAvailability,
)


def leftover_problem(
    problem: SchedulingProblem, first: Schedule, mission_ids: set[str]
) -> SchedulingProblem | None:
    """``problem`` restricted to ``mission_ids`` on the fleet as ``first`` leaves it.

    Returns:
        The problem, or ``None`` when no mission or no vehicle with time left remains.
    """
    last = {v.vehicle_id: v.trips[-1] for v in first.vehicles if v.trips}
    given = {a.vehicle_id: a for a in problem.availability}
    vehicles, availability = [], []
    for v in problem.vehicles:
        trip = last.get(v.id)
        a = (
            VehicleAvailability(v.id, trip.end_dock_id, trip.ready_again)
            if trip
            else given.get(v.id)
        )
        if a is not None and a.time >= problem.end:
            continue
        vehicles.append(v)
        if a is not None:
            availability.append(a)
    missions = tuple(m for m in problem.missions if m.id in mission_ids)
    if not vehicles or not missions:
        return None
    held = tuple(
        DockOccupancy(t.end_dock_id, t.recharge_begin, t.ready_again) for _, t in first.trips
    )
    return replace(
        problem,
        vehicles=tuple(vehicles),
        missions=missions,
        availability=tuple(availability),
        occupied=problem.occupied + held,
    )


def merge(first: Schedule, second: Schedule, retried: set[str]) -> Schedule:
    """``first`` with ``second``'s trips appended per vehicle; a retried mission ``second``
    also leaves out is reported with ``first``'s reason."""
    more = {v.vehicle_id: v.trips for v in second.vehicles}
    lost_again = {u.mission_id for u in second.unassigned}
    unassigned = tuple(
        u for u in first.unassigned if u.mission_id not in retried or u.mission_id in lost_again
    )
    vehicles = tuple(replace(v, trips=v.trips + more.get(v.vehicle_id, ())) for v in first.vehicles)
    return Schedule(
        first.start,
        vehicles,
        unassigned,
        solver_runtime_s=first.solver_runtime_s + second.solver_runtime_s,
    )
