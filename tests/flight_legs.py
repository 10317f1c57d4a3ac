"""Short legs for :func:`fleet.runner.flight.fly_leg` tests, and an observer that records them.

Shared by the real PX4 SITL tests (``tests/px4``) and the simulator ones (``tests/bridge``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from airspace.route import Route, Waypoint
from firmware_bridge.telemetry import LinkState, Position
from fleet.runner.flight import LegPlan
from fleet.runner.items import flight_items

M_PER_DEG_LAT = 111_320.0


def hop(
    lon_deg: float,
    lat_deg: float,
    ground_amsl_m: float,
    departure: datetime,
    north_m: float,
    alt_agl_m: float = 5.0,
) -> Route:
    """Take off at (lon, lat), climb to ``alt_agl_m``, fly ``north_m`` north, land."""
    lat_to = lat_deg + north_m / M_PER_DEG_LAT
    air_m = ground_amsl_m + alt_agl_m
    stamps = (0.0, 6.0, 6.0 + abs(north_m) / 4.0, 16.0 + abs(north_m) / 4.0)
    points = (
        (lon_deg, lat_deg, ground_amsl_m),
        (lon_deg, lat_deg, air_m),
        (lon_deg, lat_to, air_m),
        (lon_deg, lat_to, ground_amsl_m),
    )
    waypoints = tuple(
        Waypoint(lon, lat, alt, ground_amsl_m, departure + timedelta(seconds=t))
        for (lon, lat, alt), t in zip(points, stamps, strict=True)
    )
    return Route(waypoints, length_m=abs(north_m) + 2 * alt_agl_m, duration_s=stamps[-1])


def leg_plan(route: Route, seq: int, name: str = "px4-1") -> LegPlan:
    """A leg with no intent (fly_leg alone: no airspace) flying ``route`` on vehicle 1."""
    home = route.waypoints[0].ground_amsl_m
    items = tuple(flight_items(route, home_amsl_m=home, speed_mps=4.0))
    return LegPlan(1, seq, 1, name, True, route, items, None, last_leg=False)


@dataclass
class Recorder:
    """A :class:`~fleet.runner.flight.LegObserver` noting when each step happened (wall s)."""

    t0_s: float = field(default_factory=time.monotonic)
    steps: dict[str, float] = field(default_factory=dict)
    started_count: int = 0
    top_rise_m: float = -math.inf
    """Highest altitude above the first position seen (PX4's ``relative_alt`` after a
    landing can be off by a metre or more: it is not used)."""
    links: list[bool] = field(default_factory=list)
    _first_amsl_m: float | None = None

    def _note(self, step: str) -> None:
        self.steps.setdefault(step, time.monotonic() - self.t0_s)

    async def uploaded(self, plan: LegPlan) -> None:
        self._note("uploaded")

    async def started(self, plan: LegPlan) -> None:
        self.started_count += 1
        self._note("started")

    async def position(self, plan: LegPlan, position: Position) -> None:
        if self._first_amsl_m is None:
            self._first_amsl_m = position.alt_amsl_m
        rise_m = position.alt_amsl_m - self._first_amsl_m
        self.top_rise_m = max(self.top_rise_m, rise_m)
        if rise_m > 1.0:
            self._note("climbed")

    async def link_changed(self, plan: LegPlan, link: LinkState) -> None:
        self.links.append(link.connected)

    async def landed(self, plan: LegPlan) -> None:
        self._note("landed")
