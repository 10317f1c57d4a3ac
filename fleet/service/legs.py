"""Mission legs as the service stores them and the runner reads them.

One implementation of the stored form of a leg (``MissionLeg.route``): its timed waypoints,
length, duration and energy, plus its own mission items when the leg is more than its route
(e.g. a survey). :func:`fleet.runner.store.route_from_json` reads it back.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any

from airspace.route import Route
from firmware_bridge.mission_item import MissionItem


@dataclass(frozen=True, slots=True)
class PlannedLeg:
    """A leg ready to persist (``items`` when the leg is more than its route, e.g. a survey;
    ``cruise_speed_mps`` when the route's times include stops, so the speed to fly is stored)."""

    vehicle_id: int
    route: Route
    flies: bool
    items: tuple[MissionItem, ...] | None = None
    cruise_speed_mps: float | None = None

    def shifted(self, delay: timedelta) -> PlannedLeg:
        """The same leg ``delay`` later."""
        return replace(self, route=self.route.shifted(delay))


def leg_to_json(leg: PlannedLeg) -> dict[str, Any]:
    """The stored form of a leg: its route, plus its mission items when it has its own."""
    data = route_to_json(leg.route)
    if leg.cruise_speed_mps is not None:
        data["cruise_speed_mps"] = leg.cruise_speed_mps
    if leg.items is not None:
        data["mission_items"] = [_item_to_json(i) for i in leg.items]
    return data


def _item_to_json(item: MissionItem) -> dict[str, Any]:
    """A mission item as JSON; a NaN parameter (MAVLink's "unchanged") is stored as ``null``
    (JSON has no NaN, and PostgreSQL refuses it)."""
    out: dict[str, Any] = {}
    for key, value in asdict(item).items():
        if key in ("command", "frame"):
            out[key] = int(value)
        elif isinstance(value, float) and math.isnan(value):
            out[key] = None
        else:
            out[key] = value
    return out


def route_to_json(route: Route) -> dict[str, Any]:
    """The stored form of a route (what :func:`fleet.runner.store.route_from_json` reads)."""
    return {
        "waypoints": [
            {
                "lon_deg": w.lon_deg,
                "lat_deg": w.lat_deg,
                "alt_amsl_m": w.alt_amsl_m,
                "ground_amsl_m": w.ground_amsl_m,
                "time": w.time.isoformat(),
            }
            for w in route.waypoints
        ],
        "length_m": route.length_m,
        "duration_s": route.duration_s,
        "energy_wh": route.energy_wh,
    }
