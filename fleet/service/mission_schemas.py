"""API models of missions: delivery and inspection requests, and the mission as shown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from fleet.service.schemas import AwareDatetime, CameraIn, Point, Strict

__all__ = ["CameraIn"]  # re-exported: part of the inspection request

PriorityName = Literal["normal", "urgent", "medical"]
LonLatPair = Annotated[list[float], Field(min_length=2, max_length=2)]


class DeliveryCreate(Strict):
    """Carry a payload from pickup to dropoff inside a time window."""

    pickup: Point
    dropoff: Point
    payload_kg: float = Field(gt=0, le=1000)
    earliest_pickup: AwareDatetime
    latest_delivery: AwareDatetime
    priority: PriorityName = "normal"
    robot_only_dropoff: bool = False
    relay_requested: bool = False
    transfer: Point | None = Field(
        default=None,
        description="for a drone + ground-robot relay (robot_only_dropoff or relay_requested): "
        "open ground where the drone lands and a ground robot takes the parcel to the dropoff",
    )

    @model_validator(mode="after")
    def _consistent(self) -> DeliveryCreate:
        if self.latest_delivery <= self.earliest_pickup:
            raise ValueError("latest_delivery must be after earliest_pickup")
        if (self.pickup.lon_deg, self.pickup.lat_deg) == (
            self.dropoff.lon_deg,
            self.dropoff.lat_deg,
        ):
            raise ValueError("pickup and dropoff are the same point; give two different places")
        return self


def _ring_ok(points: list[list[float]], minimum: int, name: str) -> None:
    for i, (lon, lat) in enumerate(points):
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"{name}[{i}] = {[lon, lat]} is not a WGS84 [lon, lat] in degrees")
    if len({(p[0], p[1]) for p in points}) < minimum:
        raise ValueError(f"{name} needs at least {minimum} distinct [lon, lat] points")


class AreaTargetIn(Strict):
    """A polygon to survey."""

    type: Literal["area"]
    polygon: list[LonLatPair] = Field(min_length=3, max_length=500)

    @model_validator(mode="after")
    def _check(self) -> AreaTargetIn:
        _ring_ok(self.polygon, 3, "polygon")
        return self


class CorridorTargetIn(Strict):
    """A corridor along a polyline."""

    type: Literal["corridor"]
    polyline: list[LonLatPair] = Field(min_length=2, max_length=500)
    width_m: float = Field(gt=0, le=1000)

    @model_validator(mode="after")
    def _check(self) -> CorridorTargetIn:
        _ring_ok(self.polyline, 2, "polyline")
        return self


class StructureTargetIn(Strict):
    """A structure: footprint and height."""

    type: Literal["structure"]
    footprint: list[LonLatPair] = Field(min_length=3, max_length=500)
    height_m: float = Field(gt=0, le=1000)
    standoff_m: float | None = Field(default=None, gt=0, le=500)

    @model_validator(mode="after")
    def _check(self) -> StructureTargetIn:
        _ring_ok(self.footprint, 3, "footprint")
        return self


class InspectionCreate(Strict):
    """Photograph a target at a ground sampling distance inside a time window."""

    target: Annotated[
        AreaTargetIn | CorridorTargetIn | StructureTargetIn, Field(discriminator="type")
    ]
    camera: CameraIn = Field(default_factory=CameraIn)
    gsd_cm_per_px: float = Field(gt=0, le=100)
    window_start: AwareDatetime
    window_end: AwareDatetime
    front_overlap: float = Field(default=0.75, ge=0, le=0.95)
    side_overlap: float = Field(default=0.65, ge=0, le=0.95)
    priority: PriorityName = "normal"
    camera_required: bool = Field(
        default=False,
        description="only a vehicle carrying this camera (same sensor, lens and image size) "
        "may fly the inspection",
    )
    ceiling_agl_m: float = Field(
        default=150.0,
        gt=0,
        le=10_000,
        description="highest camera height above ground for an area or corridor survey; the "
        "GSD must be reachable at or below it (150 m: the Japanese limit without a permit)",
    )

    @model_validator(mode="after")
    def _window(self) -> InspectionCreate:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        return self


class LegPublic(BaseModel):
    """One flight of a mission."""

    seq: int
    vehicle_id: int | None
    route: dict[str, Any]
    intent_id: str | None
    intent_state: str | None


class MissionPublic(BaseModel):
    """A mission with its state, progress, legs (routes) and intents."""

    id: int
    operator_id: int
    kind: Literal["delivery", "inspection"]
    state: str
    state_reason: str | None
    priority: str
    vehicle_id: int | None
    spec: dict[str, Any]
    progress_fraction: float
    created_by: str
    created_at: datetime
    updated_at: datetime
    legs: list[LegPublic] = Field(default_factory=list)


class CancelRequest(Strict):
    """Why a mission is cancelled."""

    reason: str = Field(default="cancelled by the operator", min_length=1, max_length=500)


class AbortRequest(Strict):
    """How to end a mission early, and why."""

    action: Literal["rtl", "land"] = Field(
        default="rtl",
        description="rtl: a vehicle in the air returns to its launch point; land: it lands "
        "where it is. A vehicle armed on the ground is disarmed.",
    )
    reason: str = Field(default="aborted by the operator", min_length=1, max_length=400)
