"""Adapter from the real 3D planner to the injected :data:`RoutePlanner` of the fixes.

Busy volumes become ``temporary_restriction`` zones (W84 band, the volume's time window), another
cruise height is the planner's ``cruise_agl_m``, and a delay is a later ``departure``.
"""

from __future__ import annotations

from collections.abc import Iterable

import shapely

from airspace.deconfliction.fixes import PlanRequest, RoutePlanner
from airspace.intents.volume import Circle, Volume4D
from airspace.planner import Planner, VehicleProfile
from airspace.route import AltitudeReference, Route
from airspace.zones import Zone, ZoneKind


def volume_as_zone(volume: Volume4D, zone_id: str) -> Zone:
    """A temporary restriction covering ``volume`` (outline, W84 band, time window)."""
    outline = volume.outline
    shape: dict[str, object] = (
        {
            "center_lonlat": (outline.center_lon_deg, outline.center_lat_deg),
            "radius_m": outline.radius_m,
        }
        if isinstance(outline, Circle)
        else {"polygon_lonlat": shapely.Polygon(outline.vertices_lonlat_deg)}
    )
    return Zone(
        zone_id,
        ZoneKind.TEMPORARY_RESTRICTION,
        floor_m=volume.altitude_lower_w84_m,
        ceiling_m=volume.altitude_upper_w84_m,
        altitude_reference=AltitudeReference.W84,
        start=volume.time_start,
        end=volume.time_end,
        name="busy operational-intent volume",
        **shape,  # type: ignore[arg-type]
    )


def planner_for(
    planner: Planner,
    start: tuple[float, float, float],
    goal: tuple[float, float, float],
    profile: VehicleProfile | None = None,
    *,
    zones: Iterable[Zone] = (),
    permits: frozenset[str] = frozenset(),
) -> RoutePlanner:
    """A :data:`RoutePlanner` flying ``start`` -> ``goal`` (lon, lat, height above ground).

    Args:
        planner: the prepared planner of the city.
        start: take-off point.
        goal: landing point.
        profile: vehicle performance (the planner's default when ``None``).
        zones: standing zones to respect besides the avoided volumes.
        permits: permit-required zones the operator may enter.
    """
    fixed = tuple(zones)
    vehicle = profile or VehicleProfile()

    def plan(request: PlanRequest) -> Route:
        busy = tuple(volume_as_zone(v, f"busy-{i}") for i, v in enumerate(request.avoid))
        return planner.plan(
            start,
            goal,
            vehicle,
            departure=request.departure,
            zones=fixed + busy,
            permits=permits,
            cruise_agl_m=request.cruise_agl_m,
        )

    return plan
