"""Book the scenario through the service's HTTP API, as a dispatcher's tools would.

Docks, vehicles (by MAVLink URL and system id), deliveries and inspections are created with
bearer-token requests against the FastAPI app; any refusal stops the demo with the server's
answer, so a broken API cannot hide behind the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from fleet.demo.scenario import DemoDelivery, DemoInspection, Scenario
from fleet.errors import FleetError

OPERATOR = "skyfleet-demo"
"""The operator (tenant) the demo books as."""
DRONE_SPEC = {"payload_capacity_kg": 2.5, "battery_wh": 400.0, "cruise_speed_mps": 12.0}
ROBOT_SPEC = {"payload_capacity_kg": 2.5, "battery_wh": 800.0, "cruise_speed_mps": 3.0}
DOCK_SPEC = {"slots": 6, "swap_time_s": 120.0}
"""Registered specs; the simulated airframes get the same packs (fleet.demo.simfleet). A dock
has six pads (fleet.demo.scenario.PAD_OFFSETS_M) and swaps a battery in the dispatcher's
turnaround (fleet.dispatch.dispatcher.DispatchSettings). A robot carries one parcel box, as a drone
does (the scenario's parcels weigh at most 2.5 kg): with more, the scheduler builds
multi-parcel batches only a robot can carry and then leaves them out with all their parcels
when the robots are busy (reported to the scheduler's owner)."""


class BookingError(FleetError):
    """The API refused a booking; the message carries the request and the server's answer."""


@dataclass(frozen=True, slots=True)
class Booked:
    """Ids the API gave to what the demo booked."""

    dock_ids: dict[str, int]
    vehicle_ids: dict[str, int]
    mission_ids: dict[str, int]


async def _post(api: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post(path, json=body)
    if response.status_code >= 400:
        raise BookingError(f"POST {path} -> {response.status_code}: {response.text[:500]}")
    data: dict[str, Any] = response.json()
    return data


def _point(lonlat: tuple[float, float]) -> dict[str, float]:
    return {"lon_deg": lonlat[0], "lat_deg": lonlat[1]}


def delivery_body(d: DemoDelivery, start: datetime) -> dict[str, Any]:
    """The ``POST /missions/deliveries`` body of a scenario delivery."""
    return {
        "pickup": _point(d.pickup),
        "dropoff": _point(d.dropoff),
        "payload_kg": d.payload_kg,
        "earliest_pickup": (start + timedelta(seconds=d.earliest_pickup_s)).isoformat(),
        "latest_delivery": (start + timedelta(seconds=d.latest_delivery_s)).isoformat(),
        "priority": d.priority,
        "relay_requested": d.relay,
    }


def inspection_body(i: DemoInspection, start: datetime) -> dict[str, Any]:
    """The ``POST /missions/inspections`` body of a scenario inspection."""
    return {
        "target": {"type": "area", "polygon": [list(p) for p in i.area_lonlat]},
        "gsd_cm_per_px": i.gsd_cm_per_px,
        "window_start": (start + timedelta(seconds=i.earliest_s)).isoformat(),
        "window_end": (start + timedelta(seconds=i.latest_s)).isoformat(),
    }


async def book_scenario(
    api: httpx.AsyncClient, scenario: Scenario, start: datetime, mavlink_url: str
) -> Booked:
    """Create the scenario's docks, vehicles and missions through the API.

    Args:
        api: a client with the bearer token set.
        scenario: what to book.
        start: the scenario's time origin (simulated UTC).
        mavlink_url: the connection every simulated vehicle is reached on.

    Returns:
        The ids the API assigned.

    Raises:
        BookingError: the API refused a request.
    """
    docks = {}
    for dock in scenario.docks:
        body = {"name": dock.id, "lon_deg": dock.lon_deg, "lat_deg": dock.lat_deg, **DOCK_SPEC}
        docks[dock.id] = int((await _post(api, "/docks", body))["id"])
    vehicles = {}
    for sysid, v in enumerate(scenario.vehicles, start=1):
        spec = DRONE_SPEC if v.kind == "multicopter" else ROBOT_SPEC
        body = {
            "name": v.id,
            "kind": v.kind,
            "mavlink_url": mavlink_url,
            "system_id": sysid,
            "home_dock_id": docks[v.dock_id],
            "camera": v.kind == "multicopter",
            **spec,
        }
        vehicles[v.id] = int((await _post(api, "/vehicles", body))["id"])
    missions = {}
    for d in scenario.deliveries:
        missions[d.id] = int(
            (await _post(api, "/missions/deliveries", delivery_body(d, start)))["id"]
        )
    for i in scenario.inspections:
        body = inspection_body(i, start)
        missions[i.id] = int((await _post(api, "/missions/inspections", body))["id"])
    return Booked(docks, vehicles, missions)
