"""Exact conflict test between two 4D volumes, in a local metric frame.

Outlines are projected with a local *affine* equirectangular map about a fixed origin. An affine
map preserves straight edges and intersections, so whether two lon/lat outlines intersect is
decided exactly as in lon/lat; distances (the 1 cm tolerance, circle radii) are metric to within
~1e-3 relative over a city. Two volumes conflict iff

- their outlines are at most ``tolerance_m`` apart (``IntersectionMinimumPrecisionCm``; closer
  counts as intersecting, so rounding never hides a conflict),
- their W84 altitude bands overlap (again with ``tolerance_m``), and
- their time windows overlap (half-open: a volume ending when the next starts is no conflict).

>>> from datetime import datetime, UTC
>>> t0, t1 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC)
>>> from airspace.intents import Circle, Volume4D
>>> p = LocalProjection(139.70, 35.69)
>>> a = VolumeShape.of(Volume4D(Circle(139.70, 35.69, 50.0), 0, 100, t0, t1), p)
>>> b = VolumeShape.of(Volume4D(Circle(139.70, 35.691, 50.0), 0, 100, t0, t1), p)
>>> a.conflicts(b, 0.01)  # centres ~111 m apart, radii 50 m
False
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from airspace.intents.projection import LocalProjection
from airspace.intents.volume import Circle, Volume4D

__all__ = ["LocalProjection", "VolumeShape"]


class VolumeShape:
    """A volume prepared for exact tests: metric outline, inflation radius, band, times (s).

    The shapely geometry is built only when an exact outline test needs it: most index
    candidates are rejected by the cheaper box, time and altitude tests first.
    """

    __slots__ = (
        "_geometry",
        "end_s",
        "lower_m",
        "points_m",
        "radius_m",
        "start_s",
        "upper_m",
        "xy_box",
    )

    def __init__(
        self,
        points_m: tuple[tuple[float, float], ...],
        radius_m: float,
        lower_m: float,
        upper_m: float,
        start_s: float,
        end_s: float,
    ) -> None:
        self.points_m = points_m
        self.radius_m = radius_m
        self.lower_m = lower_m
        self.upper_m = upper_m
        self.start_s = start_s
        self.end_s = end_s
        xs = [p[0] for p in points_m]
        ys = [p[1] for p in points_m]
        self.xy_box = (
            min(xs) - radius_m,
            min(ys) - radius_m,
            max(xs) + radius_m,
            max(ys) + radius_m,
        )
        self._geometry: BaseGeometry | None = None

    @staticmethod
    def of(volume: Volume4D, projection: LocalProjection) -> VolumeShape:
        """Project ``volume`` (a circle becomes its centre point plus ``radius_m``)."""
        outline = volume.outline
        points: tuple[tuple[float, float], ...]
        if isinstance(outline, Circle):
            points = (projection.to_xy_m(outline.center_lon_deg, outline.center_lat_deg),)
            radius = outline.radius_m
        else:
            points = tuple(projection.to_xy_m(lon, lat) for lon, lat in outline.vertices_lonlat_deg)
            radius = 0.0
        return VolumeShape(
            points,
            radius,
            volume.altitude_lower_w84_m,
            volume.altitude_upper_w84_m,
            volume.time_start.timestamp(),
            volume.time_end.timestamp(),
        )

    def retimed(self, lower_m: float, upper_m: float, start_s: float, end_s: float) -> VolumeShape:
        """The same outline (projected points and shapely geometry shared) with another band
        and time window: a delayed or re-levelled copy costs no projection or geometry."""
        copy = object.__new__(VolumeShape)
        copy.points_m, copy.radius_m, copy.xy_box = self.points_m, self.radius_m, self.xy_box
        copy._geometry = self.outline
        copy.lower_m, copy.upper_m, copy.start_s, copy.end_s = lower_m, upper_m, start_s, end_s
        return copy

    @property
    def outline(self) -> BaseGeometry:
        """The shapely outline (a point for a circle), built on first use, maybe unprepared."""
        if self._geometry is None:
            geometry: BaseGeometry
            if len(self.points_m) == 1:
                geometry = shapely.Point(self.points_m[0])
            else:
                geometry = shapely.Polygon(shapely.linearrings(np.array(self.points_m)))
                if not shapely.is_valid(geometry):
                    geometry = shapely.make_valid(geometry)
            self._geometry = geometry
        return self._geometry

    @property
    def geometry(self) -> BaseGeometry:
        """The prepared shapely outline, built on first use (indexed volumes are tested many
        times; a one-off query volume uses the cheaper :attr:`outline`)."""
        geometry = self.outline
        shapely.prepare(geometry)
        return geometry

    def bounds(self, pad_m: float) -> tuple[float, ...]:
        """Interleaved 4D box (x, y, z, t mins then maxes), padded laterally and vertically."""
        x0, y0, x1, y1 = self.xy_box
        return (
            x0 - pad_m,
            y0 - pad_m,
            self.lower_m - pad_m,
            self.start_s,
            x1 + pad_m,
            y1 + pad_m,
            self.upper_m + pad_m,
            self.end_s,
        )

    def boxes_meet(self, other: VolumeShape, tolerance_m: float) -> bool:
        """The lateral boxes overlap or are at most ``tolerance_m`` apart (a prefilter)."""
        a, b = self.xy_box, other.xy_box
        return (
            a[0] <= b[2] + tolerance_m
            and b[0] <= a[2] + tolerance_m
            and a[1] <= b[3] + tolerance_m
            and b[1] <= a[3] + tolerance_m
        )

    def overlaps_in_time_and_altitude(self, other: VolumeShape, tolerance_m: float) -> bool:
        """Time windows overlap (half-open) and bands overlap within ``tolerance_m``."""
        return (
            self.start_s < other.end_s
            and other.start_s < self.end_s
            and self.bands_meet(other, tolerance_m)
        )

    def bands_meet(self, other: VolumeShape, tolerance_m: float) -> bool:
        """Altitude bands overlap or are at most ``tolerance_m`` apart."""
        return (
            self.lower_m <= other.upper_m + tolerance_m
            and other.lower_m <= self.upper_m + tolerance_m
        )

    def outlines_meet(self, other: VolumeShape, tolerance_m: float) -> bool:
        """Outlines intersect or are at most ``tolerance_m`` apart."""
        if not self.boxes_meet(other, tolerance_m):
            return False
        reach = self.radius_m + other.radius_m + tolerance_m
        return bool(shapely.dwithin(self.geometry, other.geometry, reach))

    def conflicts(self, other: VolumeShape, tolerance_m: float) -> bool:
        """The exact F3548 4D conflict test (see the module docstring)."""
        return self.overlaps_in_time_and_altitude(other, tolerance_m) and self.outlines_meet(
            other, tolerance_m
        )
