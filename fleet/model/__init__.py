"""The fleet domain: vehicles, docks, cameras, and the missions they fly (frozen dataclasses).

Every constructor validates its input and raises :class:`fleet.errors.ValidationError` saying
which object and field is wrong and how.
"""

from fleet.model.camera import CameraModel
from fleet.model.mission import (
    AreaTarget,
    CorridorTarget,
    Delivery,
    Inspection,
    InspectionTarget,
    Mission,
    Priority,
    Recurrence,
    StructureTarget,
)
from fleet.model.places import GeoPoint, TimeWindow
from fleet.model.vehicle import Capabilities, Dock, Vehicle, VehicleKind

__all__ = [
    "AreaTarget",
    "CameraModel",
    "Capabilities",
    "CorridorTarget",
    "Delivery",
    "Dock",
    "GeoPoint",
    "Inspection",
    "InspectionTarget",
    "Mission",
    "Priority",
    "Recurrence",
    "StructureTarget",
    "TimeWindow",
    "Vehicle",
    "VehicleKind",
]
