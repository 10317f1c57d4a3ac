"""API models of airspace zones (no-fly, permit-required, temporary restrictions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator
from shapely.geometry import Polygon

from fleet.service.schemas import AwareDatetime, Name, Strict

ZoneKindName = Literal["no_fly", "permit_required", "temporary_restriction"]
LonLatPair = Annotated[list[float], Field(min_length=2, max_length=2)]


def check_ring(ring: list[list[float]]) -> None:
    """Refuse a polygon ring that is out of range, degenerate or self-intersecting."""
    for i, (lon, lat) in enumerate(ring):
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"polygon[{i}] = {[lon, lat]} is not a WGS84 [lon, lat] in degrees")
    shape = Polygon([(p[0], p[1]) for p in ring])
    if not shape.is_valid or shape.area <= 0:
        raise ValueError("polygon must be a simple ring of >= 3 distinct [lon, lat] points")


class ZoneFields(Strict):
    """Shared zone fields and their checks."""

    floor_agl_m: float = Field(default=0.0, ge=0, le=10_000)
    ceiling_agl_m: float = Field(default=1000.0, gt=0, le=10_000)
    time_start: AwareDatetime | None = None
    time_end: AwareDatetime | None = None

    def _check_band_and_window(self, kind: str) -> None:
        if self.floor_agl_m >= self.ceiling_agl_m:
            raise ValueError("floor_agl_m must be below ceiling_agl_m")
        if self.time_start and self.time_end and self.time_end <= self.time_start:
            raise ValueError("time_end must be after time_start")
        if kind == "temporary_restriction" and (self.time_start is None or self.time_end is None):
            raise ValueError("a temporary_restriction needs time_start and time_end")


class ZoneCreate(ZoneFields):
    """A new zone: a lon/lat polygon, an altitude band above ground, an optional window."""

    name: Name
    kind: ZoneKindName
    polygon: list[LonLatPair] = Field(min_length=3, max_length=1000)

    @model_validator(mode="after")
    def _check(self) -> ZoneCreate:
        check_ring(self.polygon)
        self._check_band_and_window(self.kind)
        return self


class ZoneUpdate(Strict):
    """Fields of a zone to change (others stay)."""

    name: Name | None = None
    polygon: list[LonLatPair] | None = Field(default=None, min_length=3, max_length=1000)
    floor_agl_m: float | None = Field(default=None, ge=0, le=10_000)
    ceiling_agl_m: float | None = Field(default=None, gt=0, le=10_000)
    time_start: AwareDatetime | None = None
    time_end: AwareDatetime | None = None

    @model_validator(mode="after")
    def _check(self) -> ZoneUpdate:
        if self.polygon is not None:
            check_ring(self.polygon)
        return self


class ZonePublic(BaseModel):
    """A zone as listed (zones are visible to every operator: the airspace is shared)."""

    id: int
    operator_id: int
    name: str
    kind: str
    polygon: list[list[float]]
    floor_agl_m: float
    ceiling_agl_m: float
    time_start: datetime | None
    time_end: datetime | None
    created_at: datetime


class ZoneCreated(ZonePublic):
    """A new zone and the flights it affects."""

    replanned_mission_ids: list[int] = Field(default_factory=list)
    flagged_mission_ids: list[int] = Field(default_factory=list)
