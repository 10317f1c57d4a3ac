"""The dispatcher's scheduling step: the fleet scheduler (:mod:`fleet.scheduler`, PyVRP) assigns,
batches and orders the booked missions, then each placed mission goes ``scheduled`` on its
vehicle (audited, published); each one left out gets the scheduler's reason.

The stored rows become the problem with the service's own converters
(:mod:`fleet.service.domain`), plus one transfer point per relay: the one given at booking, or
open ground 80-200 m from its dropoff toward its pickup (:func:`transfer_point`).

One problem per dock: a dock's vehicles serve the parcels loaded there and the inspections
nearest to it (a visiting vehicle would have no pad: a dock's pads are its own fleet's). The
plan's trips are cut into *sorties*, the flights (or drives) the dispatcher books: from the
vehicle's pad with the parcels loaded there, through their dropoffs in the plan's order, back
to the pad; a relay's drone flight and an inspection are sorties of their own. What a dock's
plan leaves out with its fleet busy is planned once more on the vehicles as that plan leaves
them (the scheduler fills the fewest vehicles first and drops parcels with drones idle).

The horizon rolls: a vehicle is available after the work already booked on it (its approved
legs, :func:`busy_until`) and after the sorties queued for it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import shapely
from sqlmodel import Session, col, select

from airspace.city import City
from fleet import lifecycle
from fleet.errors import FleetError, InfeasibleMission
from fleet.lifecycle import MissionState
from fleet.model import GeoPoint, Mission
from fleet.scheduler import (
    Schedule,
    SchedulingProblem,
    StopKind,
    Trip,
    UnassignedReason,
    VehicleAvailability,
    VehicleSchedule,
    schedule,
)
from fleet.service.domain import domain_dock, domain_mission, domain_vehicle
from fleet.service.events import EventBus
from fleet.storage.tables import Dock as DockRow
from fleet.storage.tables import MissionLeg, MissionRow, VehicleRow

ACTOR = "dispatcher"
LonLat = tuple[float, float]
SCHEDULER_TIME_LIMIT_S = 1.0  # per dock
SCHEDULER_ITERATIONS = 1000  # the same plan for the same seed on a busy machine
RETRIED = frozenset(
    {UnassignedReason.FLEET_BUSY, UnassignedReason.WINDOW_INFEASIBLE}
)  # reasons for a second pass


@dataclass(slots=True)
class Sortie:
    """One flight or drive of a vehicle: its missions in dropoff order, when the plan starts
    it, and for a relay the robot that takes the parcel on at ``transfer``."""

    vehicle_id: int
    flies: bool
    begins: datetime
    mission_ids: list[int] = field(default_factory=list)
    robot_id: int | None = None
    transfer: LonLat | None = None
    rank: int = 2  # its most urgent mission's: 0 medical, 1 urgent, 2 normal
    planned_s: float = 0.0  # how long the plan gives it, until the vehicle's next work


def transfer_point(city: City, dropoff: LonLat, toward: LonLat, margin_m: float = 6.0) -> LonLat:
    """An open-ground pad 80-200 m from ``dropoff`` on the way to ``toward`` (the drone's dock).

    The drone lands there and a ground robot takes the parcel the last stretch. Points are
    tried along the line and beside it; the first with ``margin_m`` to every footprint wins.

    Raises:
        InfeasibleMission: no open ground near the dropoff.
    """
    x0, y0 = city.frame.to_local(*dropoff)
    x1, y1 = city.frame.to_local(*toward)
    length = max(math.hypot(x1 - x0, y1 - y0), 1e-6)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    for along in range(80, 201, 10):
        for side in (0, 10, -10, 20, -20, 30, -30):
            x = x0 + ux * along - uy * side
            y = y0 + uy * along + ux * side
            near = city.tree.query(shapely.Point(x, y), predicate="dwithin", distance=margin_m)
            if len(near) == 0:
                lon, lat = city.frame.to_lonlat(x, y)
                return float(lon), float(lat)
    raise InfeasibleMission("no open ground for a transfer point within 200 m of the dropoff")


@dataclass(frozen=True, slots=True)
class Problems:
    """The scheduling problems of one operator and the missions refused before scheduling."""

    problems: list[SchedulingProblem]
    invalid: dict[int, str]


def scheduling_problems(
    session: Session,
    city: City | None,
    operator_id: int,
    start: datetime,
    horizon: timedelta,
    ready: Mapping[int, datetime] | None = None,
) -> Problems:
    """One scheduling problem per dock of the operator: its vehicles, the requested missions
    nearest to it.

    Args:
        session: the database.
        city: where relays' transfer points are sought (``None``: only given ones are used).
        operator_id: whose missions, docks and vehicles.
        start: the horizon's start (now).
        horizon: its length.
        ready: vehicle id -> when the sorties already queued for it end.
    """
    docks = session.exec(select(DockRow).where(DockRow.operator_id == operator_id)).all()
    vehicles = session.exec(select(VehicleRow).where(VehicleRow.operator_id == operator_id)).all()
    rows = session.exec(
        select(MissionRow).where(
            MissionRow.operator_id == operator_id, MissionRow.state == "requested"
        )
    ).all()
    busy = _availability(session, vehicles, start, ready or {})
    problems, invalid = [], {}
    missions: dict[int, list[tuple[MissionRow, Mission, GeoPoint | None]]] = {}
    for m in rows:
        if not docks:
            invalid[m.id or 0] = "the operator has no dock"
            continue
        try:
            dock = _nearest_dock(docks, _anchor(m))
            transfer = _transfer(city, m)
            missions.setdefault(dock.id or 0, []).append((m, domain_mission(m), transfer))
        except (FleetError, KeyError, ValueError, TypeError) as exc:
            invalid[m.id or 0] = str(exc)
    for dock in docks:
        mine = missions.get(dock.id or 0, [])
        if not mine:
            continue
        crew = _dock_fleet(dock, docks, vehicles, relays=any(t for _, _, t in mine))
        fleet = sorted(
            (domain_vehicle(v) for v in crew),
            key=lambda v: busy.get(v.id, start),  # idle first: ties go to them
        )
        if not fleet:
            invalid.update((m.id or 0, f"dock {dock.name} has no vehicle") for m, _, _ in mine)
            continue
        homes = {v.id or 0: v.home_dock_id for v in crew}
        used = [d for d in docks if d.id in set(homes.values())]
        problems.append(
            SchedulingProblem(
                vehicles=tuple(fleet),
                docks=tuple(domain_dock(d) for d in used),
                missions=tuple(d for _, d, _ in mine),
                start=start,
                end=start + horizon,
                transfer_points=tuple(dict.fromkeys(t for _, _, t in mine if t is not None)),
                availability=tuple(
                    VehicleAvailability(v.id, str(homes[int(v.id)]), busy[v.id])
                    for v in fleet
                    if v.id in busy
                ),
            )
        )
    return Problems(problems, invalid)


def _dock_fleet(
    dock: DockRow, docks: Sequence[DockRow], vehicles: Sequence[VehicleRow], *, relays: bool
) -> list[VehicleRow]:
    """The dock's vehicles; with relays to fly and no ground robot of its own, the robots of
    the nearest dock that has some join them (they drive from their own dock)."""
    own = [v for v in vehicles if v.home_dock_id == dock.id]
    if not relays or any(v.kind == "ground_robot" for v in own):
        return own
    robots = [v for v in vehicles if v.kind == "ground_robot" and v.home_dock_id is not None]
    if not robots:
        return own
    by_id = {d.id: d for d in docks}
    nearest = min(
        (by_id[v.home_dock_id] for v in robots if v.home_dock_id in by_id),
        key=lambda d: (d.lon_deg - dock.lon_deg) ** 2 + (d.lat_deg - dock.lat_deg) ** 2,
    )
    return own + [v for v in robots if v.home_dock_id == nearest.id]


def _availability(
    session: Session, vehicles: Sequence[VehicleRow], start: datetime, ready: Mapping[int, datetime]
) -> dict[str, datetime]:
    """Vehicle id -> when it is free: after its booked flights and its queued sorties."""
    out = {a.vehicle_id: a.time for a in busy_until(session, start)}
    for v in vehicles:
        queued = ready.get(v.id or 0)
        if queued is not None and queued > out.get(str(v.id), start):
            out[str(v.id)] = queued
    return out


def busy_until(session: Session, start: datetime) -> list[VehicleAvailability]:
    """Vehicles with approved or flying legs, free at their last planned landing after
    ``start`` (at their home dock) plus that dock's recharge or swap for the leg's energy: new
    work is planned after the flight already booked, from a charged battery."""
    live = [MissionState.APPROVED, MissionState.UPLOADED, MissionState.IN_FLIGHT]
    rows = session.exec(
        select(MissionLeg, VehicleRow)
        .join(MissionRow, col(MissionLeg.mission_id) == col(MissionRow.id))
        .join(VehicleRow, col(MissionLeg.vehicle_id) == col(VehicleRow.id))
        .where(col(MissionRow.state).in_([s.value for s in live]))
    ).all()
    until: dict[int, tuple[datetime, int | None, float]] = {}
    for leg, vehicle in rows:
        landing = datetime.fromisoformat(leg.route["waypoints"][-1]["time"])
        if landing > start and landing > until.get(vehicle.id or 0, (start, None, 0.0))[0]:
            energy_wh = float(leg.route.get("energy_wh") or 0.0)
            until[vehicle.id or 0] = (landing, vehicle.home_dock_id, energy_wh)
    out = []
    for vehicle_id, (landing, dock_id, energy_wh) in until.items():
        dock = session.get(DockRow, dock_id) if dock_id is not None else None
        turnaround_s = domain_dock(dock).recharge_time_s(energy_wh) if dock else 0.0
        ready = landing + timedelta(seconds=turnaround_s)
        out.append(VehicleAvailability(str(vehicle_id), str(dock_id), ready))
    return out


def _transfer(city: City | None, m: MissionRow) -> GeoPoint | None:
    """A relay's transfer point: the one booked with it, or open ground near its dropoff."""
    if m.kind != "delivery" or not (
        m.spec.get("relay_requested") or m.spec.get("robot_only_dropoff")
    ):
        return None
    given = m.spec.get("transfer")
    if isinstance(given, dict):
        return GeoPoint(*_lonlat(given))
    if city is None:
        raise InfeasibleMission("no buildings loaded to find a relay's transfer point")
    return GeoPoint(*transfer_point(city, _lonlat(m.spec["dropoff"]), _lonlat(m.spec["pickup"])))


def _anchor(m: MissionRow) -> LonLat:
    """Where a mission starts: its pickup, or the centre of an inspection's target (an area's
    polygon, a corridor's polyline or a structure's footprint)."""
    if m.kind == "delivery":
        return _lonlat(m.spec["pickup"])
    target = m.spec["target"]
    points = next(target[k] for k in ("polygon", "polyline", "footprint") if k in target)
    return (
        sum(float(p[0]) for p in points) / len(points),
        sum(float(p[1]) for p in points) / len(points),
    )


def _nearest_dock(docks: Sequence[DockRow], p: LonLat) -> DockRow:
    return min(docks, key=lambda d: (d.lon_deg - p[0]) ** 2 + (d.lat_deg - p[1]) ** 2)


def _lonlat(point: dict[str, float]) -> LonLat:
    return float(point["lon_deg"]), float(point["lat_deg"])


def run_scheduler(
    problems: list[SchedulingProblem],
    start: datetime,
    time_limit_s: float = SCHEDULER_TIME_LIMIT_S,
) -> Schedule:
    """The fleet scheduler's plan for each dock, merged (deterministic for the problems)."""
    plans = [_dock_plan(p, time_limit_s) for p in problems]
    return Schedule(
        start,
        tuple(v for p in plans for v in p.vehicles),
        tuple(u for p in plans for u in p.unassigned),
        solver_runtime_s=sum(p.solver_runtime_s for p in plans),
    )


def _solve(problem: SchedulingProblem, time_limit_s: float) -> Schedule:
    return schedule(problem, time_limit_s=time_limit_s, max_iterations=SCHEDULER_ITERATIONS)


def _dock_plan(problem: SchedulingProblem, time_limit_s: float) -> Schedule:
    """One dock's plan, in two passes: the missions the first pass left out because the fleet
    was busy or their window looked too short are planned again on the vehicles as the first
    plan leaves them (it fills the fewest vehicles first, so others are idle)."""
    first = _solve(problem, time_limit_s)
    again = {u.mission_id for u in first.unassigned if u.reason in RETRIED}
    if not again:
        return first
    home = {v.id: v.home_dock_id for v in problem.vehicles}
    ready = tuple(
        VehicleAvailability(
            v.vehicle_id,
            v.trips[-1].end_dock_id if v.trips else home[v.vehicle_id],
            v.trips[-1].ready_again if v.trips else problem.start,
        )
        for v in first.vehicles
    )
    rest = replace(
        problem, missions=tuple(m for m in problem.missions if m.id in again), availability=ready
    )
    second = _solve(rest, time_limit_s)
    trips = {v.vehicle_id: v.trips for v in second.vehicles}
    return Schedule(
        first.start,
        tuple(
            VehicleSchedule(v.vehicle_id, v.trips + trips.get(v.vehicle_id, ()))
            for v in first.vehicles
        ),
        tuple(u for u in first.unassigned if u.mission_id not in again) + second.unassigned,
        solver_runtime_s=first.solver_runtime_s + second.solver_runtime_s,
    )


def sorties(
    plan: Schedule, kinds: dict[str, str], ranks: dict[str, int] | None = None
) -> list[Sortie]:
    """The plan's trips cut into sorties, in the order the plan starts them.

    Args:
        plan: the scheduler's plan.
        kinds: vehicle id -> ``multicopter`` | ``ground_robot``.
        ranks: mission id -> urgency (0 medical, 1 urgent, 2 normal; default 2).
    """
    out: list[Sortie] = []
    relay_robot: dict[str, int] = {}
    for vehicle_id, trip in plan.trips:
        if kinds[vehicle_id] != "multicopter":
            relay_robot.update(
                (s.mission_id, int(vehicle_id)) for s in trip.stops if s.kind is StopKind.COLLECT
            )
        out.extend(_cut(int(vehicle_id), kinds[vehicle_id] == "multicopter", trip))
    seen: set[int] = set()
    for sortie in sorted(out, key=lambda s: (s.begins, s.mission_ids[0])):
        # a survey split in parts is flown whole, in its first part's sortie
        sortie.mission_ids = [m for m in sortie.mission_ids if m not in seen]
        seen.update(sortie.mission_ids)
        if sortie.transfer is not None:
            sortie.robot_id = relay_robot.get(str(sortie.mission_ids[0]))
        sortie.rank = min((ranks or {}).get(str(m), 2) for m in sortie.mission_ids or [0])
    return sorted((s for s in out if s.mission_ids), key=lambda s: (s.begins, s.mission_ids[0]))


def _cut(vehicle_id: int, flies: bool, trip: Trip) -> list[Sortie]:
    """A trip's sorties: a new one at each pickup after a dropoff (the vehicle is back at
    the dock), and one of its own for each inspection and each relay hand-over."""
    out: list[Sortie] = []
    current: Sortie | None = None
    collected = {s.mission_id for s in trip.stops if s.kind is StopKind.COLLECT}
    for stop in trip.stops:
        mission_id = int(stop.mission_id)
        if stop.mission_id in collected:
            continue  # a relay's last stretch: the robot drives it in the drone's sortie
        if stop.kind is StopKind.INSPECT:
            out.append(Sortie(vehicle_id, flies, stop.begin, [mission_id]))
        elif stop.kind is StopKind.HANDOVER:
            point = (stop.point.lon_deg, stop.point.lat_deg)
            out.append(Sortie(vehicle_id, flies, stop.begin, [mission_id], transfer=point))
        elif stop.kind is StopKind.PICKUP and (current is None or current.mission_ids):
            current = Sortie(vehicle_id, flies, stop.begin)
            out.append(current)
        elif stop.kind is StopKind.DROPOFF and current is not None:
            current.mission_ids.append(mission_id)
    kept = [s for s in out if s.mission_ids]
    if not kept:  # e.g. a robot trip that only drives relays' last stretches
        return []
    ends = [s.begins for s in kept[1:]] + [trip.arrival]
    for sortie, end in zip(kept, ends, strict=True):
        sortie.planned_s = max(0.0, (end - sortie.begins).total_seconds())
    return kept


def apply_schedule(
    session: Session,
    plan: Schedule,
    placed: list[Sortie],
    bus: EventBus,
    now: datetime,
    *,
    actor: str = ACTOR,
    fail_left_out: bool = True,
) -> dict[int, str]:
    """Move each placed mission to ``scheduled`` on its vehicle; the ones left out are failed
    with the scheduler's reason (``fail_left_out``) or stay ``requested``.

    Returns:
        Mission id -> the scheduler's reason, for every mission it left out.
    """
    on = {m: s.vehicle_id for s in placed for m in s.mission_ids}
    transfers = {s.mission_ids[0]: s.transfer for s in placed if s.transfer and s.mission_ids}
    for mission_id, vehicle_id in on.items():
        row = lifecycle.schedule(session, mission_id, actor, commit=False, clock=lambda: now)
        row.vehicle_id = vehicle_id
        point = transfers.get(mission_id)
        if point is not None and not isinstance(row.spec.get("transfer"), dict):
            # the transfer point picked on open ground, so a hand approval flies it too
            row.spec = {**row.spec, "transfer": {"lon_deg": point[0], "lat_deg": point[1]}}
        session.add(row)
    session.commit()
    for mission_id in on:
        scheduled = session.get(MissionRow, mission_id)
        assert scheduled is not None
        bus.publish_mission_state(scheduled)
    left: dict[int, str] = {}
    for u in plan.unassigned:
        mission_id = int(u.mission_id)
        if mission_id in left or mission_id in on:
            continue
        left[mission_id] = f"not scheduled ({u.reason.value}): {u.detail}"
        if fail_left_out:
            reason = left[mission_id][:480]
            lifecycle.fail(session, mission_id, actor, reason, bus=bus, clock=lambda: now)
    return left
