"""SQLModel tables: the storage edge of the domain.

Every row that belongs to a tenant carries ``operator_id``; every query the API makes filters on
it. JSON columns hold the domain specification (mission details, F3548 intent JSON, GeoJSON
geometry); the columns next to them are what queries filter and index on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from fleet.storage.types import UTCDateTime


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (default for ``created_at`` columns)."""
    return datetime.now(UTC)


def _time(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Operator(SQLModel, table=True):
    """A tenant: a company flying vehicles. Users, vehicles and missions belong to one."""

    __tablename__ = "operators"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True, index=True)
    created_at: datetime = _time(default_factory=utc_now)
    auto_dispatch: bool = True  # the service's dispatcher books its work (0004)


class User(SQLModel, table=True):
    """A person (or script) signing in; one operator and one role each."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True, index=True)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=200)
    created_at: datetime = _time(default_factory=utc_now)


class Dock(SQLModel, table=True):
    """A dock: where vehicles take off, land, charge or swap batteries."""

    __tablename__ = "docks"
    __table_args__ = (UniqueConstraint("operator_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    name: str = Field(max_length=100)
    lon_deg: float
    lat_deg: float
    slots: int = 4
    charge_power_w: float = 500.0
    swap_time_s: float | None = None


class VehicleRow(SQLModel, table=True):
    """A registered vehicle, reached by its MAVLink connection URL."""

    __tablename__ = "vehicles"
    __table_args__ = (UniqueConstraint("operator_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    mavlink_url: str = Field(max_length=300)
    system_id: int = 1
    home_dock_id: int | None = Field(default=None, foreign_key="docks.id")
    spec: dict[str, Any] = _json()
    status: str = Field(default="registered", max_length=20)
    created_at: datetime = _time(default_factory=utc_now)


class Telemetry(SQLModel, table=True):
    """The latest telemetry of each vehicle (one row per vehicle, overwritten)."""

    __tablename__ = "vehicle_telemetry"

    vehicle_id: int = Field(foreign_key="vehicles.id", primary_key=True)
    time: datetime = _time()
    lon_deg: float
    lat_deg: float
    alt_amsl_m: float
    heading_deg: float | None = None
    ground_speed_mps: float | None = None
    battery_fraction: float | None = None
    mode: str | None = Field(default=None, max_length=40)
    armed: bool = False
    link_ok: bool = True


class MissionRow(SQLModel, table=True):
    """A delivery or an inspection and where it is in its lifecycle (:mod:`fleet.lifecycle`)."""

    __tablename__ = "missions"
    __table_args__ = (Index("ix_missions_operator_state", "operator_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    kind: str = Field(max_length=20)
    state: str = Field(default="requested", max_length=20)
    state_reason: str | None = Field(default=None, max_length=500)
    priority: str = Field(default="normal", max_length=20)
    vehicle_id: int | None = Field(default=None, foreign_key="vehicles.id")
    spec: dict[str, Any] = _json()
    progress_fraction: float = 0.0
    created_by: str = Field(max_length=100)
    created_at: datetime = _time(default_factory=utc_now)
    updated_at: datetime = _time(default_factory=utc_now)


class MissionLeg(SQLModel, table=True):
    """One flight of a mission: the vehicle, the planned route and its operational intent."""

    __tablename__ = "mission_legs"
    __table_args__ = (UniqueConstraint("mission_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    mission_id: int = Field(foreign_key="missions.id", index=True)
    seq: int = 0
    vehicle_id: int | None = Field(default=None, foreign_key="vehicles.id")
    route: dict[str, Any] = _json()
    intent_id: str | None = Field(default=None, max_length=36, index=True)


class IntentRow(SQLModel, table=True):
    """An operational intent: the F3548 JSON plus the columns reservations prefilter on.

    ``time_start``/``time_end``, the altitude range (W84) and the lon/lat bounding box cover all
    of the intent's volumes, so the query that loads the intents a candidate could conflict
    with is an indexed range query; the exact test is done by the deconfliction engine.
    """

    __tablename__ = "operational_intents"
    __table_args__ = (Index("ix_intents_live_time", "live", "time_start", "time_end"),)

    id: str = Field(primary_key=True, max_length=36)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    mission_id: int | None = Field(default=None, foreign_key="missions.id", index=True)
    flight_plan_id: str | None = Field(default=None, max_length=36, index=True)
    state: str = Field(max_length=20)
    live: bool = True
    priority: int = 0
    version: int = 1
    time_start: datetime = _time()
    time_end: datetime = _time()
    alt_lower_w84_m: float
    alt_upper_w84_m: float
    min_lon_deg: float
    min_lat_deg: float
    max_lon_deg: float
    max_lat_deg: float
    f3548: dict[str, Any] = _json()
    created_at: datetime = _time(default_factory=utc_now)
    updated_at: datetime = _time(default_factory=utc_now)


class ZoneRow(SQLModel, table=True):
    """An airspace zone: no-fly, permit-required, or a temporary restriction with a window."""

    __tablename__ = "zones"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=30)
    geometry: dict[str, Any] = _json()
    floor_agl_m: float = 0.0
    ceiling_agl_m: float = 1000.0
    time_start: datetime | None = _time(default=None, nullable=True)
    time_end: datetime | None = _time(default=None, nullable=True)
    created_at: datetime = _time(default_factory=utc_now)


class FlightPlanRequest(SQLModel, table=True):
    """An InterUSS flight_planning upsert already answered (``request_id`` idempotency)."""

    __tablename__ = "flight_plan_requests"

    request_id: str = Field(primary_key=True, max_length=200)
    flight_plan_id: str = Field(max_length=36)
    response: dict[str, Any] = _json()
    created_at: datetime = _time(default_factory=utc_now)


class UserNotification(SQLModel, table=True):
    """A notification shown to a user (e.g. a new restriction conflicts with their flight)."""

    __tablename__ = "user_notifications"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    observed_at: datetime = _time(index=True)
    flight_plan_id: str | None = Field(default=None, max_length=36)
    mission_id: int | None = Field(default=None, foreign_key="missions.id")
    message: str = Field(max_length=1000)
    conflicts: int = 1


class BuildingFile(SQLModel, table=True):
    """The building file last uploaded through the API, as uploaded; the service reloads it
    at start (migration 0002). Only the latest upload is kept."""

    __tablename__ = "building_files"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operators.id")
    name: str = Field(max_length=200)
    suffix: str = Field(max_length=20)
    size_bytes: int
    sha256: str = Field(max_length=64)
    buildings: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by: str = Field(max_length=200)
    created_at: datetime = _time(default_factory=utc_now)


class AuditEntry(SQLModel, table=True):
    """Append-only audit log: who did what to which object, and when.

    The migration installs triggers that refuse UPDATE and DELETE on this table.
    """

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    time: datetime = _time(default_factory=utc_now, index=True)
    actor: str = Field(max_length=200)
    operator_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=60, index=True)
    target_type: str = Field(max_length=40)
    target_id: str = Field(max_length=60)
    detail: dict[str, Any] = _json()
