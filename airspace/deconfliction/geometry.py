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

from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

from airspace.intents.projection import LocalProjection
from airspace.intents.volume import Circle, Volume4D

__all__ = ["LocalProjection", "VolumeShape"]


@dataclass(frozen=True, slots=True)
class VolumeShape:
    """A volume prepared for exact tests: metric geometry, inflation radius, band, times (s)."""

    geometry: BaseGeometry
    radius_m: float
    lower_m: float
    upper_m: float
    start_s: float
    end_s: float

    @staticmethod
    def of(volume: Volume4D, projection: LocalProjection) -> VolumeShape:
        """Project ``volume`` (a circle becomes its centre point plus ``radius_m``)."""
        outline = volume.outline
        geometry: BaseGeometry
        if isinstance(outline, Circle):
            x, y = projection.to_xy_m(outline.center_lon_deg, outline.center_lat_deg)
            geometry, radius = shapely.Point(x, y), outline.radius_m
        else:
            pts = [projection.to_xy_m(lon, lat) for lon, lat in outline.vertices_lonlat_deg]
            geometry, radius = shapely.Polygon(pts), 0.0
            if not geometry.is_valid:
                geometry = shapely.make_valid(geometry)
        shapely.prepare(geometry)
        return VolumeShape(
            geometry,
            radius,
            volume.altitude_lower_w84_m,
            volume.altitude_upper_w84_m,
            volume.time_start.timestamp(),
            volume.time_end.timestamp(),
        )

    def bounds(self, pad_m: float) -> tuple[float, ...]:
        """Interleaved 4D box (x, y, z, t mins then maxes), padded laterally and vertically."""
        x0, y0, x1, y1 = self.geometry.bounds
        r = self.radius_m + pad_m
        return (
            x0 - r,
            y0 - r,
            self.lower_m - pad_m,
            self.start_s,
            x1 + r,
            y1 + r,
            self.upper_m + pad_m,
            self.end_s,
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
        reach = self.radius_m + other.radius_m + tolerance_m
        return bool(shapely.dwithin(self.geometry, other.geometry, reach))

    def conflicts(self, other: VolumeShape, tolerance_m: float) -> bool:
        """The exact F3548 4D conflict test (see the module docstring)."""
        return self.overlaps_in_time_and_altitude(other, tolerance_m) and self.outlines_meet(
            other, tolerance_m
        )
