"""MAVLink mission items used by the inspection patterns (positions as lon/lat arguments)."""

from __future__ import annotations

import math

from firmware_bridge.mission_item import MavCmd, MavFrame, MissionItem

_REL = MavFrame.GLOBAL_RELATIVE_ALT
_NONE = MavFrame.MISSION
GROUND_SPEED = 1.0  # DO_CHANGE_SPEED param1: speed type ground speed


def takeoff(lon_deg: float, lat_deg: float, alt_rel_m: float) -> MissionItem:
    """NAV_TAKEOFF to ``alt_rel_m`` above home; yaw (param4) left unchanged."""
    return MissionItem(MavCmd.NAV_TAKEOFF, _REL, param4=math.nan, x=lat_deg, y=lon_deg, z=alt_rel_m)


def waypoint(lon_deg: float, lat_deg: float, alt_rel_m: float) -> MissionItem:
    """NAV_WAYPOINT passed through (no hold, no acceptance radius override, yaw unchanged)."""
    return MissionItem(
        MavCmd.NAV_WAYPOINT, _REL, param4=math.nan, x=lat_deg, y=lon_deg, z=alt_rel_m
    )


def change_speed(speed_mps: float) -> MissionItem:
    """DO_CHANGE_SPEED to a ground speed; throttle unchanged (-1)."""
    return MissionItem(MavCmd.DO_CHANGE_SPEED, _NONE, GROUND_SPEED, speed_mps, -1.0)


def trigger_distance(distance_m: float) -> MissionItem:
    """DO_SET_CAM_TRIGG_DIST: a photo every ``distance_m``, the first at once; 0 stops."""
    immediately = 1.0 if distance_m > 0 else 0.0
    return MissionItem(MavCmd.DO_SET_CAM_TRIGG_DIST, _NONE, distance_m, 0.0, immediately)


def gimbal_pitch_yaw(pitch_deg: float, yaw_deg: float = 0.0) -> MissionItem:
    """DO_GIMBAL_MANAGER_PITCHYAW: point the primary gimbal (rates left to the gimbal)."""
    return MissionItem(
        MavCmd.DO_GIMBAL_MANAGER_PITCHYAW, _NONE, pitch_deg, yaw_deg, math.nan, math.nan
    )


def roi_location(lon_deg: float, lat_deg: float, alt_rel_m: float) -> MissionItem:
    """DO_SET_ROI_LOCATION: keep the vehicle and camera pointed at a point."""
    return MissionItem(MavCmd.DO_SET_ROI_LOCATION, _REL, x=lat_deg, y=lon_deg, z=alt_rel_m)


def roi_none() -> MissionItem:
    """DO_SET_ROI_NONE: stop pointing at the region of interest."""
    return MissionItem(MavCmd.DO_SET_ROI_NONE, _NONE)


def return_to_launch() -> MissionItem:
    """NAV_RETURN_TO_LAUNCH."""
    return MissionItem(MavCmd.NAV_RETURN_TO_LAUNCH, _NONE)


def land(lon_deg: float, lat_deg: float) -> MissionItem:
    """NAV_LAND at a point (ground level)."""
    return MissionItem(MavCmd.NAV_LAND, _REL, param4=math.nan, x=lat_deg, y=lon_deg, z=0.0)
