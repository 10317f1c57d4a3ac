"""From a planned route to a short sequence of F3548 4D volumes that contain it.

Consecutive legs are grouped into one volume while the group stays within
``max_volume_duration_s`` and its altitudes within ``max_group_vertical_span_m`` (so climbs get
their own tall volumes and cruise legs share flat ones). Each group's polyline is buffered by
``lateral_buffer_m`` in a local affine frame, with the buffer radius raised so that the chords of
the rounded ends stay at least ``lateral_buffer_m`` from the route; its W84 band is the group's
altitudes +/- ``vertical_buffer_m``; its time window is the group's ETAs widened by an
uncertainty ``time_buffer_s + time_uncertainty_per_s * (time since departure)``.

``reserved_volume_m3`` and ``swept_volume_m3`` let callers report how tight the volumes are;
``volume_from_amsl`` / ``band_amsl_m`` convert a band between AMSL and W84 (F3548's datum).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import shapely
from shapely.geometry.base import BaseGeometry

from airspace.errors import IntentError
from airspace.frames import geoid_height_m
from airspace.intents.f3548 import OiMaxVertices
from airspace.intents.projection import LocalProjection
from airspace.intents.volume import Outline, Polygon, Volume4D
from airspace.route import Route, Waypoint

AmslToW84 = Callable[[float, float, float], float]
"""``(lon_deg, lat_deg, alt_amsl_m) -> alt_w84_m``, e.g. ``LocalFrame.amsl_to_w84_m``."""


@dataclass(frozen=True, slots=True)
class VolumeSettings:
    """How generously a route is wrapped.

    Attributes:
        lateral_buffer_m: horizontal margin around the route (navigation + flight technical error).
        vertical_buffer_m: margin above and below.
        time_buffer_s: time margin at departure.
        time_uncertainty_per_s: extra margin per second of flight (ETA error grows with time).
        max_volume_duration_s: longest time span of legs grouped into one volume.
        max_group_vertical_span_m: legs whose altitudes spread more than this are not grouped.
        quad_segs: segments per quarter circle of the rounded buffer ends.
    """

    lateral_buffer_m: float = 15.0
    vertical_buffer_m: float = 10.0
    time_buffer_s: float = 30.0
    time_uncertainty_per_s: float = 0.05
    max_volume_duration_s: float = 120.0
    max_group_vertical_span_m: float = 5.0
    quad_segs: int = 2


def route_to_volumes(
    route: Route,
    settings: VolumeSettings | None = None,
    *,
    amsl_to_w84: AmslToW84 | None = None,
) -> tuple[Volume4D, ...]:
    """The volumes reserving ``route``.

    Args:
        route: the planned route (AMSL altitudes, UTC times).
        settings: buffers and grouping; defaults to :class:`VolumeSettings()`.
        amsl_to_w84: datum conversion; defaults to the GSIGEO2011 geoid (Japan).

    Returns:
        Volumes in time order; together they contain the route at every instant.

    Raises:
        IntentError: the volumes would exceed ``OiMaxVertices``.
        airspace.errors.FrameError: an altitude cannot be converted to W84.
    """
    s = settings or VolumeSettings()
    to_w84 = amsl_to_w84 or geoid_amsl_to_w84_m
    first = route.waypoints[0]
    frame = LocalProjection(first.lon_deg, first.lat_deg)
    volumes = tuple(
        _group_volume(group, route, s, frame, to_w84) for group in _groups(route.waypoints, s)
    )
    vertices = sum(v.vertex_count for v in volumes)
    if vertices > OiMaxVertices:
        raise IntentError(f"route needs {vertices} vertices > OiMaxVertices={OiMaxVertices}")
    return volumes


def _groups(waypoints: tuple[Waypoint, ...], s: VolumeSettings) -> list[list[Waypoint]]:
    groups: list[list[Waypoint]] = [[waypoints[0], waypoints[1]]]
    for wp in waypoints[2:]:
        group = groups[-1]
        alts = [w.alt_amsl_m for w in group] + [wp.alt_amsl_m]
        span_s = (wp.time - group[0].time).total_seconds()
        if (
            max(alts) - min(alts) <= s.max_group_vertical_span_m
            and span_s <= s.max_volume_duration_s
        ):
            group.append(wp)
        else:
            groups.append([group[-1], wp])
    return groups


def _group_volume(
    group: list[Waypoint],
    route: Route,
    s: VolumeSettings,
    frame: LocalProjection,
    to_w84: AmslToW84,
) -> Volume4D:
    outline = _buffered(group, s, frame)
    w84 = [to_w84(w.lon_deg, w.lat_deg, w.alt_amsl_m) for w in group]

    def margin(t_s: float) -> timedelta:
        return timedelta(seconds=s.time_buffer_s + s.time_uncertainty_per_s * t_s)

    t_first = (group[0].time - route.departure).total_seconds()
    t_last = (group[-1].time - route.departure).total_seconds()
    return Volume4D(
        outline,
        min(w84) - s.vertical_buffer_m,
        max(w84) + s.vertical_buffer_m,
        group[0].time - margin(t_first),
        group[-1].time + margin(t_last),
    )


def _buffered(group: list[Waypoint], s: VolumeSettings, frame: LocalProjection) -> Polygon:
    pts = [frame.to_xy_m(w.lon_deg, w.lat_deg) for w in group]
    radius_m = s.lateral_buffer_m / math.cos(math.pi / (4 * s.quad_segs))
    distinct = list(dict.fromkeys(pts))
    line: BaseGeometry = (
        shapely.Point(distinct[0]) if len(distinct) == 1 else shapely.LineString(distinct)
    )
    shape = line.buffer(radius_m, quad_segs=s.quad_segs)
    ring = list(shape.exterior.coords)[:-1]
    return Polygon(tuple(frame.to_lonlat_deg(x, y) for x, y in ring))


def reserved_volume_m3(volumes: tuple[Volume4D, ...]) -> float:
    """Sum over volumes of outline area times band height (circles as discs)."""
    if not volumes:
        return 0.0
    lon0, lat0, _, _ = volumes[0].lonlat_bounds_deg()
    frame = LocalProjection(lon0, lat0)
    total = 0.0
    for v in volumes:
        if isinstance(v.outline, Polygon):
            pts = [frame.to_xy_m(lon, lat) for lon, lat in v.outline.vertices_lonlat_deg]
            area = shapely.Polygon(pts).area
        else:
            area = math.pi * v.outline.radius_m**2
        total += area * (v.altitude_upper_w84_m - v.altitude_lower_w84_m)
    return total


def swept_volume_m3(route: Route, settings: VolumeSettings | None = None) -> float:
    """Volume swept by a vertical cylinder (radius = lateral buffer, height = twice the vertical
    buffer) moving along the route: the least any reservation of it can hold.

    Per leg the Minkowski sum adds ``4 r v * horizontal length + pi r^2 * |climb|``; overlaps at
    turns are not subtracted (a slight overestimate on turning routes).
    """
    s = settings or VolumeSettings()
    r, v = s.lateral_buffer_m, s.vertical_buffer_m
    first = route.waypoints[0]
    frame = LocalProjection(first.lon_deg, first.lat_deg)
    total = math.pi * r * r * 2 * v
    for a, b in zip(route.waypoints, route.waypoints[1:], strict=False):
        ax, ay = frame.to_xy_m(a.lon_deg, a.lat_deg)
        bx, by = frame.to_xy_m(b.lon_deg, b.lat_deg)
        total += 4 * r * v * math.hypot(bx - ax, by - ay)
        total += math.pi * r * r * abs(b.alt_amsl_m - a.alt_amsl_m)
    return total


def geoid_amsl_to_w84_m(lon_deg: float, lat_deg: float, alt_amsl_m: float) -> float:
    """AMSL to W84 through the GSIGEO2011 geoid (``alt_w84_m = alt_amsl_m + N``).

    Raises:
        FrameError: the point is outside the geoid model (Japan).
    """
    return alt_amsl_m + geoid_height_m(lon_deg, lat_deg)


def volume_from_amsl(
    outline: Outline,
    lower_amsl_m: float,
    upper_amsl_m: float,
    time_start: datetime,
    time_end: datetime,
    *,
    amsl_to_w84: AmslToW84 | None = None,
) -> Volume4D:
    """A volume whose band is given AMSL, converted to W84 conservatively.

    The geoid height varies across the outline, so the lower bound uses the smallest and the
    upper bound the largest conversion over the outline's vertices (or a circle's centre and
    four rim points): the W84 band contains the AMSL band everywhere in the outline.

    Raises:
        IntentError: the band is inverted.
        airspace.errors.FrameError: a point is outside the geoid model.
    """
    to_w84 = amsl_to_w84 or geoid_amsl_to_w84_m
    points = _outline_points(outline)
    lows = [to_w84(lon, lat, lower_amsl_m) for lon, lat in points]
    highs = [to_w84(lon, lat, upper_amsl_m) for lon, lat in points]
    return Volume4D(outline, min(lows), max(highs), time_start, time_end)


def band_amsl_m(volume: Volume4D, *, amsl_to_w84: AmslToW84 | None = None) -> tuple[float, float]:
    """The AMSL band guaranteed inside ``volume`` everywhere in its outline (inverse of above).

    Raises:
        airspace.errors.FrameError: a point is outside the geoid model.
    """
    to_w84 = amsl_to_w84 or geoid_amsl_to_w84_m
    offsets = [to_w84(lon, lat, 0.0) for lon, lat in _outline_points(volume.outline)]
    return volume.altitude_lower_w84_m - min(offsets), volume.altitude_upper_w84_m - max(offsets)


def _outline_points(outline: Outline) -> list[tuple[float, float]]:
    if isinstance(outline, Polygon):
        return list(outline.vertices_lonlat_deg)
    frame = LocalProjection(outline.center_lon_deg, outline.center_lat_deg)
    r = outline.radius_m
    return [frame.to_lonlat_deg(x, y) for x, y in ((0, 0), (r, 0), (-r, 0), (0, r), (0, -r))]
