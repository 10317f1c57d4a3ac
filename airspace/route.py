"""A planned route: 3D waypoints with the time at each, shared by the planner and the intents.

Altitudes carry their datum in their names: ``alt_amsl_m`` is orthometric height above mean sea
level (what PLATEAU LOD z and MAVLink ``GLOBAL_POSITION_INT.alt`` use) and ``ground_amsl_m`` the
ground under the waypoint, so height above ground is their difference. Conversion to the W84
ellipsoid (what F3548-21 volumes use) lives in :mod:`airspace.frames`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise


class AltitudeReference(StrEnum):
    """Vertical datum of an altitude value."""

    AGL = "AGL"  # above ground level under the point
    AMSL = "AMSL"  # orthometric, above mean sea level (Japan: JGD2011 vertical / TP)
    W84 = "W84"  # above the WGS84 ellipsoid (F3548-21)


@dataclass(frozen=True, slots=True)
class Waypoint:
    """One route point: WGS84 lon/lat in degrees, altitude AMSL, ground AMSL, and time (UTC)."""

    lon_deg: float
    lat_deg: float
    alt_amsl_m: float
    ground_amsl_m: float
    time: datetime

    @property
    def alt_agl_m(self) -> float:
        """Height above the ground under this waypoint."""
        return self.alt_amsl_m - self.ground_amsl_m


@dataclass(frozen=True, slots=True)
class Route:
    """A flyable route: at least two waypoints in time order.

    ``length_m`` is the 3D path length, ``duration_s`` the time from the first to the last
    waypoint and ``energy_wh`` the planner's estimate (``None`` when it has no vehicle model).
    """

    waypoints: tuple[Waypoint, ...]
    length_m: float
    duration_s: float
    energy_wh: float | None = None

    def __post_init__(self) -> None:
        if len(self.waypoints) < 2:
            raise ValueError("a route needs at least two waypoints")
        times = [w.time for w in self.waypoints]
        if any(b < a for a, b in pairwise(times)):
            raise ValueError("route waypoints must be in time order")
        if any(t.tzinfo is None for t in times):
            raise ValueError("route times must be timezone-aware (UTC)")

    @property
    def departure(self) -> datetime:
        """Time at the first waypoint."""
        return self.waypoints[0].time

    @property
    def arrival(self) -> datetime:
        """Time at the last waypoint."""
        return self.waypoints[-1].time

    def shifted(self, delay: timedelta) -> Route:
        """The same route departing ``delay`` later."""
        moved = tuple(
            Waypoint(w.lon_deg, w.lat_deg, w.alt_amsl_m, w.ground_amsl_m, w.time + delay)
            for w in self.waypoints
        )
        return Route(moved, self.length_m, self.duration_s, self.energy_wh)
