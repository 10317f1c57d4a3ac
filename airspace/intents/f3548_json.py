"""F3548-21 / InterUSS JSON in and out for volumes and operational intents.

Field names follow the ``astm-utm`` OpenAPI: ``Volume4D{volume, time_start, time_end}``,
``Volume3D{outline_polygon | outline_circle, altitude_lower, altitude_upper}``,
``Polygon{vertices[LatLngPoint{lat, lng}]}``, ``Circle{center, radius{value, units: "M"}}``,
``Altitude{value, reference: "W84", units: "M"}``, ``Time{value, format: "RFC3339"}``, and
``OperationalIntent{reference{id, manager, version, state, ovn, time_start, time_end},
details{volumes, off_nominal_volumes, priority}}``. ``manager`` carries the operator id.
``state == "Ended"`` is a skyfleet extension used only for storage (the DSS deletes the
reference instead).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airspace.errors import IntentError
from airspace.intents.intent import IntentState, OperationalIntent
from airspace.intents.volume import Circle, Polygon, Volume4D, time_window

Json = dict[str, Any]


def time_to_json(t: datetime) -> Json:
    """A UTC ``Time`` object (RFC3339, zone ``Z``)."""
    text = t.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return {"value": text, "format": "RFC3339"}


def volume_to_json(v: Volume4D) -> Json:
    """One ``Volume4D``."""
    volume: Json = {
        "altitude_lower": _altitude(v.altitude_lower_w84_m),
        "altitude_upper": _altitude(v.altitude_upper_w84_m),
    }
    if isinstance(v.outline, Circle):
        c = v.outline
        volume["outline_circle"] = {
            "center": {"lat": c.center_lat_deg, "lng": c.center_lon_deg},
            "radius": {"value": c.radius_m, "units": "M"},
        }
    else:
        volume["outline_polygon"] = {
            "vertices": [{"lat": lat, "lng": lon} for lon, lat in v.outline.vertices_lonlat_deg]
        }
    return {
        "volume": volume,
        "time_start": time_to_json(v.time_start),
        "time_end": time_to_json(v.time_end),
    }


def intent_to_json(intent: OperationalIntent) -> Json:
    """One ``OperationalIntent`` (reference + details)."""
    start, end = time_window(intent.all_volumes)
    return {
        "reference": {
            "id": intent.id,
            "manager": intent.operator_id,
            "version": intent.version,
            "state": intent.state.value,
            "ovn": intent.ovn,
            "time_start": time_to_json(start),
            "time_end": time_to_json(end),
        },
        "details": {
            "volumes": [volume_to_json(v) for v in intent.volumes],
            "off_nominal_volumes": [volume_to_json(v) for v in intent.off_nominal_volumes],
            "priority": intent.priority,
        },
    }


def intent_from_json(data: Json) -> OperationalIntent:
    """Parse an ``OperationalIntent``.

    Raises:
        IntentError: a member is missing or malformed; the message names its JSON path.
    """
    ref, details = _get(data, "reference", ""), _get(data, "details", "")
    try:
        state = IntentState(_get(ref, "state", "reference"))
    except ValueError as err:
        raise IntentError(f"reference.state: {err}") from None
    return OperationalIntent(
        id=str(_get(ref, "id", "reference")),
        operator_id=str(_get(ref, "manager", "reference")),
        priority=int(details.get("priority", 0)),
        state=state,
        volumes=_volumes(details.get("volumes", []), "details.volumes"),
        off_nominal_volumes=_volumes(
            details.get("off_nominal_volumes", []), "details.off_nominal_volumes"
        ),
        version=int(_get(ref, "version", "reference")),
        ovn=str(_get(ref, "ovn", "reference")),
    )


def volume_from_json(data: Json, path: str = "volume4d") -> Volume4D:
    """Parse one ``Volume4D``.

    Raises:
        IntentError: a member is missing or malformed; the message names its JSON path.
    """
    v3 = _get(data, "volume", path)
    where = f"{path}.volume"
    try:
        return Volume4D(
            outline=_outline(v3, where),
            altitude_lower_w84_m=_altitude_from(_get(v3, "altitude_lower", where), where),
            altitude_upper_w84_m=_altitude_from(_get(v3, "altitude_upper", where), where),
            time_start=_time_from(_get(data, "time_start", path), f"{path}.time_start"),
            time_end=_time_from(_get(data, "time_end", path), f"{path}.time_end"),
        )
    except IntentError as err:
        if str(err).startswith(path):
            raise
        raise IntentError(f"{path}: {err}") from None


def _volumes(items: object, path: str) -> tuple[Volume4D, ...]:
    if not isinstance(items, list):
        raise IntentError(f"{path}: expected a list")
    return tuple(volume_from_json(item, f"{path}[{i}]") for i, item in enumerate(items))


def _outline(v3: Json, where: str) -> Circle | Polygon:
    poly, circle = v3.get("outline_polygon"), v3.get("outline_circle")
    if (poly is None) == (circle is None):
        raise IntentError(f"{where}: exactly one of outline_polygon, outline_circle is required")
    if circle is not None:
        center = _get(circle, "center", f"{where}.outline_circle")
        radius = _get(circle, "radius", f"{where}.outline_circle")
        if radius.get("units", "M") != "M":
            raise IntentError(f"{where}.outline_circle.radius.units: only M is supported")
        return Circle(float(center["lng"]), float(center["lat"]), float(radius["value"]))
    vertices = _get(poly, "vertices", f"{where}.outline_polygon")
    try:
        return Polygon(tuple((float(p["lng"]), float(p["lat"])) for p in vertices))
    except (KeyError, TypeError) as err:
        raise IntentError(f"{where}.outline_polygon.vertices: bad vertex ({err})") from None


def _altitude(value_m: float) -> Json:
    return {"value": value_m, "reference": "W84", "units": "M"}


def _altitude_from(alt: Json, where: str) -> float:
    if alt.get("reference") != "W84" or alt.get("units") != "M":
        raise IntentError(f"{where}: altitude must be reference W84, units M (F3548), got {alt}")
    return float(_get(alt, "value", where))


def _time_from(t: Json, where: str) -> datetime:
    if t.get("format") != "RFC3339":
        raise IntentError(f"{where}.format: must be RFC3339")
    text = str(_get(t, "value", where))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise IntentError(f"{where}.value: {text!r} is not RFC3339") from None
    if parsed.tzinfo is None:
        raise IntentError(f"{where}.value: {text!r} has no time zone")
    return parsed.astimezone(UTC)


def _get(obj: object, key: str, path: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise IntentError(f"{path + '.' if path else ''}{key}: missing (required)")
    return obj[key]
