"""A ground robot's delivery, approved through the API, is driven by the runner to the end.

The service (SQLite file, in-process runner) drives a simulated PX4-like rover on loopback UDP
(simulator port offset 1570): ``POST /missions/{id}/approve`` plans the street-level drive out
and back without an intent, the runner uploads it, starts it and follows it until the rover is
home, and the mission ends ``completed``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from fleet.service.operators import ensure_operator
from fleet.service.security import Principal, Role, mint_token
from simulators.physics import VehicleKind
from tests.service.helpers import delivery_body, schedule_on, vehicle_body
from tests.service.sim_service import HOME, SimService, sim_service
from tests.service.test_city import TOWER

PORT_OFFSET = 1570
DROPOFF = {"lon_deg": HOME[0], "lat_deg": HOME[1] + 0.0012}  # ~130 m north


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[SimService]:
    """The service and one simulated rover at ``HOME``."""
    async with sim_service(tmp_path / "db.sqlite3", PORT_OFFSET, kind=VehicleKind.ROVER) as s:
        yield s


def _headers(service: SimService) -> dict[str, str]:
    with service.context.sessions() as session:
        row = ensure_operator(session, "acme", actor="test")
        assert row.id is not None
    principal = Principal("test:acme", row.id, "acme", Role.ADMIN, frozenset())
    return {"Authorization": f"Bearer {mint_token(service.settings, principal)}"}


async def _post(api: httpx.AsyncClient, path: str, headers: dict[str, str], **kw: Any) -> Any:
    response = await api.post(path, headers=headers, **kw)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_an_approved_robot_delivery_is_driven_out_and_back(service: SimService) -> None:
    headers = _headers(service)
    now = service.runner.now()
    transport = httpx.ASGITransport(app=service.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api,
        service.context.bus.subscribe() as events,
        asyncio.timeout(40),
    ):
        files = {"file": ("tower.geojson", json.dumps(TOWER), "application/geo+json")}
        await _post(api, "/buildings", headers, files=files)
        dock = await _post(
            api, "/docks", headers, json={"name": "d", "lon_deg": HOME[0], "lat_deg": HOME[1]}
        )
        body = vehicle_body(
            "rover", kind="ground_robot", mavlink_url=service.gcs_url, home_dock_id=dock["id"]
        )
        robot = await _post(api, "/vehicles", headers, json=body)
        booking = delivery_body(
            pickup={"lon_deg": HOME[0], "lat_deg": HOME[1]},
            dropoff=DROPOFF,
            earliest_pickup=now.isoformat(),
            latest_delivery=(now + timedelta(hours=2)).isoformat(),
        )
        mission = await _post(api, "/missions/deliveries", headers, json=booking)
        await asyncio.to_thread(schedule_on, service.context.sessions, mission["id"], robot["id"])
        approved = await _post(api, f"/missions/{mission['id']}/approve", headers)
        assert [leg["intent_id"] for leg in approved["legs"]] == [None, None]
        states = []
        async for event in events:
            if event.kind == "mission.state" and event.data["mission_id"] == mission["id"]:
                states.append(event.data["state"])
                if event.data["state"] in ("completed", "failed", "aborted"):
                    break
    assert states[-3:] == ["uploaded", "in_flight", "completed"], states
    rover = service.swarm.vehicles[0].autopilot.state
    assert abs(rover.north_m) < 10.0 and abs(rover.east_m) < 10.0  # home again
