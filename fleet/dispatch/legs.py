"""Plan a scheduled sortie's legs around the live intents and the active zones, the time-aware way.

Every flying leg goes through the airspace module's fix search
(:func:`airspace.deconfliction.fixes.plan_and_reserve`): planned over the city around the zones
active at its departure, and when it meets a live intent, fixed the cheapest way (the smallest
free delay, another cruise height, or a reroute around the busy volumes). The search runs on a
snapshot of the service's committed live intents; the dispatcher books the result through the
service's atomic path (:func:`fleet.service.approval.book_legs`), which checks it again. A leg
no fix can clear within the limits refuses its mission with the exact blockers.

The timing is the service approval's (:class:`fleet.service.approval.ApprovalSettings`: lead,
handover at a dropoff, acceleration and landing speed in the reserved ETAs). Vehicles fly from
their own pad at their dock (:mod:`fleet.dispatch.pads`), and every route is retimed as the
vehicles fly its items (they stop at each waypoint), so the reserved times are the flown ones.
A relay's ground robot drives at street level from its pad to the transfer point (there when
the drone lands), then to the dropoff, then home; ground legs reserve no airspace. An
inspection is the service's inspection flight (:mod:`fleet.service.inspection_flight`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from airspace.deconfliction import DeconflictionEngine
from airspace.deconfliction.fixes import (
    Blocked,
    FixSettings,
    FlightRequest,
    PlanRequest,
    plan_and_reserve,
)
from airspace.deconfliction.replan import planner_for
from airspace.errors import AirspaceError, PlanningError
from airspace.intents import PRIORITY_NORMAL
from airspace.intents.volume import Volume4D
from airspace.planner import Planner, VehicleProfile
from airspace.route import Route
from airspace.volumes import VolumeSettings
from airspace.zones import Zone
from fleet.errors import InfeasibleMission
from fleet.model import Inspection
from fleet.service.approval import ApprovalSettings, live_snapshot
from fleet.service.context import ServiceContext
from fleet.service.domain import domain_mission, domain_vehicle
from fleet.service.drives import ROBOT_SPEEDS
from fleet.service.inspection_flight import inspection_flight
from fleet.service.legs import PlannedLeg
from fleet.service.routes import active_zones
from fleet.service.timing import SpeedProfile, retime
from fleet.storage.tables import MissionRow, VehicleRow

LonLat = tuple[float, float]
DROPOFF_SERVICE_S = 60.0  # fleet.model.Delivery.dropoff_service_s: the scheduler's stop there
DISPATCH_VOLUMES = VolumeSettings(
    lateral_buffer_m=10.0, time_buffer_s=60.0, time_uncertainty_per_s=0.15
)
"""10 m either side of the route: a dock's pads stand 35 m apart, and the default 15 m would
make their take-off and landing columns block each other. Time margins wider than the default:
a leg starts a few tens of seconds late after a landing is confirmed, the upload and arming."""
DISPATCH_FIXES = FixSettings(
    max_delay=timedelta(minutes=20), reroute_penalty_s=600.0, volumes=DISPATCH_VOLUMES
)
"""A reroute (a planner search around the busy volumes: the slowest fix) is only sought when
no delay under ten minutes or other cruise height clears the flight."""
DISPATCH_APPROVAL = ApprovalSettings(handover_s=DROPOFF_SERVICE_S, fixes=DISPATCH_FIXES)
"""The service approval's timing (lead, acceleration, landing speed) with the dispatcher's fix
search, and the scheduler's time at a dropoff (``Delivery.dropoff_service_s``) as the handover,
so the flights keep the plan's pace. At a dropoff the runner confirms the landing, uploads the
next leg and starts it: 20 s (a hand approval's handover) is too short for that once a
simulated fleet runs faster than real time."""
DRONE = VehicleProfile(cruise_speed_mps=12.0, climb_rate_mps=3.0, descent_rate_mps=1.5)
ROBOT = VehicleProfile(
    cruise_speed_mps=ROBOT_SPEEDS.cruise_speed_mps, climb_rate_mps=1.0, descent_rate_mps=1.0
)


@dataclass(frozen=True, slots=True)
class LegTools:
    """What legs are planned and checked with: the service's planners, its approval timing.

    Attributes:
        context: the running service (planners, database, clock).
        air: the flight planner over the city (the service's).
        ground: the street-level planner of ground robots (the service's).
        settings: the approval's lead, handover, speeds and fix search.
        robot_settle_s: between two legs of a robot: the runner confirms a rover's arrival
            about a minute after it stops, and the next leg must not start late for it.
    """

    context: ServiceContext
    air: Planner
    ground: Planner
    settings: ApprovalSettings = DISPATCH_APPROVAL
    robot_settle_s: float = 90.0
    drone: VehicleProfile = DRONE
    robot: VehicleProfile = ROBOT

    @property
    def handover_s(self) -> float:
        """Time at a dropoff or transfer point before the next leg."""
        return self.settings.handover_s

    @property
    def fixes(self) -> FixSettings:
        """The fix search's limits and volume buffers."""
        return self.settings.fixes

    @property
    def volumes(self) -> VolumeSettings:
        """How routes are wrapped in volumes."""
        return self.settings.fixes.volumes

    @property
    def drone_speeds(self) -> SpeedProfile:
        """How drones fly their items (the reserved ETAs)."""
        s = self.settings
        d = self.drone
        return SpeedProfile(
            d.cruise_speed_mps, s.accel_mps2, d.climb_rate_mps, d.descent_rate_mps, s.land_speed_mps
        )

    @property
    def robot_speeds(self) -> SpeedProfile:
        """How robots drive their items."""
        return ROBOT_SPEEDS

    def zones(self, when: datetime) -> list[Zone]:
        """The service's zones active at ``when``."""
        with self.context.sessions() as session:
            return active_zones(session, when)


def leg_tools(context: ServiceContext, settings: ApprovalSettings = DISPATCH_APPROVAL) -> LegTools:
    """The service's planners and approval timing.

    Raises:
        InfeasibleMission: no buildings loaded.
    """
    if context.planner is None or context.ground_planner is None:
        raise InfeasibleMission("no buildings loaded: POST /buildings or SKYFLEET_BUILDINGS_PATH")
    return LegTools(context, context.planner, context.ground_planner, settings)


@dataclass(frozen=True, slots=True)
class MissionLegs:
    """A mission's legs in departure order and the volumes reserving its flying ones."""

    legs: list[PlannedLeg]
    volumes: tuple[Volume4D, ...]
    fixes: tuple[str, ...]  # how each flying leg was fixed ("none", "delay", ...)


class LegFailed(InfeasibleMission):
    """A mission of a sortie cannot be planned; ``mission_id`` says which."""

    def __init__(self, mission_id: int, reason: str) -> None:
        super().__init__(reason)
        self.mission_id = mission_id


class _Flights:
    """The legs of one mission; flying ones fixed against a snapshot of the live intents."""

    def __init__(
        self, tools: LegTools, mission: MissionRow, snapshot: DeconflictionEngine | None = None
    ) -> None:
        self.tools = tools
        self.mission = mission
        self.snapshot = live_snapshot(tools.context) if snapshot is None else snapshot
        self.volumes: list[Volume4D] = []
        self.fixes: list[str] = []

    def fly(self, plan: Callable[[PlanRequest], Route], depart: datetime) -> Route:
        """The fixed route of one flight departing no earlier than ``depart``.

        Raises:
            InfeasibleMission: no route, or no fix clears the live intents within the limits.
        """
        # searched as the lowest priority: every live intent blocks (the booking refuses to
        # preempt, so a medical flight must not be planned through a normal one's volumes)
        request = FlightRequest(
            str(uuid.uuid4()), str(self.mission.operator_id), depart, PRIORITY_NORMAL
        )
        try:
            result = plan_and_reserve(self.snapshot, plan, request, self.tools.fixes)
        except (AirspaceError, ValueError) as exc:
            raise InfeasibleMission(f"no flight route: {exc}") from exc
        if isinstance(result, Blocked):
            raise InfeasibleMission(
                f"airspace busy ({result.reason}, up to "
                f"{self.tools.fixes.max_delay.total_seconds():.0f} s delay): "
                f"{result.conflict.explain()}"
            )
        self.snapshot.remove(request.intent_id)  # one vehicle: its own legs never conflict
        self.volumes.extend(result.fix.volumes)
        self.fixes.append(result.fix.kind.value)
        return result.fix.route

    def between(self, a: LonLat, b: LonLat, depart: datetime) -> Route:
        """The fixed flight from ``a`` to ``b`` (ground to ground), timed as the drone flies."""
        t = self.tools
        zones = t.zones(depart)
        planner = planner_for(t.air, (*a, 0.0), (*b, 0.0), t.drone, zones=zones, volumes=t.volumes)
        return self.fly(lambda request: retime(planner(request), t.drone_speeds), depart)

    def done(self, legs: list[PlannedLeg]) -> MissionLegs:
        """The mission's legs in departure order, its volumes and fixes."""
        ordered = sorted(legs, key=lambda leg: leg.route.departure)
        return MissionLegs(ordered, tuple(self.volumes), tuple(self.fixes))


def drive(tools: LegTools, a: LonLat, b: LonLat, when: datetime) -> Route:
    """A ground robot's drive at street level, timed as the robot drives its items.

    Raises:
        InfeasibleMission: no street route.
    """
    try:
        route = tools.ground.plan(
            (*a, 0.0),
            (*b, 0.0),
            tools.robot,
            departure=when,
            min_cruise_agl_m=0.0,
            cruise_agl_m=0.0,
        )
    except (AirspaceError, ValueError) as exc:
        raise InfeasibleMission(f"no drive route: {exc}") from exc
    return retime(route, tools.robot_speeds, flies=False)


def _air(tools: LegTools, vehicle_id: int, route: Route) -> PlannedLeg:
    return PlannedLeg(vehicle_id, route, True, cruise_speed_mps=tools.drone_speeds.cruise_speed_mps)


def _ground(tools: LegTools, vehicle_id: int, route: Route) -> PlannedLeg:
    return PlannedLeg(
        vehicle_id, route, False, cruise_speed_mps=tools.robot_speeds.cruise_speed_mps
    )


def _after(route: Route, pause_s: float) -> datetime:
    return route.arrival + timedelta(seconds=pause_s)


def sortie_legs(
    tools: LegTools,
    missions: list[MissionRow],
    vehicle: tuple[int, LonLat],
    flies: bool,
    depart: datetime,
    start: LonLat | None = None,
) -> list[MissionLegs]:
    """A sortie's legs: pad -> first dropoff -> ... -> last dropoff -> pad, each mission owning
    the leg to its dropoff (the last one also the way home); flights are fixed against the
    live intents in turn, drives planned at street level. A vehicle standing away from its
    pad (``start``: a recalled flight or a cut relay left it there) goes to it first.

    Raises:
        LegFailed: a mission's leg has no route or no fix (the mission is named).
    """
    vehicle_id, pad = vehicle
    snapshot = live_snapshot(tools.context) if flies else None
    pause_s = tools.handover_s if flies else tools.robot_settle_s
    here, when, out = start or pad, depart, []
    for k, mission in enumerate(missions):
        assert mission.id is not None
        flights = _Flights(tools, mission, snapshot)
        drop = _point(mission.spec, "dropoff")
        try:
            routes = []
            if here != pad and k == 0:  # back to the dock for the parcels first
                routes.append(_go(flights, here, pad, when, flies))
                here, when = pad, _after(routes[-1], pause_s)
            routes.append(_go(flights, here, drop, when, flies))
            if k == len(missions) - 1:
                routes.append(_go(flights, drop, pad, _after(routes[-1], pause_s), flies))
        except InfeasibleMission as exc:
            raise LegFailed(mission.id, str(exc)) from exc
        make = _air if flies else _ground
        out.append(flights.done([make(tools, vehicle_id, r) for r in routes]))
        here, when = drop, _after(routes[-1 if k < len(missions) - 1 else -2], pause_s)
    return split_in_time(out)


def _clipped(
    volumes: tuple[Volume4D, ...], *, start: datetime | None = None, end: datetime | None = None
) -> tuple[Volume4D, ...]:
    """The volumes cut to ``[start, end]``; those left with no time are dropped."""
    out = []
    for v in volumes:
        t0 = v.time_start if start is None else max(v.time_start, start)
        t1 = v.time_end if end is None else min(v.time_end, end)
        if t1 > t0:
            out.append(replace(v, time_start=t0, time_end=t1))
    return tuple(out)


def split_in_time(sortie: list[MissionLegs], margin_s: float = 5.0) -> list[MissionLegs]:
    """The sortie's intents made disjoint in time: each mission's volumes end, and the next
    one's begin, ``margin_s`` before the next mission's departure.

    One vehicle flies them in turn, so they never meet, but their time buffers overlap at the
    dropoff they share (the landing there, then the take-off), and the service books every
    intent against all the others. The cut keeps the landing's buffer up to the take-off (the
    runner never starts a leg early, so a take-off needs no buffer before its departure).
    """
    out = list(sortie)
    for k in range(len(out) - 1):
        nxt = out[k + 1]
        if not out[k].volumes or not nxt.volumes:
            continue
        split = nxt.legs[0].route.departure - timedelta(seconds=margin_s)
        out[k] = replace(out[k], volumes=_clipped(out[k].volumes, end=split))
        out[k + 1] = replace(nxt, volumes=_clipped(nxt.volumes, start=split + timedelta(seconds=1)))
    return out


def _go(flights: _Flights, a: LonLat, b: LonLat, when: datetime, flies: bool) -> Route:
    return flights.between(a, b, when) if flies else drive(flights.tools, a, b, when)


def relay_legs(
    tools: LegTools,
    mission: MissionRow,
    drone: tuple[int, LonLat],
    robot: tuple[int, LonLat],
    transfer: LonLat,
    depart: datetime,
) -> MissionLegs:
    """A relay: the drone flies the parcel to ``transfer`` and back; the robot, waiting there
    when the drone lands, drives it to the dropoff and goes home.

    Raises:
        InfeasibleMission: no route or no fix.
    """
    flights = _Flights(tools, mission)
    (drone_id, pad), (robot_id, home) = drone, robot
    dropoff = _point(mission.spec, "dropoff")
    out = flights.between(pad, transfer, depart)
    probe = drive(tools, home, transfer, depart)
    # at the pad before the drone lands, but after it takes off: the runner starts a leg only
    # once the legs arriving before its departure are confirmed, and a rover's arrival is
    # confirmed late (robot_settle_s), which would hold the drone on the ground
    there = max(
        out.departure + timedelta(seconds=1), out.arrival - timedelta(seconds=tools.robot_settle_s)
    )
    leave = max(depart, there - timedelta(seconds=probe.duration_s))
    to_pad = probe.shifted(leave - probe.departure)
    meet = max(out.arrival, to_pad.arrival + timedelta(seconds=tools.robot_settle_s))
    last = drive(tools, transfer, dropoff, meet + timedelta(seconds=tools.handover_s))
    home_run = drive(tools, dropoff, home, _after(last, tools.robot_settle_s))
    # the drone hands the parcel over once the robot is there and its arrival confirmed (the
    # runner starts the flight back only after the robot's leg there has ended)
    back = flights.between(transfer, pad, meet + timedelta(seconds=tools.handover_s))
    ground = [_ground(tools, robot_id, r) for r in (to_pad, last, home_run)]
    return flights.done([*ground, _air(tools, drone_id, out), _air(tools, drone_id, back)])


def survey_legs(
    tools: LegTools,
    mission: MissionRow,
    vehicle: VehicleRow,
    pad: LonLat,
    depart: datetime,
) -> MissionLegs:
    """An inspection: the service's inspection flight (transit, pattern, transit back) from
    the drone's pad, around the active zones, checked by the verifier and the battery.

    Only a delay can fix it: the pattern's height and path are the pattern's.

    Raises:
        InfeasibleMission: no route, the verifier refused it, or no delay clears it.
    """
    assert vehicle.id is not None
    flights = _Flights(tools, mission)
    inspection = domain_mission(mission)
    if not isinstance(inspection, Inspection):
        raise InfeasibleMission(f"mission {mission.id} is not an inspection")
    drone = domain_vehicle(vehicle)
    speeds = tools.drone_speeds
    items: list[Any] = []

    def plan(request: PlanRequest) -> Route:
        if request.cruise_agl_m is not None or request.avoid:
            raise PlanningError("a survey flies its pattern's height and path")
        zones = tools.zones(request.departure)
        try:
            flight = inspection_flight(
                tools.air, inspection, drone, pad, request.departure, speeds, zones
            )
        except InfeasibleMission as exc:
            raise PlanningError(str(exc)) from exc
        items[:] = flight.items
        return flight.route

    route = flights.fly(plan, depart)
    leg = PlannedLeg(vehicle.id, route, True, tuple(items), speeds.cruise_speed_mps)
    return flights.done([leg])


def _point(spec: dict[str, Any], key: str) -> LonLat:
    return float(spec[key]["lon_deg"]), float(spec[key]["lat_deg"])


def first_departure(missions: Sequence[MissionRow]) -> list[datetime]:
    """Each mission's earliest start: its earliest pickup or its window's start."""
    return [
        datetime.fromisoformat(str(m.spec.get("earliest_pickup") or m.spec["window_start"]))
        for m in missions
    ]
