"""Synthetic routes (no planner needed): waypoints in local metres around the Shinjuku origin."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from airspace.route import Route, Waypoint
from tests.intents.helpers import ORIGIN, T0

GROUND_AMSL_M = 35.0


def route_through(
    points_xyz_m: list[tuple[float, float, float]],
    *,
    speed_mps: float = 10.0,
    departure: datetime = T0,
) -> Route:
    """A route visiting local (x, y, alt AMSL) points at ``speed_mps``."""
    waypoints, t, length = [], departure, 0.0
    prev = points_xyz_m[0]
    for x, y, z in points_xyz_m:
        step = math.dist(prev, (x, y, z))
        length += step
        t += timedelta(seconds=step / speed_mps)
        lon, lat = ORIGIN.to_lonlat_deg(x, y)
        waypoints.append(Waypoint(lon, lat, z, GROUND_AMSL_M, t))
        prev = (x, y, z)
    return Route(tuple(waypoints), length, (t - waypoints[0].time).total_seconds())


def delivery(
    x0: float, y0: float, x1: float, y1: float, cruise_amsl_m: float = 95.0, **kw: object
) -> Route:
    """Take off vertically, cruise straight, land vertically."""
    g = GROUND_AMSL_M
    pts = [(x0, y0, g), (x0, y0, cruise_amsl_m), (x1, y1, cruise_amsl_m), (x1, y1, g)]
    return route_through(pts, **kw)  # type: ignore[arg-type]
