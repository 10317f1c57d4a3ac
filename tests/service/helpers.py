"""Request bodies shared by the service tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fleet import lifecycle
from fleet.storage.db import SessionFactory
from fleet.storage.tables import MissionRow

T0 = datetime(2030, 4, 1, 0, 0, tzinfo=UTC)


def delivery_body(**overrides: Any) -> dict[str, Any]:
    """A valid delivery request in Shinjuku."""
    body: dict[str, Any] = {
        "pickup": {"lon_deg": 139.700, "lat_deg": 35.690},
        "dropoff": {"lon_deg": 139.710, "lat_deg": 35.695},
        "payload_kg": 1.5,
        "earliest_pickup": T0.isoformat(),
        "latest_delivery": (T0 + timedelta(hours=2)).isoformat(),
        "priority": "normal",
    }
    body.update(overrides)
    return body


def vehicle_body(name: str = "drone-1", **overrides: Any) -> dict[str, Any]:
    """A valid multicopter registration."""
    body: dict[str, Any] = {
        "name": name,
        "kind": "multicopter",
        "mavlink_url": "udp://127.0.0.1:14540",
    }
    body.update(overrides)
    return body


def square(lon: float, lat: float, half_deg: float = 0.001) -> list[list[float]]:
    """A small square ring around (lon, lat)."""
    return [
        [lon - half_deg, lat - half_deg],
        [lon + half_deg, lat - half_deg],
        [lon + half_deg, lat + half_deg],
        [lon - half_deg, lat + half_deg],
    ]


def volume(
    lon: float,
    lat: float,
    start: datetime = T0,
    minutes: float = 10,
    alt_w84_m: tuple[float, float] = (100.0, 150.0),
    half_deg: float = 0.001,
) -> dict[str, Any]:
    """An F3548 ``Volume4D``: a square around (lon, lat), a W84 band and a time window."""
    return {
        "volume": {
            "outline_polygon": {
                "vertices": [{"lng": p[0], "lat": p[1]} for p in square(lon, lat, half_deg)]
            },
            "altitude_lower": {"value": alt_w84_m[0], "reference": "W84", "units": "M"},
            "altitude_upper": {"value": alt_w84_m[1], "reference": "W84", "units": "M"},
        },
        "time_start": {"value": start.isoformat().replace("+00:00", "Z"), "format": "RFC3339"},
        "time_end": {
            "value": (start + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z"),
            "format": "RFC3339",
        },
    }


def schedule_on(sessions: SessionFactory, mission_id: int, vehicle_id: int) -> None:
    """Schedule ``mission_id`` on ``vehicle_id`` directly (as a scheduling run would)."""
    with sessions() as session:
        lifecycle.schedule(session, mission_id, "test", commit=False)
        row = session.get(MissionRow, mission_id)
        assert row is not None
        row.vehicle_id = vehicle_id
        session.add(row)
        session.commit()
