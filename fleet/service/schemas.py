"""API models (pydantic): Create / Update / Public per resource. Storage rows stay internal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from fleet.service.security import Role


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give the time zone, e.g. 2026-05-01T09:00:00Z")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]+$")]
Lon = Annotated[float, Field(ge=-180, le=180, description="WGS84 longitude, degrees")]
Lat = Annotated[float, Field(ge=-90, le=90, description="WGS84 latitude, degrees")]


RowId = Annotated[int, Path(ge=1, le=2_147_483_647, description="row id")]


class ErrorMessage(BaseModel):
    """An error: ``detail`` says what went wrong and what to change."""

    detail: str


ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorMessage, "description": "unusable request (the detail says why)"},
    401: {"model": ErrorMessage, "description": "missing or invalid bearer token"},
    403: {"model": ErrorMessage, "description": "the caller's role or scopes do not allow it"},
    404: {"model": ErrorMessage, "description": "no such object for this operator"},
    409: {"model": ErrorMessage, "description": "conflicts with the current state"},
}


def utf8_text(value: object) -> object:
    """Refuse strings that cannot be stored as UTF-8 (lone surrogates from JSON escapes)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("text must be valid Unicode (no lone surrogate escapes)") from exc
    return value


def _numeric_only(annotation: object) -> bool:
    """Whether a field's type takes numbers and not booleans (``float``, ``int | None``...)."""
    kinds = set(get_args(annotation)) or {annotation}
    return bool(kinds & {float, int}) and bool not in kinds


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so typos are reported instead of ignored, and
    ``true``/``false`` where a number belongs (pydantic would read them as 1 and 0)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        for name, value in data.items():
            field = cls.model_fields.get(str(name))
            if isinstance(value, bool) and field is not None and _numeric_only(field.annotation):
                raise ValueError(f"{name}: give a number, not true/false")
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _utf8(cls, value: object) -> object:
        return utf8_text(value)


class TokenResponse(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class Me(BaseModel):
    """The caller as the token names them."""

    subject: str
    operator_id: int
    operator_name: str
    role: Role
    scopes: list[str]


class UserCreate(Strict):
    """A new user in the caller's operator."""

    username: Name
    password: str = Field(min_length=8, max_length=200)
    role: Role


class UserPublic(BaseModel):
    """A user as shown to their operator's admins."""

    id: int
    username: str
    operator_id: int
    role: Role
    created_at: datetime


class Point(Strict):
    """A WGS84 point, longitude first."""

    lon_deg: Lon
    lat_deg: Lat


class DockCreate(Strict):
    """A new dock."""

    name: Name
    lon_deg: Lon
    lat_deg: Lat
    slots: int = Field(default=4, ge=1, le=100)
    charge_power_w: float = Field(default=500.0, gt=0, le=1e6)
    swap_time_s: float | None = Field(default=None, gt=0, le=86400)


class DockUpdate(Strict):
    """Corrections to a dock: only the fields given change."""

    name: Name | None = None
    lon_deg: Lon | None = None
    lat_deg: Lat | None = None
    slots: int | None = Field(default=None, ge=1, le=100)
    charge_power_w: float | None = Field(default=None, gt=0, le=1e6)
    swap_time_s: float | None = Field(default=None, gt=0, le=86400)


class DockPublic(DockCreate):
    """A dock as listed."""

    model_config = ConfigDict(extra="ignore")
    id: int
    operator_id: int


class CameraIn(Strict):
    """A frame camera (defaults: a 1-inch 20 MP sensor, 8.8 mm lens)."""

    sensor_width_mm: float = Field(default=13.2, gt=0, le=100)
    sensor_height_mm: float = Field(default=8.8, gt=0, le=100)
    focal_length_mm: float = Field(default=8.8, gt=0, le=1000)
    image_width_px: int = Field(default=5472, gt=0, le=100_000)
    image_height_px: int = Field(default=3648, gt=0, le=100_000)
    name: Name = "camera"


VehicleKind = Literal["multicopter", "ground_robot"]
MavlinkUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=300,
        pattern=r"^(udp|udpin|udpout|tcp|tcpin|serial)://\S+$",
        examples=["udp://127.0.0.1:14540"],
    ),
]
SystemId = Annotated[int, Field(ge=1, le=255)]


class VehicleCreate(Strict):
    """A vehicle to register, reached by its MAVLink connection URL."""

    name: Name
    kind: VehicleKind
    mavlink_url: MavlinkUrl
    system_id: SystemId = 1
    home_dock_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    payload_capacity_kg: float = Field(default=2.0, ge=0, le=1000)
    battery_wh: float = Field(default=500.0, gt=0, le=1e6)
    cruise_speed_mps: float = Field(default=12.0, gt=0, le=100)
    camera: bool | CameraIn = Field(
        default=False,
        description="the camera it carries: true for the default 1-inch camera, or its model "
        "(inspections with camera_required need the same sensor)",
    )


class VehicleUpdate(Strict):
    """Corrections to a vehicle: only the fields given change (``home_dock_id: null``
    removes its home dock)."""

    name: Name | None = None
    kind: VehicleKind | None = None
    mavlink_url: MavlinkUrl | None = None
    system_id: SystemId | None = None
    home_dock_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    payload_capacity_kg: float | None = Field(default=None, ge=0, le=1000)
    battery_wh: float | None = Field(default=None, gt=0, le=1e6)
    cruise_speed_mps: float | None = Field(default=None, gt=0, le=100)
    camera: bool | CameraIn | None = None


LinkName = Literal["ok", "lost", "unknown"]


class TelemetryPublic(BaseModel):
    """The latest telemetry of a vehicle, from its link (``null``: not reported)."""

    time: datetime | None
    lon_deg: float | None
    lat_deg: float | None
    alt_amsl_m: float | None
    heading_deg: float | None
    ground_speed_mps: float | None
    battery_fraction: float | None
    mode: str | None
    armed: bool | None
    link_ok: bool
    landed_state: str | None = Field(
        default=None, description="on_ground, in_air, takeoff, landing or undefined"
    )


class VehiclePublic(BaseModel):
    """A vehicle with its live status."""

    id: int
    operator_id: int
    name: str
    kind: str
    mavlink_url: str
    system_id: int
    home_dock_id: int | None
    status: str = Field(
        description="registered (not heard yet), discovered (seen on an attached connection, "
        "not registered), idle (on the ground, disarmed, no mission leg), in_flight (a mission "
        "leg flies it), airborne (in the air without a mission leg, e.g. returning after an "
        "abort) or lost (its link is lost)",
        examples=["registered"],
    )
    spec: dict[str, Any]
    link: LinkName = Field(
        default="unknown",
        description="ok (heartbeats arrive), lost (they stopped) or unknown (nothing heard "
        "since the service started)",
    )
    telemetry: TelemetryPublic | None = None


class CommandRequest(Strict):
    """A command for a vehicle."""

    command: Literal["hold", "rtl", "land"]


class CommandResult(BaseModel):
    """What became of a vehicle command."""

    vehicle_id: int
    command: str
    outcome: str
    audit_id: int
