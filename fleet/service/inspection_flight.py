"""One inspection flight: transit to the pattern, the pattern itself, transit back.

The pattern (area survey, corridor scan or structure scan, :func:`fleet.patterns.plan_inspection`)
starts with a vertical take-off and ends with RTL: flown as is from a dock in a city it would
cross buildings on the way. The service therefore flies

1. the planner's route from the pad up to the pattern's first waypoint (airborne goal, so it
   climbs where nothing is near and arrives at the survey height),
2. the pattern's own items (speed, camera and gimbal commands, waypoints),
3. the planner's route from its last waypoint back down to the pad,

as one leg whose route is timed as the drone flies it (cruise speed in transit, the pattern's
speed over the target), checked by the independent verifier (:func:`airspace.verify.verify_route`)
and reserved as one operational intent.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from airspace.city import City
from airspace.frames import ground_distance_m
from airspace.planner import Planner, VehicleProfile
from airspace.route import Route, Waypoint
from airspace.verify import verify_route
from airspace.zones import Zone
from firmware_bridge.mission_item import MavCmd, MissionItem
from fleet.errors import InfeasibleMission
from fleet.model import GeoPoint, Inspection, Vehicle
from fleet.patterns import plan_inspection
from fleet.runner.items import change_speed, flight_items
from fleet.service.timing import SpeedProfile, retime

LonLat = tuple[float, float]
_FRAMING = (MavCmd.NAV_TAKEOFF, MavCmd.NAV_RETURN_TO_LAUNCH, MavCmd.NAV_LAND)


@dataclass(frozen=True, slots=True)
class InspectionFlight:
    """The planned flight: its timed route and the mission items that fly it."""

    route: Route
    items: tuple[MissionItem, ...]
    survey_speed_mps: float


def inspection_flight(
    planner: Planner,
    inspection: Inspection,
    vehicle: Vehicle,
    pad: LonLat,
    depart: datetime,
    speeds: SpeedProfile,
    zones: Sequence[Zone] = (),
) -> InspectionFlight:
    """Plan ``inspection`` flown by ``vehicle`` from ``pad`` departing at ``depart``.

    Raises:
        InfeasibleMission: the vehicle cannot fly the pattern (no camera, battery), a transit
            has no route, or the verifier finds the flight too close to a building or in a
            zone (its words).
    """
    pattern = plan_inspection(inspection, vehicle, GeoPoint(*pad))
    body = [i for i in pattern.items if i.command not in _FRAMING]
    survey = [i for i in body if i.command == MavCmd.NAV_WAYPOINT]
    if not survey:
        raise InfeasibleMission("the inspection pattern has no waypoints")
    city = planner.city
    home_amsl_m = city.ground_amsl_m(*pad)
    profile = VehicleProfile(
        cruise_speed_mps=speeds.cruise_speed_mps,
        climb_rate_mps=speeds.climb_rate_mps,
        descent_rate_mps=speeds.descent_rate_mps,
    )
    first, last = survey[0], survey[-1]
    try:
        out = planner.plan(
            (*pad, 0.0), _airborne(city, first, home_amsl_m), profile, departure=depart, zones=zones
        )
        back = planner.plan(
            _airborne(city, last, home_amsl_m), (*pad, 0.0), profile, departure=depart, zones=zones
        )
    except Exception as exc:  # PlanningError, or a pattern point inside a building (ValueError)
        raise InfeasibleMission(f"no transit route for the inspection: {exc}") from exc
    route = _timed_route(out, survey, back, home_amsl_m, speeds, pattern.speed_mps)
    problems = verify_route(route, city, zones, clearances=planner.clearances)
    if problems:
        raise InfeasibleMission(
            f"inspection flight fails the verifier: {problems[0].rule}: {problems[0].detail}"
        )
    items = _items(out, back, body, home_amsl_m, speeds.cruise_speed_mps)
    return InspectionFlight(route, tuple(items), pattern.speed_mps)


def _airborne(city: City, item: MissionItem, home_amsl_m: float) -> tuple[float, float, float]:
    """A pattern waypoint (altitude relative to home) as a planner point (height above ground)."""
    ground_amsl_m = city.ground_amsl_m(item.lon_deg, item.lat_deg)
    return item.lon_deg, item.lat_deg, max(0.0, home_amsl_m + item.z - ground_amsl_m)


def _timed_route(
    out: Route,
    survey: Sequence[MissionItem],
    back: Route,
    home_amsl_m: float,
    speeds: SpeedProfile,
    survey_speed_mps: float,
) -> Route:
    """The whole flight timed as flown: transit at cruise speed, the survey at its speed."""
    going = retime(out, speeds)
    start = going.waypoints[-1]
    points = [start] + [
        Waypoint(i.lon_deg, i.lat_deg, home_amsl_m + i.z, start.ground_amsl_m, start.time)
        for i in survey[1:]
    ]
    scan = retime(_route(points), replace(speeds, cruise_speed_mps=survey_speed_mps))
    home = retime(back.shifted(scan.arrival - back.departure), speeds)
    waypoints = (*going.waypoints, *scan.waypoints[1:], *home.waypoints[1:])
    length_m = going.length_m + scan.length_m + home.length_m
    return Route(waypoints, length_m, (waypoints[-1].time - waypoints[0].time).total_seconds())


def _route(points: Sequence[Waypoint]) -> Route:
    """An untimed polyline as a route (its length is what the survey flies)."""
    length_m = 0.0
    for a, b in itertools.pairwise(points):
        ground_m = ground_distance_m(a.lon_deg, a.lat_deg, b.lon_deg, b.lat_deg)
        length_m += math.hypot(ground_m, b.alt_amsl_m - a.alt_amsl_m)
    return Route(tuple(points), length_m, 0.0)


def _items(
    out: Route, back: Route, body: list[MissionItem], home_amsl_m: float, cruise_mps: float
) -> list[MissionItem]:
    """Take-off and transit items, the pattern's items, the transit home and the landing."""
    going = flight_items(out, home_amsl_m=home_amsl_m, speed_mps=cruise_mps)[:-2]  # no landing
    coming = flight_items(back, home_amsl_m=home_amsl_m)[1:]  # no take-off
    return [*going, *body, change_speed(cruise_mps), *coming]
