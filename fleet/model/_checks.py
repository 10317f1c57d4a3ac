"""Small validation helpers shared by the domain dataclasses (raise :class:`ValidationError`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from fleet.errors import ValidationError

LonLat = tuple[float, float]


def require(condition: bool, where: str, message: str) -> None:
    """Raise :class:`ValidationError` ``"<where>: <message>"`` unless ``condition`` holds."""
    if not condition:
        raise ValidationError(f"{where}: {message}")


def positive(value: float, where: str, name: str) -> None:
    """Require a finite ``value > 0``."""
    require(math.isfinite(value) and value > 0, where, f"{name} must be > 0, got {value!r}")


def non_negative(value: float, where: str, name: str) -> None:
    """Require a finite ``value >= 0``."""
    require(math.isfinite(value) and value >= 0, where, f"{name} must be >= 0, got {value!r}")


def fraction(value: float, where: str, name: str, *, low: float, high: float) -> None:
    """Require ``low <= value <= high`` (a finite number)."""
    ok = math.isfinite(value) and low <= value <= high
    require(ok, where, f"{name} must be in [{low}, {high}], got {value!r}")


def lon_lat(point: LonLat, where: str, name: str) -> None:
    """Require a WGS84 ``(lon, lat)`` pair in range (lon first)."""
    require(len(point) == 2, where, f"{name} must be a (lon, lat) pair, got {point!r}")
    lon, lat = point
    ok = math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
    require(ok, where, f"{name} {point!r} is not a WGS84 (lon, lat) in degrees")


def lon_lat_sequence(points: Sequence[LonLat], where: str, name: str, *, minimum: int) -> None:
    """Require at least ``minimum`` valid, distinct ``(lon, lat)`` points."""
    for i, point in enumerate(points):
        lon_lat(point, where, f"{name}[{i}]")
    distinct = len(set(points))
    require(
        distinct >= minimum, where, f"{name} needs >= {minimum} distinct points, got {distinct}"
    )


def utc(value: datetime, where: str, name: str) -> datetime:
    """Return ``value`` converted to UTC; naive datetimes are refused."""
    require(
        isinstance(value, datetime) and value.tzinfo is not None,
        where,
        f"{name} must be a timezone-aware datetime, got {value!r}",
    )
    return value.astimezone(UTC)
