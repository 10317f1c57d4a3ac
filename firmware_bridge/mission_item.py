"""Typed MAVLink mission items, free of pymavlink, shared by the bridge and the fleet domain.

A :class:`MissionItem` mirrors ``MISSION_ITEM_INT``: ``x``/``y`` are latitude/longitude in
degrees here (the wire carries them as degE7 integers) and ``z`` is the altitude in the item's
frame. Only the MAV_CMD and MAV_FRAME values skyfleet uses are named; any other integer is
accepted as-is so a downloaded mission round-trips.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum


class MavFrame(IntEnum):
    """MAV_FRAME values used in missions."""

    GLOBAL = 0  # altitude AMSL
    MISSION = 2  # for DO_* commands without position
    GLOBAL_RELATIVE_ALT = 3  # altitude above home
    GLOBAL_INT = 5
    GLOBAL_RELATIVE_ALT_INT = 6
    GLOBAL_TERRAIN_ALT = 10
    GLOBAL_TERRAIN_ALT_INT = 11


class MavCmd(IntEnum):
    """MAV_CMD values used in missions and commands (common dialect)."""

    NAV_WAYPOINT = 16
    NAV_LOITER_UNLIM = 17
    NAV_LOITER_TIME = 19
    NAV_RETURN_TO_LAUNCH = 20
    NAV_LAND = 21
    NAV_TAKEOFF = 22
    NAV_ROI = 80
    NAV_DELAY = 93
    CONDITION_YAW = 115
    DO_SET_MODE = 176
    DO_JUMP = 177
    DO_CHANGE_SPEED = 178
    DO_SET_HOME = 179
    DO_SET_SERVO = 183
    DO_REPOSITION = 192
    DO_SET_ROI_LOCATION = 195
    DO_SET_ROI_NONE = 197
    DO_MOUNT_CONTROL = 205
    DO_SET_CAM_TRIGG_DIST = 206
    DO_FENCE_ENABLE = 207
    DO_GIMBAL_MANAGER_PITCHYAW = 1000
    IMAGE_START_CAPTURE = 2000
    IMAGE_STOP_CAPTURE = 2001
    NAV_FENCE_POLYGON_VERTEX_INCLUSION = 5001
    NAV_FENCE_POLYGON_VERTEX_EXCLUSION = 5002
    NAV_FENCE_CIRCLE_INCLUSION = 5003
    NAV_FENCE_CIRCLE_EXCLUSION = 5004
    NAV_RALLY_POINT = 5100


class MissionType(IntEnum):
    """MAV_MISSION_TYPE: which of the vehicle's three plans an item list belongs to."""

    MISSION = 0
    FENCE = 1
    RALLY = 2


@dataclass(frozen=True, slots=True)
class MissionItem:
    """One mission item; ``x``/``y`` are lat/lon in degrees, ``z`` altitude in ``frame``."""

    command: int
    frame: int = MavFrame.GLOBAL_RELATIVE_ALT_INT
    param1: float = 0.0
    param2: float = 0.0
    param3: float = 0.0
    param4: float = 0.0
    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    autocontinue: bool = True

    @property
    def lat_deg(self) -> float:
        """Latitude in degrees (``x``)."""
        return self.x

    @property
    def lon_deg(self) -> float:
        """Longitude in degrees (``y``)."""
        return self.y


WITHOUT_POSITION = frozenset(
    {
        MavCmd.NAV_RETURN_TO_LAUNCH,
        MavCmd.NAV_DELAY,
        MavCmd.CONDITION_YAW,
        MavCmd.DO_SET_MODE,
        MavCmd.DO_JUMP,
        MavCmd.DO_CHANGE_SPEED,
        MavCmd.DO_SET_SERVO,
        MavCmd.DO_SET_ROI_NONE,
        MavCmd.DO_MOUNT_CONTROL,
        MavCmd.DO_SET_CAM_TRIGG_DIST,
        MavCmd.DO_FENCE_ENABLE,
        MavCmd.DO_GIMBAL_MANAGER_PITCHYAW,
        MavCmd.IMAGE_START_CAPTURE,
        MavCmd.IMAGE_STOP_CAPTURE,
    }
)
"""Mission commands that carry no position: PX4 takes them only in ``MAV_FRAME_MISSION``."""


def in_px4_frame(item: MissionItem) -> MissionItem:
    """``item`` with ``MAV_FRAME_MISSION`` if its command carries no position.

    PX4 answers an upload holding such a command in a global frame (e.g. an RTL or a
    DO_CHANGE_SPEED in ``MAV_FRAME_GLOBAL_RELATIVE_ALT``) with ``MAV_MISSION_UNSUPPORTED``
    (measured on PX4 SITL for every command of :data:`WITHOUT_POSITION` we send). Params 5-7
    keep the values they had on the wire (a global frame carries ``x``/``y`` as degE7).
    Other items are returned as they are.

    >>> in_px4_frame(MissionItem(MavCmd.NAV_RETURN_TO_LAUNCH)).frame == MavFrame.MISSION
    True
    >>> in_px4_frame(MissionItem(MavCmd.NAV_WAYPOINT)).frame == MavFrame.GLOBAL_RELATIVE_ALT_INT
    True
    """
    if item.command in WITHOUT_POSITION and item.frame != MavFrame.MISSION:
        scale = 1e7 if item.frame in set(MavFrame) else 1.0  # every named frame but this is global
        x, y = (round(v * scale) for v in (item.x, item.y))
        return replace(item, frame=MavFrame.MISSION, x=float(x), y=float(y))
    return item
