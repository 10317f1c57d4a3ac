"""4D volumes of ASTM F3548-21: lon/lat outline (polygon or circle), W84 altitude band, time window.

F3548 volumes are expressed on the WGS84 ellipsoid (``Altitude.reference == "W84"``), so the band
carries its datum in its names (``_w84_m``). AMSL/AGL altitudes are converted before a volume is
built (:mod:`airspace.volumes` does it for routes).

>>> from datetime import datetime, UTC
>>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
>>> v = Volume4D(Circle(139.7, 35.69, 50.0), 40.0, 90.0, t0, t0.replace(hour=1))
>>> v.duration_s
3600.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from airspace.errors import IntentError

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius, used only by the local affine projection below."""


@dataclass(frozen=True, slots=True)
class Polygon:
    """A simple polygon outline; vertices in lon/lat degrees, not closed (first != last)."""

    vertices_lonlat_deg: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        if len(self.vertices_lonlat_deg) < 3:
            raise IntentError("an outline polygon needs at least 3 vertices")
        for lon, lat in self.vertices_lonlat_deg:
            _check_lonlat(lon, lat)

    @property
    def vertex_count(self) -> int:
        """Vertices as F3548 counts them for ``OiMaxVertices``."""
        return len(self.vertices_lonlat_deg)


@dataclass(frozen=True, slots=True)
class Circle:
    """A circular outline: centre lon/lat in degrees and radius in metres."""

    center_lon_deg: float
    center_lat_deg: float
    radius_m: float

    def __post_init__(self) -> None:
        _check_lonlat(self.center_lon_deg, self.center_lat_deg)
        if not (self.radius_m > 0 and math.isfinite(self.radius_m)):
            raise IntentError(f"circle radius must be positive, got {self.radius_m}")

    @property
    def vertex_count(self) -> int:
        """A circle counts as one vertex for ``OiMaxVertices`` (as InterUSS counts it)."""
        return 1


Outline = Polygon | Circle


@dataclass(frozen=True, slots=True)
class Volume4D:
    """One F3548 ``Volume4D``: outline, W84 altitude band and UTC time window.

    Raises:
        IntentError: the band is inverted or not finite, or a time is naive or the window is
            inverted.
    """

    outline: Outline
    altitude_lower_w84_m: float
    altitude_upper_w84_m: float
    time_start: datetime
    time_end: datetime

    def __post_init__(self) -> None:
        lo, hi = self.altitude_lower_w84_m, self.altitude_upper_w84_m
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
            raise IntentError(f"altitude band [{lo}, {hi}] m W84 is not a finite ordered band")
        if self.time_start.tzinfo is None or self.time_end.tzinfo is None:
            raise IntentError("volume times must be timezone-aware (UTC)")
        if self.time_end < self.time_start:
            raise IntentError(f"volume ends ({self.time_end}) before it starts")

    @property
    def duration_s(self) -> float:
        """Length of the time window in seconds."""
        return (self.time_end - self.time_start).total_seconds()

    @property
    def vertex_count(self) -> int:
        """Vertices of the outline as counted for ``OiMaxVertices``."""
        return self.outline.vertex_count

    def lonlat_bounds_deg(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) of the outline, circles included."""
        if isinstance(self.outline, Circle):
            c = self.outline
            dlat = math.degrees(c.radius_m / EARTH_RADIUS_M)
            dlon = dlat / max(math.cos(math.radians(c.center_lat_deg)), 1e-9)
            return (
                c.center_lon_deg - dlon,
                c.center_lat_deg - dlat,
                c.center_lon_deg + dlon,
                c.center_lat_deg + dlat,
            )
        lons = [v[0] for v in self.outline.vertices_lonlat_deg]
        lats = [v[1] for v in self.outline.vertices_lonlat_deg]
        return min(lons), min(lats), max(lons), max(lats)


def _check_lonlat(lon: float, lat: float) -> None:
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise IntentError(f"vertex lon/lat ({lon}, {lat}) out of range")


def time_window(volumes: tuple[Volume4D, ...]) -> tuple[datetime, datetime]:
    """Earliest start and latest end over ``volumes``.

    Raises:
        IntentError: ``volumes`` is empty.
    """
    if not volumes:
        raise IntentError("no volumes: the time window is undefined")
    return min(v.time_start for v in volumes), max(v.time_end for v in volumes)
