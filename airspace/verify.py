"""Independent route verifier: does a route keep clear of buildings and zones?

Written apart from the planner's collision logic on purpose: it works on the *raw* building
footprints with shapely distances (no buffering, no simplification, no layers), segment by
segment, so a planner bug cannot hide behind a shared helper.

Rules checked (``Violation.rule``):

- ``inside_building``: any part of the route inside a footprint below that building's roof;
- ``building_clearance``: a cruise segment (anything but the vertical take-off and landing
  columns at the two ends) closer than ``horizontal_m`` to a footprint while lower than the
  roof + ``vertical_m``;
- ``ceiling`` / ``min_cruise``: a waypoint above the ceiling AGL, or a cruise waypoint below the
  minimum cruise height (AGL against :meth:`City.ground_amsl_m` under the waypoint);
- ``zone``: a segment crossing the area of a zone that applies (kind, permits, time window
  overlapping the segment's time span) inside the zone's altitude band.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from airspace.city.model import City
from airspace.frames import geoid_height_m
from airspace.route import AltitudeReference, Route, Waypoint
from airspace.zones import Zone

__all__ = ["Violation", "verify_route"]

_TOL_M = 0.01
_COLUMN_M = 0.5  # a segment moving less than this horizontally is a vertical column


@dataclass(frozen=True)
class Violation:
    """One broken rule on segment ``segment`` (waypoint ``segment`` to ``segment + 1``)."""

    rule: str
    segment: int
    detail: str


def _xy(city: City, w: Waypoint) -> tuple[float, float]:
    return city.frame.to_local(w.lon_deg, w.lat_deg)


def _segment_geom(a: tuple[float, float], b: tuple[float, float]) -> BaseGeometry:
    if abs(a[0] - b[0]) + abs(a[1] - b[1]) < 1e-9:
        return Point(a)
    return LineString([a, b])


def _building_checks(
    city: City, i: int, geom: BaseGeometry, low_amsl_m: float, column: bool, h_m: float, v_m: float
) -> list[Violation]:
    out = []
    for j in city.tree.query(geom, predicate="intersects"):
        b = city.buildings[int(j)]
        if low_amsl_m < b.top_amsl_m - _TOL_M:
            out.append(Violation("inside_building", i, f"inside building {b.id}"))
    if column:
        return out
    for j in city.tree.query(geom, predicate="dwithin", distance=h_m - _TOL_M):
        b = city.buildings[int(j)]
        if low_amsl_m < b.top_amsl_m + v_m - _TOL_M:
            dist = shapely.distance(geom, b.footprint_local)
            out.append(
                Violation(
                    "building_clearance",
                    i,
                    f"{dist:.2f} m from building {b.id} at {low_amsl_m - b.top_amsl_m:+.1f} m "
                    "relative to its roof",
                )
            )
    return out


def _band_amsl_m(zone: Zone, city: City, w: Waypoint, ground_m: float) -> tuple[float, float]:
    if zone.altitude_reference is AltitudeReference.AMSL:
        return zone.floor_m, zone.ceiling_m
    if zone.altitude_reference is AltitudeReference.AGL:
        return zone.floor_m + ground_m, zone.ceiling_m + ground_m
    n_m = geoid_height_m(w.lon_deg, w.lat_deg)
    return zone.floor_m - n_m, zone.ceiling_m - n_m


def _zone_checks(
    city: City,
    i: int,
    a: Waypoint,
    b: Waypoint,
    geom: BaseGeometry,
    zones: Iterable[Zone],
    permits: frozenset[str],
) -> list[Violation]:
    out = []
    low, high = sorted((a.alt_amsl_m, b.alt_amsl_m))
    ground = min(a.ground_amsl_m, b.ground_amsl_m)
    for zone in zones:
        if not zone.applies_to(permits, a.time, b.time):
            continue
        floor, ceiling = _band_amsl_m(zone, city, a, ground)
        if high <= floor + _TOL_M or low >= ceiling - _TOL_M:
            continue
        if geom.intersects(zone.area_local(city.frame)) and not geom.touches(
            zone.area_local(city.frame)
        ):
            out.append(Violation("zone", i, f"enters {zone.kind} zone {zone.id} {zone.name}"))
    return out


def _altitude_checks(
    city: City, route: Route, ceiling_agl_m: float, min_cruise_agl_m: float
) -> list[Violation]:
    out = []
    last = len(route.waypoints) - 1
    for k, w in enumerate(route.waypoints):
        ground = city.ground_amsl_m(w.lon_deg, w.lat_deg)
        agl = w.alt_amsl_m - ground
        if agl > ceiling_agl_m + _TOL_M:
            out.append(Violation("ceiling", max(k - 1, 0), f"waypoint {k} at {agl:.1f} m AGL"))
        if 0 < k < last and agl < min_cruise_agl_m - _TOL_M:
            out.append(Violation("min_cruise", k, f"waypoint {k} at {agl:.1f} m AGL"))
    return out


def verify_route(
    route: Route,
    city: City,
    zones: Iterable[Zone] = (),
    clearances: object | None = None,
    *,
    permits: frozenset[str] = frozenset(),
    ceiling_agl_m: float = 150.0,
    min_cruise_agl_m: float = 30.0,
    horizontal_m: float | None = None,
    vertical_m: float | None = None,
) -> list[Violation]:
    """Check ``route`` against the raw buildings of ``city`` and the applicable ``zones``.

    The first and last segments are the take-off and landing columns when they are vertical:
    they may pass within the clearance of a building but never inside one.

    Args:
        route: the route to check.
        city: the buildings.
        zones: zones to respect.
        clearances: an object with ``horizontal_m`` / ``vertical_m`` (e.g. the planner's
            ``Clearances``); ``None`` means 10 m and 5 m unless given explicitly.
        permits: zone ids the operator holds a permit for.
        ceiling_agl_m: highest allowed height above ground.
        min_cruise_agl_m: lowest allowed height above ground outside the two columns.
        horizontal_m: overrides the horizontal clearance.
        vertical_m: overrides the vertical clearance.

    Returns:
        Every violation found, in segment order (empty when the route is clear).
    """
    h_m = horizontal_m if horizontal_m is not None else getattr(clearances, "horizontal_m", 10.0)
    v_m = vertical_m if vertical_m is not None else getattr(clearances, "vertical_m", 5.0)
    zones = list(zones)
    wps = route.waypoints
    out: list[Violation] = []
    for i, (a, b) in enumerate(pairwise(wps)):
        pa, pb = _xy(city, a), _xy(city, b)
        geom = _segment_geom(pa, pb)
        moved = geom.length if isinstance(geom, LineString) else 0.0
        column = moved < _COLUMN_M and i in (0, len(wps) - 2)
        low = min(a.alt_amsl_m, b.alt_amsl_m)
        out.extend(_building_checks(city, i, geom, low, column, h_m, v_m))
        out.extend(_zone_checks(city, i, a, b, geom, zones, permits))
    out.extend(_altitude_checks(city, route, ceiling_agl_m, min_cruise_agl_m))
    return sorted(out, key=lambda v: v.segment)
