"""Where things happen: a WGS84 point with a height above ground, and a UTC time window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fleet.model._checks import lon_lat, non_negative, require, utc


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 point (lon, lat in degrees) and a height above the ground there."""

    lon_deg: float
    lat_deg: float
    height_agl_m: float = 0.0

    def __post_init__(self) -> None:
        lon_lat((self.lon_deg, self.lat_deg), "point", f"({self.lon_deg}, {self.lat_deg})")
        non_negative(self.height_agl_m, f"point ({self.lon_deg}, {self.lat_deg})", "height_agl_m")

    @property
    def lon_lat(self) -> tuple[float, float]:
        """``(lon, lat)`` in degrees."""
        return self.lon_deg, self.lat_deg


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval of UTC time; aware datetimes in any zone are converted to UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", utc(self.start, "time window", "start"))
        object.__setattr__(self, "end", utc(self.end, "time window", "end"))
        require(
            self.end >= self.start, "time window", f"end {self.end} is before start {self.start}"
        )

    @property
    def duration(self) -> timedelta:
        """Length of the window."""
        return self.end - self.start

    def contains(self, moment: datetime) -> bool:
        """True when ``moment`` (aware) lies in the window."""
        return self.start <= moment <= self.end
