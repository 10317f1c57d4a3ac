"""Adapter from the real 3D planner to the injected :data:`RoutePlanner` of the fixes.

Busy volumes become ``temporary_restriction`` zones (W84 band, the volume's time window), another
cruise height is the planner's ``cruise_agl_m``, and a delay is a later ``departure``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import shapely
from shapely.geometry.base import BaseGeometry

from airspace.deconfliction.fixes import PlanRequest, RoutePlanner
from airspace.intents.projection import LocalProjection
from airspace.intents.volume import Circle, Volume4D
from airspace.planner import Planner, VehicleProfile
from airspace.route import AltitudeReference, Route
from airspace.volumes import VolumeSettings
from airspace.zones import Zone, ZoneKind


def volume_as_zone(
    volume: Volume4D,
    zone_id: str,
    *,
    lateral_margin_m: float = 0.0,
    vertical_margin_m: float = 0.0,
    time_margin: timedelta = timedelta(0),
) -> Zone:
    """A temporary restriction covering ``volume`` grown by the given margins.

    The margins are the buffers our own volumes will add around the new route (lateral and
    vertical buffers, time uncertainty), so a route that respects the zone yields volumes that
    do not meet ``volume``.
    """
    outline = volume.outline
    shape: dict[str, object]
    if isinstance(outline, Circle):
        shape = {
            "center_lonlat": (outline.center_lon_deg, outline.center_lat_deg),
            "radius_m": outline.radius_m + lateral_margin_m,
        }
    else:
        shape = {"polygon_lonlat": _grown(outline.vertices_lonlat_deg, lateral_margin_m)}
    return Zone(
        zone_id,
        ZoneKind.TEMPORARY_RESTRICTION,
        floor_m=volume.altitude_lower_w84_m - vertical_margin_m,
        ceiling_m=volume.altitude_upper_w84_m + vertical_margin_m,
        altitude_reference=AltitudeReference.W84,
        start=volume.time_start - time_margin,
        end=volume.time_end + time_margin,
        name="busy operational-intent volume",
        **shape,  # type: ignore[arg-type]
    )


def _grown(vertices: tuple[tuple[float, float], ...], margin_m: float) -> BaseGeometry:
    if margin_m <= 0:
        return shapely.Polygon(vertices)
    frame = LocalProjection(*vertices[0])
    local = shapely.Polygon([frame.to_xy_m(lon, lat) for lon, lat in vertices])
    # mitred corners (truncated at 4x the margin, still outside the round buffer) keep the
    # vertex count of the outline: the planner lays every zone vertex into its visibility graph
    grown = local.buffer(margin_m, join_style="mitre", mitre_limit=4.0)
    return shapely.Polygon([frame.to_lonlat_deg(x, y) for x, y in grown.exterior.coords])


def planner_for(
    planner: Planner,
    start: tuple[float, float, float],
    goal: tuple[float, float, float],
    profile: VehicleProfile | None = None,
    *,
    zones: Iterable[Zone] = (),
    permits: frozenset[str] = frozenset(),
    volumes: VolumeSettings | None = None,
) -> RoutePlanner:
    """A :data:`RoutePlanner` flying ``start`` -> ``goal`` (lon, lat, height above ground).

    Args:
        planner: the prepared planner of the city.
        start: take-off point.
        goal: landing point.
        profile: vehicle performance (the planner's default when ``None``).
        zones: standing zones to respect besides the avoided volumes.
        permits: permit-required zones the operator may enter.
        volumes: the buffers of our volumes; avoided volumes are grown by them (plus 1 m, and
            the time margin of a 30-minute flight).
    """
    fixed = tuple(zones)
    vehicle = profile or VehicleProfile()
    vs = volumes or VolumeSettings()
    margins = {
        "lateral_margin_m": vs.lateral_buffer_m + 1.0,
        "vertical_margin_m": vs.vertical_buffer_m + 1.0,
        "time_margin": timedelta(seconds=vs.time_buffer_s + vs.time_uncertainty_per_s * 1800),
    }

    def plan(request: PlanRequest) -> Route:
        busy = tuple(
            volume_as_zone(v, f"busy-{i}", **margins)  # type: ignore[arg-type]
            for i, v in enumerate(request.avoid)
        )
        return planner.plan(
            start,
            goal,
            vehicle,
            departure=request.departure,
            zones=fixed + busy,
            permits=permits,
            cruise_agl_m=_cruise_agl_m(planner, request),
        )

    return plan


def _cruise_agl_m(planner: Planner, request: PlanRequest) -> float | None:
    """The forced cruise height: the request's, or the grid level of ``keep_cruise_of``."""
    if request.cruise_agl_m is not None or request.keep_cruise_of is None:
        return request.cruise_agl_m
    top_amsl_m = max(w.alt_amsl_m for w in request.keep_cruise_of.waypoints)
    levels = planner.levels_amsl_m(planner.min_cruise_agl_m, planner.ceiling_agl_m)
    above = [lv for lv in levels if lv >= top_amsl_m - 1e-6]
    level = above[0] if above else (levels[-1] if levels else top_amsl_m)
    return level - planner.ground_high_amsl_m
