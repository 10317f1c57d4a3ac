"""Airspace zones: where drones may not fly, or only with a permit, or not for a while.

A :class:`Zone` is a lon/lat polygon (or a circle: centre + radius) with an altitude band
(floor/ceiling and their datum) and an optional UTC time window. Kinds:

- ``no_fly``: never (e.g. airport premises);
- ``permit_required``: only for operators holding a permit for the zone id (e.g. DIDs);
- ``temporary_restriction``: like no-fly while its time window is active (disaster area, event,
  or another operator's busy 4D volume turned into a zone by the intents module).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from shapely import affinity
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from airspace.city.model import project_all
from airspace.errors import DataError
from airspace.frames import LocalFrame, covering_offset_deg
from airspace.route import AltitudeReference

__all__ = ["Zone", "ZoneKind", "load_zones_geojson"]

_CIRCLE_OUTSIDE = 1.0 / math.cos(math.pi / 64)  # 64-gon circumscribing the circle


class ZoneKind(StrEnum):
    """What a zone forbids."""

    NO_FLY = "no_fly"
    PERMIT_REQUIRED = "permit_required"
    TEMPORARY_RESTRICTION = "temporary_restriction"


@dataclass(frozen=True, eq=False)
class Zone:
    """A restricted volume: horizontal area x altitude band x optional time window.

    Give either ``polygon_lonlat`` or ``center_lonlat`` + ``radius_m``. ``floor_m`` /
    ``ceiling_m`` are in ``altitude_reference`` (defaults: from the ground to unlimited).
    ``start`` / ``end`` are timezone-aware UTC; ``None`` means unbounded on that side.
    """

    id: str
    kind: ZoneKind
    polygon_lonlat: BaseGeometry | None = None
    center_lonlat: tuple[float, float] | None = None
    radius_m: float | None = None
    floor_m: float = -math.inf
    ceiling_m: float = math.inf
    altitude_reference: AltitudeReference = AltitudeReference.AGL
    start: datetime | None = None
    end: datetime | None = None
    name: str = ""
    _shape: BaseGeometry = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if (self.polygon_lonlat is None) == (self.center_lonlat is None):
            raise ValueError(f"zone {self.id}: give either a polygon or a circle")
        if self.center_lonlat is not None and not (self.radius_m and self.radius_m > 0):
            raise ValueError(f"zone {self.id}: a circle needs a positive radius_m")
        if self.floor_m >= self.ceiling_m:
            raise ValueError(f"zone {self.id}: floor must be below ceiling")
        for t in (self.start, self.end):
            if t is not None and t.tzinfo is None:
                raise ValueError(f"zone {self.id}: time window must be timezone-aware UTC")
        object.__setattr__(self, "_shape", self._make_shape())

    def _make_shape(self) -> BaseGeometry:
        if self.polygon_lonlat is not None:
            return self.polygon_lonlat
        assert self.center_lonlat is not None and self.radius_m is not None
        lon, lat = self.center_lonlat
        dlon, dlat = covering_offset_deg(self.radius_m * _CIRCLE_OUTSIDE, lat)  # outer bound
        circle = Point(0, 0).buffer(1.0, quad_segs=16)
        return affinity.translate(affinity.scale(circle, dlon, dlat, origin=(0, 0)), lon, lat)

    @property
    def area_lonlat(self) -> BaseGeometry:
        """The horizontal area in lon/lat (a circle becomes a conservative polygon)."""
        return self._shape

    def area_local(self, frame: LocalFrame) -> BaseGeometry:
        """The horizontal area in ``frame`` (a circle as a 64-gon circumscribing it); cached."""
        return _area_local(self, frame)

    def active_during(self, start: datetime, end: datetime) -> bool:
        """True when the zone's time window overlaps ``[start, end]``."""
        if self.start is not None and end < self.start:
            return False
        return not (self.end is not None and start > self.end)

    def applies_to(self, permits: frozenset[str], start: datetime, end: datetime) -> bool:
        """True when the zone forbids a flight by this operator during ``[start, end]``.

        A permit-required zone applies unless its id is in ``permits``; a time window only
        limits the zone when it is given.
        """
        if self.kind is ZoneKind.PERMIT_REQUIRED and self.id in permits:
            return False
        return self.active_during(start, end)


@lru_cache(maxsize=4096)
def _area_local(zone: Zone, frame: LocalFrame) -> BaseGeometry:
    if zone.center_lonlat is not None and zone.radius_m is not None:
        x, y = frame.to_local(*zone.center_lonlat)
        return Point(x, y).buffer(zone.radius_m * _CIRCLE_OUTSIDE, quad_segs=16)
    area = project_all(frame, [zone.area_lonlat])[0]
    shapely.prepare(area)
    return area


def _bound(path: Path, i: int, props: dict[str, Any], key: str, default: float) -> float:
    raw = props.get(key)
    if raw is None:
        return default
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise DataError(f"{path}: feature {i}: non-numeric {key} {raw!r}") from None


def _time(path: Path, i: int, props: dict[str, Any], key: str) -> datetime | None:
    raw = props.get(key)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise DataError(f"{path}: feature {i}: {key} {raw!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise DataError(f"{path}: feature {i}: {key} {raw!r} has no time zone")
    return value


def _zone_of(path: Path, i: int, feature: dict[str, Any], kind: ZoneKind) -> Zone:
    from airspace.city.geojson import polygon_of

    props = feature.get("properties") or {}
    raw_kind = props.get("kind")
    try:
        zone_kind = ZoneKind(raw_kind) if raw_kind is not None else kind
        reference = AltitudeReference(props.get("altitude_reference", "AGL"))
    except ValueError as exc:
        raise DataError(f"{path}: feature {i}: {exc}") from None
    zid = props.get("id") or feature.get("id") or f"{path.stem}-{i}"
    name = props.get("name") or props.get("C28_005") or props.get("CITYNAME") or ""
    return Zone(
        id=str(zid),
        kind=zone_kind,
        polygon_lonlat=polygon_of(path, i, feature),
        floor_m=_bound(path, i, props, "floor_m", -math.inf),
        ceiling_m=_bound(path, i, props, "ceiling_m", math.inf),
        altitude_reference=reference,
        start=_time(path, i, props, "start"),
        end=_time(path, i, props, "end"),
        name=str(name),
    )


def load_zones_geojson(path: str | Path, kind: ZoneKind | str = ZoneKind.NO_FLY) -> list[Zone]:
    """Load zones from a GeoJSON FeatureCollection of Polygon/MultiPolygon features.

    Optional feature properties: ``id``, ``kind`` (overrides ``kind``), ``floor_m``,
    ``ceiling_m``, ``altitude_reference`` (AGL/AMSL/W84), ``start`` / ``end`` (ISO 8601 with a
    zone). Features without geometry (the airport file has some) are skipped.

    Args:
        path: the file.
        kind: the kind given to features that do not say.

    Returns:
        The zones in file order.

    Raises:
        DataError: malformed file or feature (names the file and the feature index).
    """
    from airspace.city.geojson import read_feature_collection

    path = Path(path)
    zone_kind = ZoneKind(kind)
    return [
        _zone_of(path, i, f, zone_kind)
        for i, f in enumerate(read_feature_collection(path))
        if isinstance(f, dict) and f.get("geometry") is not None
    ]
