"""Plan a scheduled mission's legs around the live intents, the time-aware way.

Every flying leg goes through the airspace module's fix search
(:func:`airspace.deconfliction.fixes.plan_and_reserve`): planned over the city, and when it
meets a live intent, fixed the cheapest way (the smallest free delay, another cruise height, or
a reroute around the busy volumes). The search runs on a snapshot of the service's committed
live intents; the caller books the result through the service's atomic path, which checks it
again. A leg no fix can clear within the limits refuses its mission with the exact blockers.

Drones fly from their own pad at their dock (:func:`fleet.demo.dispatch.vehicle_pads`), and
every route is retimed as the simulated vehicles fly its items (they stop at each waypoint), so
the reserved times are the flown times. A relay's ground robot drives at street level from its
pad to the transfer point (there when the drone lands), then to the dropoff, then home; ground
legs reserve no airspace.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
from airspace.planner import Clearances, Planner, VehicleProfile
from airspace.route import Route
from airspace.volumes import VolumeSettings
from fleet.demo.inspect import inspection_leg
from fleet.errors import InfeasibleMission
from fleet.service.approval import live_snapshot
from fleet.service.context import ServiceContext
from fleet.service.legs import PlannedLeg
from fleet.service.timing import SpeedProfile, retime
from fleet.storage.tables import MissionRow

LonLat = tuple[float, float]
DEMO_VOLUMES = VolumeSettings(
    lateral_buffer_m=10.0, time_buffer_s=60.0, time_uncertainty_per_s=0.15
)
"""10 m either side of the route: the simulated fleet holds its track within a few metres (the
default 15 m would make the 35 m-apart pads of one dock block each other's columns). Time
margins wider than the default: at x50 every wall-clock millisecond of MAVLink round trip
(landing confirmed, upload, arming) is 50 simulated ones, so legs start a few tens of seconds
late, and the runner recalls a vehicle found outside its volumes' times."""


DEMO_FIXES = FixSettings(
    max_delay=timedelta(minutes=20), reroute_penalty_s=600.0, volumes=DEMO_VOLUMES
)
"""A reroute (a planner search around the busy volumes: the slowest fix) is only sought when
no delay under ten minutes or other cruise height clears the flight."""


@dataclass
class LegTools:
    """What legs are planned and checked with."""

    air: Planner
    ground: Planner
    context: ServiceContext
    drone: VehicleProfile
    robot: VehicleProfile
    drone_speeds: SpeedProfile  # how the drones fly their mission items (reserved ETAs)
    robot_speeds: SpeedProfile
    clearances: Clearances
    handover_s: float = 60.0  # parcel dropped or handed over at a pad (the scheduler's
    # dropoff service time, fleet.model.Delivery.dropoff_service_s)
    robot_settle_s: float = 90.0  # between two legs of a robot: the runner confirms a rover's
    # arrival about a minute after it stops, and the next leg must not start late for it
    volumes: VolumeSettings = field(default_factory=lambda: DEMO_VOLUMES)
    fixes: FixSettings = field(default_factory=lambda: DEMO_FIXES)


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
        planner = planner_for(t.air, (*a, 0.0), (*b, 0.0), t.drone, volumes=t.volumes)
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
    back = flights.between(transfer, pad, _after(out, tools.handover_s))
    ground = [_ground(tools, robot_id, r) for r in (to_pad, last, home_run)]
    return flights.done([*ground, _air(tools, drone_id, out), _air(tools, drone_id, back)])


def survey_legs(
    tools: LegTools, mission: MissionRow, drone: tuple[int, LonLat], depart: datetime
) -> MissionLegs:
    """An inspection: one flight (transit, survey, transit back) from the drone's pad.

    Only a delay can fix it: the survey's height and path come from the pattern.

    Raises:
        InfeasibleMission: no route, the verifier refused it, or no delay clears it.
    """
    flights = _Flights(tools, mission)
    drone_id, pad = drone
    items: list[Any] = []

    def plan(request: PlanRequest) -> Route:
        if request.cruise_agl_m is not None or request.avoid:
            raise PlanningError("a survey flies its pattern's height and path")
        try:
            route, body = inspection_leg(
                tools.air, mission.spec, tools.drone, pad, request.departure, tools.clearances
            )
        except InfeasibleMission as exc:
            raise PlanningError(str(exc)) from exc
        items[:] = body
        return route

    route = flights.fly(plan, depart)
    return flights.done([PlannedLeg(drone_id, route, True, tuple(items))])


def _point(spec: dict[str, Any], key: str) -> LonLat:
    return float(spec[key]["lon_deg"]), float(spec[key]["lat_deg"])
