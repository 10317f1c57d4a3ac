"""Missions: deliveries (pickup to dropoff) and inspections (area, corridor, structure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from shapely.geometry import LineString, Polygon

from fleet.model._checks import (
    LonLat,
    fraction,
    lon_lat_sequence,
    non_negative,
    positive,
    require,
    utc,
)
from fleet.model.camera import CameraModel
from fleet.model.places import GeoPoint, TimeWindow


class Priority(StrEnum):
    """Mission priority; :attr:`rank` orders them (higher is served first)."""

    NORMAL = "normal"
    URGENT = "urgent"
    MEDICAL = "medical"

    @property
    def rank(self) -> int:
        """0 for normal, 1 for urgent, 2 for medical."""
        return {"normal": 0, "urgent": 1, "medical": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Delivery:
    """Carry ``payload_kg`` from ``pickup`` to ``dropoff`` between two UTC instants.

    ``robot_only_dropoff`` means no aircraft may land at the dropoff (a ground robot does the
    last leg); ``relay_requested`` asks for a drone + ground-robot relay anyway.
    """

    id: str
    pickup: GeoPoint
    dropoff: GeoPoint
    payload_kg: float
    earliest_pickup: datetime
    latest_delivery: datetime
    priority: Priority = Priority.NORMAL
    robot_only_dropoff: bool = False
    relay_requested: bool = False
    pickup_service_s: float = 60.0
    dropoff_service_s: float = 60.0

    def __post_init__(self) -> None:
        where = f"delivery {self.id!r}"
        require(bool(self.id), "delivery", "id must not be empty")
        positive(self.payload_kg, where, "payload_kg")
        object.__setattr__(
            self, "earliest_pickup", utc(self.earliest_pickup, where, "earliest_pickup")
        )
        object.__setattr__(
            self, "latest_delivery", utc(self.latest_delivery, where, "latest_delivery")
        )
        require(
            self.latest_delivery > self.earliest_pickup,
            where,
            f"latest_delivery {self.latest_delivery} must be after "
            f"earliest_pickup {self.earliest_pickup}",
        )
        require(self.pickup.lon_lat != self.dropoff.lon_lat, where, "pickup and dropoff coincide")
        require(isinstance(self.priority, Priority), where, f"unknown priority {self.priority!r}")
        non_negative(self.pickup_service_s, where, "pickup_service_s")
        non_negative(self.dropoff_service_s, where, "dropoff_service_s")

    @property
    def window(self) -> TimeWindow:
        """``[earliest_pickup, latest_delivery]``."""
        return TimeWindow(self.earliest_pickup, self.latest_delivery)

    @property
    def needs_relay(self) -> bool:
        """True when a ground robot must (or is asked to) do the last leg."""
        return self.robot_only_dropoff or self.relay_requested


@dataclass(frozen=True, slots=True)
class AreaTarget:
    """A polygon to survey: its exterior ring as (lon, lat) vertices (closing vertex optional)."""

    polygon: tuple[LonLat, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "polygon", tuple(tuple(p) for p in self.polygon))
        lon_lat_sequence(self.polygon, "area target", "polygon", minimum=3)
        shape = Polygon(self.polygon)
        require(
            shape.is_valid and shape.area > 0, "area target", "polygon self-intersects or is flat"
        )


@dataclass(frozen=True, slots=True)
class CorridorTarget:
    """A corridor to scan: a centre polyline of (lon, lat) vertices and a total width."""

    polyline: tuple[LonLat, ...]
    width_m: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "polyline", tuple(tuple(p) for p in self.polyline))
        lon_lat_sequence(self.polyline, "corridor target", "polyline", minimum=2)
        require(LineString(self.polyline).length > 0, "corridor target", "polyline has no length")
        positive(self.width_m, "corridor target", "width_m")


@dataclass(frozen=True, slots=True)
class StructureTarget:
    """A structure to scan: footprint ring (lon, lat), height above its base, optional standoff.

    ``standoff_m`` is the camera-to-facade distance; ``None`` derives it from the required GSD.
    """

    footprint: tuple[LonLat, ...]
    height_m: float
    base_agl_m: float = 0.0
    standoff_m: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "footprint", tuple(tuple(p) for p in self.footprint))
        lon_lat_sequence(self.footprint, "structure target", "footprint", minimum=3)
        shape = Polygon(self.footprint)
        require(shape.is_valid and shape.area > 0, "structure target", "footprint is invalid")
        positive(self.height_m, "structure target", "height_m")
        non_negative(self.base_agl_m, "structure target", "base_agl_m")
        if self.standoff_m is not None:
            positive(self.standoff_m, "structure target", "standoff_m")


InspectionTarget = AreaTarget | CorridorTarget | StructureTarget


@dataclass(frozen=True, slots=True)
class Recurrence:
    """Repeat every ``interval`` for ``count`` occurrences in total (including the first)."""

    interval: timedelta
    count: int

    def __post_init__(self) -> None:
        require(self.interval > timedelta(0), "recurrence", "interval must be positive")
        require(self.count >= 1, "recurrence", f"count must be >= 1, got {self.count}")

    def windows(self, first: TimeWindow) -> tuple[TimeWindow, ...]:
        """The window of every occurrence, starting with ``first``."""
        step = self.interval
        return tuple(
            TimeWindow(first.start + i * step, first.end + i * step) for i in range(self.count)
        )


@dataclass(frozen=True, slots=True)
class Inspection:
    """Photograph a target at ``gsd_cm_per_px`` with the given overlaps inside ``window``.

    GSD and altitude depend on the sensor, so the pattern is computed with the camera of the
    vehicle that flies it (:meth:`flown_with`). ``camera`` is the inspector's camera; with
    ``camera_required`` only a vehicle carrying that sensor may fly the inspection. For areas
    and corridors the camera height giving the GSD must stay at or below ``ceiling_agl_m``
    (150 m AGL: the Japanese Civil Aeronautics Act limit without a permit); see
    :meth:`camera_problem`.
    """

    id: str
    target: InspectionTarget
    camera: CameraModel
    gsd_cm_per_px: float
    window: TimeWindow
    front_overlap: float = 0.75
    side_overlap: float = 0.65
    recurrence: Recurrence | None = None
    priority: Priority = Priority.NORMAL
    camera_required: bool = False
    ceiling_agl_m: float = 150.0

    def __post_init__(self) -> None:
        where = f"inspection {self.id!r}"
        positive(self.ceiling_agl_m, where, "ceiling_agl_m")
        require(bool(self.id), "inspection", "id must not be empty")
        ok = isinstance(self.target, AreaTarget | CorridorTarget | StructureTarget)
        require(ok, where, f"unknown target {self.target!r}")
        positive(self.gsd_cm_per_px, where, "gsd_cm_per_px")
        fraction(self.front_overlap, where, "front_overlap", low=0.0, high=0.95)
        fraction(self.side_overlap, where, "side_overlap", low=0.0, high=0.95)
        require(isinstance(self.priority, Priority), where, f"unknown priority {self.priority!r}")

    @property
    def distance_m(self) -> float:
        """Camera-to-subject distance that yields the required GSD."""
        return self.camera.distance_for_gsd_m(self.gsd_cm_per_px)

    def camera_problem(self, camera: CameraModel | None) -> str | None:
        """Why a vehicle carrying ``camera`` cannot fly this inspection (``None``: it can).

        >>> from datetime import UTC, datetime
        >>> cam = CameraModel(13.2, 8.8, 8.8, 5472, 3648, name="1in")
        >>> at = TimeWindow(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
        >>> square = AreaTarget(((139.7, 35.69), (139.701, 35.69), (139.701, 35.691)))
        >>> Inspection("i", square, cam, 2.0, at).camera_problem(cam) is None
        True
        >>> Inspection("i", square, cam, 5.0, at).camera_problem(cam)
        'camera 1in must fly 182 m above ground for 5.0 cm/px, above the 150 m ceiling'
        """
        if camera is None:
            return "carries no camera"
        if self.camera_required and not self.camera.same_sensor(camera):
            return f"carries camera {camera.name!r}, not the required {self.camera.name!r}"
        if isinstance(self.target, StructureTarget):
            return None
        height_m = camera.distance_for_gsd_m(self.gsd_cm_per_px)
        if height_m > self.ceiling_agl_m + 1e-9:
            return (
                f"camera {camera.name} must fly {height_m:.0f} m above ground for "
                f"{self.gsd_cm_per_px} cm/px, above the {self.ceiling_agl_m:.0f} m ceiling"
            )
        return None

    def flown_with(self, camera: CameraModel) -> Inspection:
        """This inspection as flown with ``camera`` (altitude, footprint and trigger rate)."""
        return replace(self, camera=camera)

    @property
    def occurrences(self) -> tuple[TimeWindow, ...]:
        """Every window the inspection must be flown in (one unless it recurs)."""
        if self.recurrence is None:
            return (self.window,)
        return self.recurrence.windows(self.window)


Mission = Delivery | Inspection
