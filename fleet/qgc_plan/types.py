"""What a QGroundControl ``.plan`` file holds, as skyfleet types (lon/lat order)."""

from __future__ import annotations

from dataclasses import dataclass

from firmware_bridge.mission_item import MavFrame, MissionItem

PX4_FIRMWARE_TYPE = 12  # MAV_AUTOPILOT_PX4
QUADROTOR_VEHICLE_TYPE = 2  # MAV_TYPE_QUADROTOR
TRANSECT_TYPES = ("survey", "CorridorScan")
# QGroundControl AltitudeMode written next to positional items (Relative, Absolute, Terrain).
ALTITUDE_MODE: dict[int, int] = {
    MavFrame.GLOBAL_RELATIVE_ALT: 1,
    MavFrame.GLOBAL_RELATIVE_ALT_INT: 1,
    MavFrame.GLOBAL: 2,
    MavFrame.GLOBAL_INT: 2,
    MavFrame.GLOBAL_TERRAIN_ALT: 4,
    MavFrame.GLOBAL_TERRAIN_ALT_INT: 4,
}


@dataclass(frozen=True, slots=True)
class HomePosition:
    """The planned home position: WGS84 lon/lat in degrees and altitude AMSL."""

    lon_deg: float
    lat_deg: float
    alt_amsl_m: float


@dataclass(frozen=True, slots=True)
class FencePolygon:
    """A geofence polygon, vertices as (lon, lat); ``inclusion`` keeps the vehicle inside."""

    vertices_lon_lat: tuple[tuple[float, float], ...]
    inclusion: bool = True


@dataclass(frozen=True, slots=True)
class FenceCircle:
    """A geofence circle centred at (lon, lat) with a radius in metres."""

    center_lon_deg: float
    center_lat_deg: float
    radius_m: float
    inclusion: bool = True


@dataclass(frozen=True, slots=True)
class RallyPoint:
    """A rally (safe) point: lon/lat in degrees and altitude above home."""

    lon_deg: float
    lat_deg: float
    alt_above_home_m: float


@dataclass(frozen=True, slots=True)
class QgcPlan:
    """The content of a ``.plan`` file: mission items, planned home, geofence, rally points."""

    mission_items: tuple[MissionItem, ...]
    planned_home: HomePosition | None = None
    fence_polygons: tuple[FencePolygon, ...] = ()
    fence_circles: tuple[FenceCircle, ...] = ()
    rally_points: tuple[RallyPoint, ...] = ()
    firmware_type: int = PX4_FIRMWARE_TYPE
    vehicle_type: int = QUADROTOR_VEHICLE_TYPE
    cruise_speed_mps: float = 15.0
    hover_speed_mps: float = 5.0
    ground_station: str = "skyfleet"
