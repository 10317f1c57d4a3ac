"""Local flat-earth frame around a vehicle's home: north/east metres <-> lon/lat degrees.

Good to well under a metre over the few kilometres a simulated flight covers.

>>> frame = LocalFrame(home_lon_deg=139.70, home_lat_deg=35.69)
>>> lon, lat = frame.to_lon_lat(north_m=100.0, east_m=0.0)
>>> round(frame.to_north_east(lon, lat)[0], 6)
100.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_378_137.0


@dataclass(frozen=True, slots=True)
class LocalFrame:
    """North-east metres relative to a home point (lon/lat degrees)."""

    home_lon_deg: float
    home_lat_deg: float

    @property
    def _m_per_deg_lat(self) -> float:
        return math.pi * EARTH_RADIUS_M / 180.0

    @property
    def _m_per_deg_lon(self) -> float:
        return self._m_per_deg_lat * math.cos(math.radians(self.home_lat_deg))

    def to_lon_lat(self, north_m: float, east_m: float) -> tuple[float, float]:
        """Return (lon_deg, lat_deg) of a local point."""
        return (
            self.home_lon_deg + east_m / self._m_per_deg_lon,
            self.home_lat_deg + north_m / self._m_per_deg_lat,
        )

    def to_north_east(self, lon_deg: float, lat_deg: float) -> tuple[float, float]:
        """Return (north_m, east_m) of a lon/lat point."""
        return (
            (lat_deg - self.home_lat_deg) * self._m_per_deg_lat,
            (lon_deg - self.home_lon_deg) * self._m_per_deg_lon,
        )
