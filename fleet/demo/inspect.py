"""Inspection legs for the demo's dispatcher: transit, a lawnmower survey, transit back.

The survey itself (transects, altitude from the GSD, camera trigger distance, survey speed) is
:func:`fleet.patterns.area_survey`'s. The transits are planned by the airspace planner to an
open-ground point next to the survey's entry (and from one next to its exit), so the drone
climbs or descends to the survey height where nothing is near. The whole flight is one route,
checked by the independent verifier (:func:`airspace.verify.verify_route`) before it is
reserved; a violation refuses the mission with the verifier's words.
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta
from typing import Any

import shapely

from airspace.city import City
from airspace.planner import Clearances, Planner, VehicleProfile
from airspace.route import Route, Waypoint
from airspace.verify import verify_route
from firmware_bridge.mission_item import MavCmd, MissionItem
from fleet.errors import InfeasibleMission
from fleet.model import (
    AreaTarget,
    CameraModel,
    Capabilities,
    GeoPoint,
    Inspection,
    TimeWindow,
    Vehicle,
    VehicleKind,
)
from fleet.patterns import area_survey
from fleet.runner.items import change_speed, flight_items

LonLat = tuple[float, float]


def _open_near(city: City, lon: float, lat: float, margin_m: float = 11.0) -> LonLat:
    """The open-ground point nearest (lon, lat) on a 10 m grid within 200 m."""
    x0, y0 = city.frame.to_local(lon, lat)
    rings = sorted(
        ((dx, dy) for dx in range(-200, 201, 10) for dy in range(-200, 201, 10)),
        key=lambda d: math.hypot(*d),
    )
    for dx, dy in rings:
        p = shapely.Point(x0 + dx, y0 + dy)
        if len(city.tree.query(p, predicate="dwithin", distance=margin_m)) == 0:
            out = city.frame.to_lonlat(x0 + dx, y0 + dy)
            return float(out[0]), float(out[1])
    raise InfeasibleMission("no open ground within 200 m of the survey's entry or exit")


def survey_items(
    spec: dict[str, Any], drone: VehicleProfile, home: LonLat
) -> tuple[list[MissionItem], float]:
    """The pattern's survey body (items between its take-off and its return) and its speed."""
    cam = spec.get("camera", {})
    camera = CameraModel(
        cam.get("sensor_width_mm", 13.2),
        cam.get("sensor_height_mm", 8.8),
        cam.get("focal_length_mm", 8.8),
        cam.get("image_width_px", 5472),
        cam.get("image_height_px", 3648),
    )
    window = TimeWindow(
        datetime.fromisoformat(spec["window_start"]), datetime.fromisoformat(spec["window_end"])
    )
    polygon = tuple((float(p[0]), float(p[1])) for p in spec["target"]["polygon"])
    inspection = Inspection(
        "survey",
        AreaTarget(polygon),
        camera,
        float(spec["gsd_cm_per_px"]),
        window,
        front_overlap=float(spec.get("front_overlap", 0.75)),
        side_overlap=float(spec.get("side_overlap", 0.65)),
    )
    vehicle = Vehicle(
        "demo-drone",
        VehicleKind.MULTICOPTER,
        empty_mass_kg=1.5,
        payload_capacity_kg=0.0,
        battery_wh=80.0,
        cruise_speed_mps=drone.cruise_speed_mps,
        home_dock_id="dock",
        capabilities=Capabilities(camera=camera),
        climb_rate_mps=drone.climb_rate_mps,
        descent_rate_mps=drone.descent_rate_mps,
    )
    plan = area_survey(inspection, vehicle, GeoPoint(*home))
    body = [
        i for i in plan.items if i.command not in (MavCmd.NAV_TAKEOFF, MavCmd.NAV_RETURN_TO_LAUNCH)
    ]
    return body, plan.speed_mps


def _timed(
    points: list[tuple[float, float, float, float]],
    start: datetime,
    speed_mps: float,
    profile: VehicleProfile,
) -> list[Waypoint]:
    """Waypoints (lon, lat, alt AMSL, ground AMSL) timed at ``speed_mps`` and the climb rates."""
    out, t = [], start
    for k, (lon, lat, alt, ground) in enumerate(points):
        if k:
            plon, plat, palt, _ = points[k - 1]
            dx = (lon - plon) * 111_320.0 * math.cos(math.radians(lat))
            dy = (lat - plat) * 110_574.0
            horizontal_s = math.hypot(dx, dy) / speed_mps
            t += timedelta(seconds=max(horizontal_s, profile.vertical_s(alt - palt)))
        out.append(Waypoint(lon, lat, alt, ground, t))
    return out


def _metres(p: Waypoint, q: Waypoint) -> float:
    dx = (q.lon_deg - p.lon_deg) * 111_320.0 * math.cos(math.radians(p.lat_deg))
    dy = (q.lat_deg - p.lat_deg) * 110_574.0
    return math.sqrt(dx * dx + dy * dy + (q.alt_amsl_m - p.alt_amsl_m) ** 2)


def inspection_leg(
    planner: Planner,
    spec: dict[str, Any],
    drone: VehicleProfile,
    pad: LonLat,
    depart: datetime,
    clearances: Clearances,
) -> tuple[Route, list[MissionItem]]:
    """One flight surveying the inspection's area from ``pad`` and back.

    Raises:
        InfeasibleMission: no transit route, no open ground near the survey, or the verifier
            found the flight unsafe.
    """
    city = planner.city
    body, survey_speed = survey_items(spec, drone, pad)
    survey = [i for i in body if i.command == MavCmd.NAV_WAYPOINT]
    if not survey:
        raise InfeasibleMission("the survey pattern has no waypoints")
    entry, exit_ = (
        _open_near(city, survey[0].lon_deg, survey[0].lat_deg),
        _open_near(city, survey[-1].lon_deg, survey[-1].lat_deg),
    )
    ground = city.ground_amsl_m(*pad)
    try:
        out = planner.plan((*pad, 0.0), (*entry, 0.0), drone, departure=depart)
        back = planner.plan((*exit_, 0.0), (*pad, 0.0), drone, departure=depart)
    except Exception as exc:
        raise InfeasibleMission(f"no transit route for the survey: {exc}") from exc
    survey_alt = ground + survey[0].z
    cruise = [(w.lon_deg, w.lat_deg, w.alt_amsl_m, w.ground_amsl_m) for w in out.waypoints[:-1]]
    middle = [(*entry, survey_alt, ground)]
    middle += [(i.lon_deg, i.lat_deg, ground + i.z, ground) for i in survey]
    middle += [(*exit_, survey_alt, ground)]
    home = [(w.lon_deg, w.lat_deg, w.alt_amsl_m, w.ground_amsl_m) for w in back.waypoints[1:]]
    a = _timed(cruise, depart, drone.cruise_speed_mps, drone)
    b = _timed([cruise[-1], *middle], a[-1].time, survey_speed, drone)[1:]
    c = _timed([middle[-1], *home], b[-1].time, drone.cruise_speed_mps, drone)[1:]
    wps = (*a, *b, *c)
    survey_m = sum(_metres(p, q) for p, q in itertools.pairwise(b))
    length = out.length_m + back.length_m + survey_m
    route = Route(wps, length, (wps[-1].time - wps[0].time).total_seconds())
    problems = verify_route(route, city, clearances=clearances)
    if problems:
        raise InfeasibleMission(
            f"survey flight fails the verifier: {problems[0].rule}: {problems[0].detail}"
        )
    return route, _items(route, body, len(cruise), len(survey), drone.cruise_speed_mps)


def _items(
    route: Route, body: list[MissionItem], n_cruise: int, n_survey: int, cruise_mps: float
) -> list[MissionItem]:
    """Flight items for the route with the survey waypoints replaced by the pattern's body."""
    items = flight_items(route, speed_mps=cruise_mps)
    # items: TAKEOFF, SPEED, one waypoint per airborne route point, LAND. The airborne points
    # are cruise[1:], entry, the survey waypoints, exit, back: the survey starts after entry.
    first = 2 + (n_cruise - 1) + 1
    return items[:first] + body + [change_speed(cruise_mps)] + items[first + n_survey :]
