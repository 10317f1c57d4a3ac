"""Mission, geofence and rally items as the vehicle stores them, and the geofence geometry.

Items keep the wire form of MISSION_ITEM_INT (lat/lon in degE7) so a download returns exactly
what was uploaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pymavlink.dialects.v20 import common as mavlink

from simulators.geo import LocalFrame

MISSION, FENCE, RALLY = (
    mavlink.MAV_MISSION_TYPE_MISSION,
    mavlink.MAV_MISSION_TYPE_FENCE,
    mavlink.MAV_MISSION_TYPE_RALLY,
)
MISSION_TYPES = (MISSION, FENCE, RALLY)

NAV_WITH_POSITION = frozenset(
    {
        mavlink.MAV_CMD_NAV_WAYPOINT,
        mavlink.MAV_CMD_NAV_LOITER_TIME,
        mavlink.MAV_CMD_NAV_LOITER_UNLIM,
        mavlink.MAV_CMD_NAV_TAKEOFF,
        mavlink.MAV_CMD_NAV_LAND,
    }
)
CAMERA_COMMANDS = frozenset(
    {
        mavlink.MAV_CMD_IMAGE_START_CAPTURE,
        mavlink.MAV_CMD_IMAGE_STOP_CAPTURE,
        mavlink.MAV_CMD_DO_DIGICAM_CONTROL,
        mavlink.MAV_CMD_DO_SET_CAM_TRIGG_DIST,
        mavlink.MAV_CMD_DO_TRIGGER_CONTROL,
        mavlink.MAV_CMD_VIDEO_START_CAPTURE,
        mavlink.MAV_CMD_VIDEO_STOP_CAPTURE,
    }
)
FENCE_COMMANDS = frozenset(
    {
        mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
        mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
        mavlink.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION,
        mavlink.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION,
        mavlink.MAV_CMD_NAV_FENCE_RETURN_POINT,
    }
)
RALLY_COMMANDS = frozenset({mavlink.MAV_CMD_NAV_RALLY_POINT})
# PX4 (mavlink_mission.cpp, parse_mavlink_mission_item) takes an item by its frame: commands
# with a position only in a global frame, the others only in MAV_FRAME_MISSION; any other
# pairing is MAV_MISSION_UNSUPPORTED, any other frame MAV_MISSION_UNSUPPORTED_FRAME. So an RTL
# in MAV_FRAME_GLOBAL_RELATIVE_ALT is refused, as is a waypoint in MAV_FRAME_MISSION.
GLOBAL_FRAME_COMMANDS = (
    NAV_WITH_POSITION
    | FENCE_COMMANDS
    | RALLY_COMMANDS
    | {
        mavlink.MAV_CMD_NAV_LOITER_TO_ALT,
        mavlink.MAV_CMD_NAV_ROI,
        mavlink.MAV_CMD_DO_SET_ROI,
        mavlink.MAV_CMD_DO_SET_ROI_LOCATION,
        mavlink.MAV_CMD_NAV_VTOL_TAKEOFF,
        mavlink.MAV_CMD_NAV_VTOL_LAND,
        mavlink.MAV_CMD_CONDITION_GATE,
        mavlink.MAV_CMD_COMPONENT_ARM_DISARM,
        mavlink.MAV_CMD_DO_AUTOTUNE_ENABLE,
    }
)
MISSION_FRAME_COMMANDS = CAMERA_COMMANDS | {
    mavlink.MAV_CMD_DO_JUMP,
    mavlink.MAV_CMD_NAV_ROI,
    mavlink.MAV_CMD_DO_SET_ROI,
    mavlink.MAV_CMD_DO_WINCH,
    mavlink.MAV_CMD_DO_GRIPPER,
    mavlink.MAV_CMD_DO_CHANGE_SPEED,
    mavlink.MAV_CMD_DO_SET_HOME,
    mavlink.MAV_CMD_DO_LAND_START,
    mavlink.MAV_CMD_DO_MOUNT_CONFIGURE,
    mavlink.MAV_CMD_DO_MOUNT_CONTROL,
    mavlink.MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW,
    mavlink.MAV_CMD_DO_GIMBAL_MANAGER_CONFIGURE,
    mavlink.MAV_CMD_SET_CAMERA_FOCUS,
    mavlink.MAV_CMD_DO_CONTROL_VIDEO,
    mavlink.MAV_CMD_OBLIQUE_SURVEY,
    mavlink.MAV_CMD_DO_SET_CAM_TRIGG_INTERVAL,
    mavlink.MAV_CMD_SET_CAMERA_MODE,
    mavlink.MAV_CMD_SET_CAMERA_SOURCE,
    mavlink.MAV_CMD_DO_VTOL_TRANSITION,
    mavlink.MAV_CMD_NAV_DELAY,
    mavlink.MAV_CMD_NAV_RETURN_TO_LAUNCH,
    mavlink.MAV_CMD_DO_SET_ROI_WPNEXT_OFFSET,
    mavlink.MAV_CMD_DO_SET_ROI_NONE,
    mavlink.MAV_CMD_CONDITION_DELAY,
    mavlink.MAV_CMD_CONDITION_DISTANCE,
    mavlink.MAV_CMD_DO_SET_ACTUATOR,
    mavlink.MAV_CMD_DO_AUTOTUNE_ENABLE,
    mavlink.MAV_CMD_COMPONENT_ARM_DISARM,
}
RELATIVE_FRAMES = frozenset(
    {mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT, mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT}
)
GLOBAL_FRAMES = RELATIVE_FRAMES | {mavlink.MAV_FRAME_GLOBAL, mavlink.MAV_FRAME_GLOBAL_INT}
SUPPORTED_FRAMES = GLOBAL_FRAMES | {mavlink.MAV_FRAME_MISSION}


def item_result(frame: int, command: int, param1: float) -> int:
    """MAV_MISSION_RESULT PX4 answers an uploaded item with (MAV_MISSION_ACCEPTED if taken).

    >>> rtl, relative = 20, mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
    >>> item_result(relative, rtl, 0) == mavlink.MAV_MISSION_UNSUPPORTED
    True
    >>> item_result(mavlink.MAV_FRAME_MISSION, rtl, 0) == mavlink.MAV_MISSION_ACCEPTED
    True
    """
    if frame in GLOBAL_FRAMES:
        allowed = GLOBAL_FRAME_COMMANDS
        roi_modes: tuple[int, ...] = (mavlink.MAV_ROI_LOCATION, mavlink.MAV_ROI_NONE)
    elif frame == mavlink.MAV_FRAME_MISSION:
        allowed = MISSION_FRAME_COMMANDS
        roi_modes = (mavlink.MAV_ROI_NONE, mavlink.MAV_ROI_WPNEXT, mavlink.MAV_ROI_WPINDEX)
    else:
        return int(mavlink.MAV_MISSION_UNSUPPORTED_FRAME)
    if command not in allowed:
        return int(mavlink.MAV_MISSION_UNSUPPORTED)
    roi = command in (mavlink.MAV_CMD_NAV_ROI, mavlink.MAV_CMD_DO_SET_ROI)
    if roi and int(param1) not in roi_modes:
        return int(mavlink.MAV_MISSION_INVALID_PARAM1)
    return int(mavlink.MAV_MISSION_ACCEPTED)


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One stored item, in MISSION_ITEM_INT's wire form (x/y = lat/lon degE7)."""

    seq: int
    frame: int
    command: int
    param1: float = 0.0
    param2: float = 0.0
    param3: float = 0.0
    param4: float = 0.0
    x: int = 0
    y: int = 0
    z: float = 0.0
    autocontinue: int = 1
    mission_type: int = MISSION

    @property
    def lat_deg(self) -> float:
        """Latitude in degrees."""
        return self.x * 1e-7

    @property
    def lon_deg(self) -> float:
        """Longitude in degrees."""
        return self.y * 1e-7

    def up_m(self, home_amsl_m: float) -> float:
        """Altitude above home of this item (relative frames as-is, global frames from AMSL)."""
        if self.frame in RELATIVE_FRAMES:
            return self.z
        return self.z - home_amsl_m


@dataclass(frozen=True, slots=True)
class _Zone:
    inclusion: bool
    polygon: tuple[tuple[float, float], ...] = ()  # (north_m, east_m)
    center: tuple[float, float] = (0.0, 0.0)
    radius_m: float = 0.0

    def contains(self, north_m: float, east_m: float) -> bool:
        if self.radius_m > 0.0:
            return math.hypot(north_m - self.center[0], east_m - self.center[1]) <= self.radius_m
        return _inside_polygon(north_m, east_m, self.polygon)


@dataclass(frozen=True, slots=True)
class Geofence:
    """Inclusion/exclusion polygons and circles in the vehicle's local frame."""

    zones: tuple[_Zone, ...] = ()

    def breached(self, north_m: float, east_m: float) -> bool:
        """True when the point is outside every inclusion zone or inside an exclusion zone."""
        inclusions = [z for z in self.zones if z.inclusion]
        if inclusions and not any(z.contains(north_m, east_m) for z in inclusions):
            return True
        return any(z.contains(north_m, east_m) for z in self.zones if not z.inclusion)


def geofence_from_items(items: tuple[PlanItem, ...], frame: LocalFrame) -> Geofence:
    """Build the geofence from uploaded fence items (polygon vertices grouped by param1)."""
    zones: list[_Zone] = []
    vertices: list[tuple[float, float]] = []
    for item in items:
        point = frame.to_north_east(item.lon_deg, item.lat_deg)
        inclusion = item.command in (
            mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
            mavlink.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION,
        )
        if item.command in (
            mavlink.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION,
            mavlink.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION,
        ):
            zones.append(_Zone(inclusion, center=point, radius_m=item.param1))
        elif item.command != mavlink.MAV_CMD_NAV_FENCE_RETURN_POINT:
            vertices.append(point)
            if len(vertices) >= max(3, int(item.param1)):
                zones.append(_Zone(inclusion, polygon=tuple(vertices)))
                vertices = []
    return Geofence(tuple(zones))


def _inside_polygon(y: float, x: float, polygon: tuple[tuple[float, float], ...]) -> bool:
    inside = False
    n = len(polygon)
    for i in range(n):
        y1, x1 = polygon[i]
        y2, x2 = polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside
