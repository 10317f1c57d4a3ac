"""PX4's mission feasibility check, run asynchronously after an upload."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymavlink.dialects.v20 import common as mavlink

from simulators.physics import VehicleKind
from simulators.plan import NAV_WITH_POSITION, PlanItem

if TYPE_CHECKING:
    from simulators.autopilot import Autopilot

MAX_FIRST_WAYPOINT_M = 10_000.0
_POSITION_OPTIONAL = {mavlink.MAV_CMD_NAV_TAKEOFF, mavlink.MAV_CMD_NAV_LAND}


def mission_problem(items: tuple[PlanItem, ...], ap: Autopilot) -> str | None:
    """Why PX4 would refuse to fly ``items``, or None when the mission is feasible."""
    if not items:
        return "no mission items"
    for item in items:
        if item.command not in NAV_WITH_POSITION:
            continue
        if item.x == 0 and item.y == 0:
            if item.command in _POSITION_OPTIONAL:
                continue
            return f"item {item.seq} has no position"
        if not (-90e7 <= item.x <= 90e7 and -180e7 <= item.y <= 180e7):
            return f"item {item.seq} has an invalid position"
        north, east = ap.frame.to_north_east(item.lon_deg, item.lat_deg)
        if ap.geofence.breached(north, east):
            return f"item {item.seq} is outside the geofence"
        if (north * north + east * east) ** 0.5 > MAX_FIRST_WAYPOINT_M:
            return f"item {item.seq} is more than 10 km from home"
        quad = ap.kind is VehicleKind.QUAD
        if quad and item.command != mavlink.MAV_CMD_NAV_LAND and item.up_m(ap.home_amsl_m) < 0:
            return f"item {item.seq} is below home altitude"
    return None
