"""A local affine lon/lat <-> metres map, shared by volumes, deconfliction and conformance.

Affine (equirectangular with the scale of the origin latitude) on purpose: straight lon/lat edges
stay straight, so intersection and containment of outlines are decided exactly as in lon/lat;
metric distances are right to ~1e-3 relative over a city.

>>> p = LocalProjection(139.70, 35.69)
>>> x, y = p.to_xy_m(139.71, 35.70)
>>> round(x), round(y)
(903, 1112)
>>> [round(c, 9) for c in p.to_lonlat_deg(x, y)]
[139.71, 35.7]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from airspace.intents.volume import EARTH_RADIUS_M

M_PER_DEG_LAT = EARTH_RADIUS_M * math.pi / 180.0


@dataclass(frozen=True, slots=True)
class LocalProjection:
    """Affine lon/lat <-> metres map about an origin (equirectangular, scale at the origin)."""

    origin_lon_deg: float
    origin_lat_deg: float

    @property
    def m_per_deg_lon(self) -> float:
        """Metres per degree of longitude at the origin latitude."""
        return M_PER_DEG_LAT * math.cos(math.radians(self.origin_lat_deg))

    def to_xy_m(self, lon_deg: float, lat_deg: float) -> tuple[float, float]:
        """East/north metres of a lon/lat point."""
        return (
            (lon_deg - self.origin_lon_deg) * self.m_per_deg_lon,
            (lat_deg - self.origin_lat_deg) * M_PER_DEG_LAT,
        )

    def to_lonlat_deg(self, x_m: float, y_m: float) -> tuple[float, float]:
        """Lon/lat of an east/north point in metres."""
        return (
            self.origin_lon_deg + x_m / self.m_per_deg_lon,
            self.origin_lat_deg + y_m / M_PER_DEG_LAT,
        )
