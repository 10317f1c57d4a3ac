"""Stored rows as the domain's objects (:mod:`fleet.model`): docks, vehicles, missions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fleet.model import (
    AreaTarget,
    CameraModel,
    Capabilities,
    CorridorTarget,
    Delivery,
    Dock,
    GeoPoint,
    Inspection,
    Mission,
    Priority,
    StructureTarget,
    TimeWindow,
    Vehicle,
    VehicleKind,
)
from fleet.storage.tables import Dock as DockRow
from fleet.storage.tables import MissionRow, VehicleRow

EMPTY_MASS_KG = {"multicopter": 6.0, "ground_robot": 40.0}


def domain_dock(row: DockRow) -> Dock:
    """A stored dock as the scheduler's :class:`Dock`."""
    return Dock(
        str(row.id), row.lon_deg, row.lat_deg, row.slots, row.charge_power_w, row.swap_time_s
    )


def domain_vehicle(row: VehicleRow) -> Vehicle:
    """A stored vehicle as the domain's :class:`Vehicle` (a camera if its spec says so)."""
    spec = row.spec
    return Vehicle(
        id=str(row.id),
        kind=VehicleKind(row.kind),
        empty_mass_kg=EMPTY_MASS_KG[row.kind],
        payload_capacity_kg=float(spec.get("payload_capacity_kg", 2.0)),
        battery_wh=float(spec.get("battery_wh", 500.0)),
        cruise_speed_mps=float(spec.get("cruise_speed_mps", 12.0)),
        home_dock_id=str(row.home_dock_id),
        capabilities=Capabilities(camera=_vehicle_camera(spec.get("camera"))),
    )


DEFAULT_CAMERA = CameraModel(13.2, 8.8, 8.8, 5472, 3648)
"""The camera of a vehicle registered with ``camera: true`` (1-inch 20 MP, 8.8 mm lens)."""


def _vehicle_camera(stored: object) -> CameraModel | None:
    """A vehicle's stored ``camera``: ``true`` (the default camera), a camera model or none."""
    if isinstance(stored, dict):
        return _camera(stored)
    return DEFAULT_CAMERA if stored else None


def _camera(data: dict[str, Any]) -> CameraModel:
    return CameraModel(
        data["sensor_width_mm"],
        data["sensor_height_mm"],
        data["focal_length_mm"],
        data["image_width_px"],
        data["image_height_px"],
        name=str(data.get("name", "camera")),
    )


def _point(data: dict[str, Any]) -> GeoPoint:
    return GeoPoint(float(data["lon_deg"]), float(data["lat_deg"]))


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def domain_mission(row: MissionRow) -> Mission:
    """A stored mission as the domain's :class:`Delivery` or :class:`Inspection`.

    Raises:
        FleetError, KeyError, ValueError, TypeError: the stored spec is not a valid mission.
    """
    spec = row.spec
    if row.kind == "delivery":
        return Delivery(
            id=str(row.id),
            pickup=_point(spec["pickup"]),
            dropoff=_point(spec["dropoff"]),
            payload_kg=float(spec["payload_kg"]),
            earliest_pickup=_time(spec["earliest_pickup"]),
            latest_delivery=_time(spec["latest_delivery"]),
            priority=Priority(row.priority),
            robot_only_dropoff=bool(spec.get("robot_only_dropoff", False)),
            relay_requested=bool(spec.get("relay_requested", False)),
        )
    return Inspection(
        id=str(row.id),
        target=_target(spec["target"]),
        camera=_camera(spec["camera"]),
        gsd_cm_per_px=float(spec["gsd_cm_per_px"]),
        window=TimeWindow(_time(spec["window_start"]), _time(spec["window_end"])),
        front_overlap=float(spec["front_overlap"]),
        side_overlap=float(spec["side_overlap"]),
        priority=Priority(row.priority),
        camera_required=bool(spec.get("camera_required", False)),
        ceiling_agl_m=float(spec.get("ceiling_agl_m", 150.0)),
    )


def _target(data: dict[str, Any]) -> AreaTarget | CorridorTarget | StructureTarget:
    if data["type"] == "area":
        return AreaTarget(tuple((p[0], p[1]) for p in data["polygon"]))
    if data["type"] == "corridor":
        return CorridorTarget(tuple((p[0], p[1]) for p in data["polyline"]), data["width_m"])
    return StructureTarget(
        tuple((p[0], p[1]) for p in data["footprint"]),
        data["height_m"],
        standoff_m=data.get("standoff_m"),
    )
