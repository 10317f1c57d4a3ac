"""The demo's dispatcher: requested deliveries -> scheduled -> planned -> reserved -> approved.

Greedy and time-aware: missions are taken by priority (medical, urgent, normal) then earliest
pickup; each goes to the multicopter of its pickup dock that can leave first. Its legs are
planned with the airspace planner over the city (dock -> dropoff, back to the dock; for a relay:
dock -> transfer point and back, plus the ground robot's drive to the transfer point, the last
stretch and its way home, planned at street level). A mission's flying legs are reserved as one
F3548 operational intent through the product's atomic path
(:func:`fleet.service.approval.book_legs` -> :func:`fleet.service.reservations.reserve`, checked
against every committed live intent under the airspace lock), whose transaction also stores the
legs and moves the mission to ``approved``; on a conflict the whole mission departs
``delay_step_s`` later, up to ``max_delay_s``, and is failed with the blocking reason beyond.
Nothing is assumed: a leg that cannot be planned fails its mission with the planner's reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import shapely
from sqlmodel import Session, col, select

from airspace.city import City
from airspace.errors import AirspaceError
from airspace.intents.volume import Volume4D
from airspace.planner import Clearances, Planner, VehicleProfile
from airspace.route import Route
from airspace.volumes import VolumeSettings, route_to_volumes
from fleet import lifecycle
from fleet.demo.inspect import inspection_leg
from fleet.demo.scenario import pad_lonlat
from fleet.errors import InfeasibleMission
from fleet.service.approval import book_legs
from fleet.service.context import ServiceContext
from fleet.service.events import EventBus
from fleet.service.legs import PlannedLeg
from fleet.service.reservations import Refused
from fleet.service.timing import SpeedProfile, retime
from fleet.storage.tables import Dock, MissionRow, VehicleRow

ACTOR = "demo-dispatcher"
RANK = {"medical": 0, "urgent": 1, "normal": 2}
LonLat = tuple[float, float]
DEMO_VOLUMES = VolumeSettings(lateral_buffer_m=10.0, time_buffer_s=45.0, time_uncertainty_per_s=0.1)
"""10 m either side of the route: the simulated fleet holds its track within a few metres (the
default 15 m would make the 35 m-apart pads of one dock block each other's columns); time
margins wider than the default: the vehicles slow down at every waypoint, which the planner's
timing does not model."""


@dataclass
class DispatchTools:
    """What the dispatcher plans and reserves with."""

    air: Planner
    ground: Planner
    context: ServiceContext  # reservations go through its database (fleet.service.reservations)
    drone: VehicleProfile
    robot: VehicleProfile
    drone_speeds: SpeedProfile  # how the drones fly their mission items (reserved ETAs)
    robot_speeds: SpeedProfile
    turnaround_s: float = 120.0  # battery swap and parcel loading at the dock
    handover_s: float = 20.0  # parcel dropped or handed over at a pad
    delay_step_s: float = 30.0
    max_delay_s: float = 1200.0
    lead_s: float = 20.0  # earliest departure after dispatch (upload, arming)
    volumes: VolumeSettings = field(default_factory=lambda: DEMO_VOLUMES)
    free_at: dict[int, datetime] = field(default_factory=dict)
    pads: dict[int, LonLat] = field(default_factory=dict)


def vehicle_pads(vehicles: list[VehicleRow], docks: list[Dock]) -> dict[int, LonLat]:
    """Each vehicle's pad at its home dock: the ``k``-th vehicle of a dock (by id) gets pad k."""
    by_dock: dict[int, list[VehicleRow]] = {}
    for v in sorted(vehicles, key=lambda v: v.id or 0):
        if v.home_dock_id is not None:
            by_dock.setdefault(v.home_dock_id, []).append(v)
    pads = {}
    for dock in docks:
        for k, v in enumerate(by_dock.get(dock.id or -1, [])):
            pads[v.id or 0] = pad_lonlat((dock.lon_deg, dock.lat_deg), k)
    return pads


def _point(spec: dict[str, Any], key: str) -> LonLat:
    return float(spec[key]["lon_deg"]), float(spec[key]["lat_deg"])


def _nearest(docks: list[Dock], p: LonLat) -> Dock:
    return min(docks, key=lambda d: (d.lon_deg - p[0]) ** 2 + (d.lat_deg - p[1]) ** 2)


def _plan(tools: DispatchTools, a: LonLat, b: LonLat, when: datetime, flies: bool) -> Route:
    """Plan a flight or a drive, timed as the vehicle flies its items (stops included)."""
    try:
        if flies:
            route = tools.air.plan((*a, 0.0), (*b, 0.0), tools.drone, departure=when)
            return retime(route, tools.drone_speeds)
        route = tools.ground.plan(
            (*a, 0.0),
            (*b, 0.0),
            tools.robot,
            departure=when,
            min_cruise_agl_m=0.0,
            cruise_agl_m=0.0,
        )
        return retime(route, tools.robot_speeds, flies=False)
    except (AirspaceError, ValueError) as exc:
        kind = "flight" if flies else "drive"
        raise InfeasibleMission(f"no {kind} route: {exc}") from exc


def _leg(tools: DispatchTools, vehicle_id: int, route: Route, flies: bool) -> PlannedLeg:
    speeds = tools.drone_speeds if flies else tools.robot_speeds
    return PlannedLeg(vehicle_id, route, flies, cruise_speed_mps=speeds.cruise_speed_mps)


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


def _after(route: Route, pause_s: float) -> datetime:
    return route.arrival + timedelta(seconds=pause_s)


def _delivery_legs(
    tools: DispatchTools,
    spec: dict[str, Any],
    drone: VehicleRow,
    robot: VehicleRow | None,
    depart: datetime,
) -> list[PlannedLeg]:
    """Legs of one delivery departing at ``depart`` (drone out and back; robot legs for relays)."""
    assert drone.id is not None
    dropoff = _point(spec, "dropoff")
    base = tools.pads[drone.id]  # the parcel is loaded at the dock, on the drone's pad
    relay = bool(spec.get("relay_requested"))
    pad = transfer_point(tools.air.city, dropoff, base) if relay else dropoff
    out = _plan(tools, base, pad, depart, flies=True)
    back = _plan(tools, pad, base, _after(out, tools.handover_s), flies=True)
    legs = [_leg(tools, drone.id, out, True)]
    if robot is None or not relay:
        return [*legs, _leg(tools, drone.id, back, True)]
    assert robot.id is not None
    home = tools.pads[robot.id]
    probe = _plan(tools, home, pad, depart, flies=False)
    leave = max(depart, out.arrival - timedelta(seconds=probe.duration_s))
    to_pad = probe.shifted(leave - probe.departure)  # at the pad when the drone lands
    meet = max(out.arrival, to_pad.arrival)
    last = _plan(tools, pad, dropoff, meet + timedelta(seconds=tools.handover_s), flies=False)
    home_run = _plan(tools, dropoff, home, _after(last, tools.handover_s), flies=False)
    robot_legs = [_leg(tools, robot.id, r, False) for r in (to_pad, last, home_run)]
    every = [*robot_legs, legs[0], _leg(tools, drone.id, back, True)]
    return sorted(every, key=lambda leg: leg.route.departure)


def _volumes(tools: DispatchTools, legs: list[PlannedLeg]) -> tuple[Volume4D, ...]:
    return tuple(v for leg in legs if leg.flies for v in route_to_volumes(leg.route, tools.volumes))


def _book(
    tools: DispatchTools, mission: MissionRow, legs: list[PlannedLeg], now: datetime
) -> str | None:
    """Book one intent for the mission's flying legs through the service's atomic path
    and approve the mission in the same transaction; ``None`` when booked, else why not."""
    volumes = _volumes(tools, legs)
    if not volumes:
        raise InfeasibleMission("the mission has no flying leg to reserve")
    outcome = book_legs(
        tools.context, mission, legs, volumes, actor=ACTOR, refuse_preemption=True, now=now
    )
    if isinstance(outcome, Refused):
        return outcome.explanation
    for leg in legs:
        tools.free_at[leg.vehicle_id] = leg.route.arrival + timedelta(seconds=tools.turnaround_s)
    return None


def _first_free(
    tools: DispatchTools, mission: MissionRow, base: list[PlannedLeg], now: datetime
) -> str | None:
    """Book the first departure (in ``delay_step_s`` steps) whose flying legs all reserve;
    ``None`` when booked, else the last refusal."""
    why = "no departure tried"
    for k in range(int(tools.max_delay_s // tools.delay_step_s) + 1):
        legs = [leg.shifted(timedelta(seconds=k * tools.delay_step_s)) for leg in base]
        refusal = _book(tools, mission, legs, now)
        if refusal is None:
            return None
        why = refusal
    return why


def _place(
    tools: DispatchTools,
    mission: MissionRow,
    drone: VehicleRow,
    robot: VehicleRow | None,
    earliest: datetime,
    now: datetime,
) -> None:
    """Plan the delivery at its earliest start and book the first free departure."""
    assert drone.id is not None
    start = max(earliest, tools.free_at[drone.id])
    if robot is not None and robot.id is not None:
        start = max(start, tools.free_at[robot.id])
    base = _delivery_legs(tools, mission.spec, drone, robot, start)
    why = _first_free(tools, mission, base, now)
    if why is not None:
        raise InfeasibleMission(
            f"airspace busy for {tools.max_delay_s:.0f} s after {start:%H:%M:%S}: {why}"
        )


def dispatch(
    session: Session, tools: DispatchTools, bus: EventBus, now: datetime
) -> dict[int, str]:
    """Schedule, plan, reserve and approve every requested delivery.

    Args:
        session: database session.
        tools: planners, deconfliction engine, profiles, vehicle availability.
        bus: where state changes are published.
        now: the current (simulated) time.

    Returns:
        Mission id -> reason for every mission that could not be dispatched (it is failed).
    """
    missions = session.exec(
        select(MissionRow).where(MissionRow.state == "requested", MissionRow.kind == "delivery")
    ).all()
    vehicles = list(session.exec(select(VehicleRow)).all())
    docks = list(session.exec(select(Dock)).all())
    for v in vehicles:
        assert v.id is not None
        tools.free_at.setdefault(v.id, now + timedelta(seconds=tools.lead_s))
    tools.pads.update(vehicle_pads(vehicles, docks))
    ordered = sorted(missions, key=lambda m: (RANK.get(m.priority, 3), m.spec["earliest_pickup"]))
    return _each_or_fail(
        session,
        ordered,
        lambda m: _dispatch_one(session, m, vehicles, docks, tools, bus, now),
        bus,
        now,
    )


def _each_or_fail(
    session: Session,
    missions: Sequence[MissionRow],
    handle: Callable[[MissionRow], None],
    bus: EventBus,
    now: datetime,
) -> dict[int, str]:
    """Run ``handle`` on each mission; one it refuses is rolled back and failed with the reason."""
    failures: dict[int, str] = {}
    for mission in missions:
        assert mission.id is not None
        try:
            handle(mission)
        except InfeasibleMission as exc:
            session.rollback()
            failures[mission.id] = str(exc)
            lifecycle.fail(session, mission.id, ACTOR, str(exc)[:480], bus=bus, clock=lambda: now)
    return failures


def _dispatch_one(
    session: Session,
    mission: MissionRow,
    vehicles: list[VehicleRow],
    docks: list[Dock],
    tools: DispatchTools,
    bus: EventBus,
    now: datetime,
) -> None:
    spec = mission.spec
    dock = _nearest(docks, _point(spec, "pickup"))
    drones = [
        v
        for v in vehicles
        if v.kind == "multicopter"
        and v.home_dock_id == dock.id
        and float(v.spec.get("payload_capacity_kg", 0.0)) >= float(spec["payload_kg"])
    ]
    if not drones:
        raise InfeasibleMission(f"no drone at {dock.name} can carry {spec['payload_kg']} kg")
    drone = min(drones, key=lambda v: tools.free_at[v.id or 0])
    robot = _robot_for(spec, vehicles, tools)
    earliest = max(datetime.fromisoformat(spec["earliest_pickup"]), now)
    _place(tools, mission, drone, robot, earliest, now)


def _robot_for(
    spec: dict[str, Any], vehicles: list[VehicleRow], tools: DispatchTools
) -> VehicleRow | None:
    """The ground robot for a relay: the one whose pad is nearest the dropoff, then free first."""
    if not spec.get("relay_requested"):
        return None
    robots = [v for v in vehicles if v.kind == "ground_robot" and v.id in tools.pads]
    if not robots:
        raise InfeasibleMission("relay requested but the fleet has no ground robot at a dock")
    lon, lat = _point(spec, "dropoff")

    def rank(v: VehicleRow) -> tuple[float, datetime]:
        plon, plat = tools.pads[v.id or 0]
        return (plon - lon) ** 2 + (plat - lat) ** 2, tools.free_at[v.id or 0]

    return min(robots, key=rank)


def requested_ids(session: Session) -> list[int]:
    """Ids of the missions still ``requested`` (for the caller's progress display)."""
    rows = session.exec(select(MissionRow.id).where(col(MissionRow.state) == "requested"))
    return [int(i) for i in rows if i is not None]


def dispatch_inspections(
    session: Session, tools: DispatchTools, bus: EventBus, now: datetime, clearances: Clearances
) -> dict[int, str]:
    """Schedule, plan (transit + survey, verified), reserve and approve requested inspections.

    Returns:
        Mission id -> reason for every inspection that could not be dispatched (it is failed).
    """
    rows = session.exec(
        select(MissionRow).where(MissionRow.state == "requested", MissionRow.kind == "inspection")
    ).all()
    vehicles = list(session.exec(select(VehicleRow)).all())
    docks = list(session.exec(select(Dock)).all())
    tools.pads.update(vehicle_pads(vehicles, docks))
    return _each_or_fail(
        session,
        rows,
        lambda m: _inspect_one(session, m, vehicles, docks, tools, bus, now, clearances),
        bus,
        now,
    )


def _inspect_one(
    session: Session,
    mission: MissionRow,
    vehicles: list[VehicleRow],
    docks: list[Dock],
    tools: DispatchTools,
    bus: EventBus,
    now: datetime,
    clearances: Clearances,
) -> None:
    spec = mission.spec
    polygon = spec["target"]["polygon"]
    centre = (sum(p[0] for p in polygon) / len(polygon), sum(p[1] for p in polygon) / len(polygon))
    dock = _nearest(docks, centre)
    drones = [
        v
        for v in vehicles
        if v.kind == "multicopter" and v.home_dock_id == dock.id and v.spec.get("camera")
    ]
    if not drones:
        raise InfeasibleMission(f"no drone with a camera at {dock.name}")
    drone = min(drones, key=lambda v: tools.free_at[v.id or 0])
    assert drone.id is not None
    start = max(datetime.fromisoformat(spec["window_start"]), now, tools.free_at[drone.id])
    route, items = inspection_leg(
        tools.air, spec, tools.drone, tools.pads[drone.id], start, clearances
    )
    base = [PlannedLeg(drone.id, route, True, tuple(items))]
    why = _first_free(tools, mission, base, now)
    if why is not None:
        raise InfeasibleMission(f"airspace busy for {tools.max_delay_s:.0f} s: {why}")
