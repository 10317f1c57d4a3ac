"""An idle vehicle's telemetry comes from its link: ``GET /vehicles`` tells the truth.

End to end on real loopback UDP (simulator port offset 1913): the service with its runner and
one simulated quad standing on its pad. Once registered, the fleet watcher follows it although
no mission flies it: disarmed, its mode, on the ground at the simulator's position, battery,
link ok, status ``idle``; a vehicle nothing answers for shows link ``unknown``; when the quad's
link goes silent the API says ``lost``, and ``ok``/``idle`` again when it comes back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fleet.service.operators import ensure_operator
from fleet.service.security import Principal, Role, mint_token
from tests.service.helpers import vehicle_body
from tests.service.sim_service import GROUND_AMSL_M, SimService, sim_service

PORT_OFFSET = 1913


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[SimService]:
    """The service and one simulated quad, idle on its pad."""
    async with sim_service(tmp_path / "db.sqlite3", PORT_OFFSET) as running:
        yield running


def headers_for(service: SimService, operator: str = "acme") -> dict[str, str]:
    """A dispatcher's bearer token of ``operator`` on ``service``."""
    with service.context.sessions() as session:
        row = ensure_operator(session, operator, actor="test")
        assert row.id is not None
    principal = Principal(f"test:{operator}", row.id, operator, Role.DISPATCHER, frozenset())
    return {"Authorization": f"Bearer {mint_token(service.settings, principal)}"}


async def telemetry_until(events: Any, vehicle_id: int, **match: object) -> dict[str, Any]:
    """The first ``vehicle.telemetry`` event of ``vehicle_id`` with the ``match`` fields."""
    async for event in events:
        data = event.data
        wanted = all(data.get(k) == v for k, v in match.items())
        if event.kind == "vehicle.telemetry" and data.get("vehicle_id") == vehicle_id and wanted:
            return dict(data)
    raise AssertionError("the event stream ended")


async def test_an_idle_vehicle_shows_its_link_state(service: SimService) -> None:
    sim = service.swarm.vehicles[0]
    acme = headers_for(service)
    transport = httpx.ASGITransport(app=service.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api,
        service.context.bus.subscribe() as events,
    ):
        body = vehicle_body("quad", mavlink_url=service.gcs_url, system_id=1)
        created = await api.post("/vehicles", json=body, headers=acme)
        assert created.status_code == 201, created.text
        vehicle_id = created.json()["id"]
        ghost = vehicle_body("ghost", mavlink_url=service.gcs_url, system_id=9)
        ghost_id = (await api.post("/vehicles", json=ghost, headers=acme)).json()["id"]
        async with asyncio.timeout(15):
            event = await telemetry_until(events, vehicle_id, status="idle")
        assert event["link"] == "ok" and event["armed"] is False
        assert event["landed_state"] == "on_ground"

        shown = (await api.get(f"/vehicles/{vehicle_id}", headers=acme)).json()
        assert shown["status"] == "idle" and shown["link"] == "ok"
        live = shown["telemetry"]
        state = sim.autopilot.state
        assert live["armed"] is False and live["link_ok"] is True
        assert live["mode"] == sim.autopilot.mode.value
        assert live["landed_state"] == "on_ground"
        assert abs(live["alt_amsl_m"] - GROUND_AMSL_M) < 1.0
        assert abs(live["lon_deg"] - sim.spec.home_lon_deg) < 1e-5
        assert abs(live["lat_deg"] - sim.spec.home_lat_deg) < 1e-5
        assert state.on_ground
        assert 0.0 < live["battery_fraction"] <= 1.0

        listed = {v["id"]: v for v in (await api.get("/vehicles", headers=acme)).json()}
        assert listed[ghost_id]["link"] == "unknown"
        assert listed[ghost_id]["status"] == "registered"
        assert listed[ghost_id]["telemetry"] is None

        sim.faults.loss = 1.0  # the quad's radio goes silent
        async with asyncio.timeout(15):
            await telemetry_until(events, vehicle_id, link="lost")
        shown = (await api.get(f"/vehicles/{vehicle_id}", headers=acme)).json()
        assert shown["link"] == "lost" and shown["status"] == "lost"
        assert shown["telemetry"]["link_ok"] is False

        sim.faults.loss = 0.0
        async with asyncio.timeout(15):
            await telemetry_until(events, vehicle_id, link="ok", status="idle")
        shown = (await api.get(f"/vehicles/{vehicle_id}", headers=acme)).json()
        assert (shown["link"], shown["status"]) == ("ok", "idle")


async def test_a_command_changes_the_mode_the_api_shows(service: SimService) -> None:
    """The mode shown is the vehicle's: after a hold command, what the heartbeat says."""
    sim = service.swarm.vehicles[0]
    acme = headers_for(service)
    transport = httpx.ASGITransport(app=service.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api,
        service.context.bus.subscribe() as events,
    ):
        body = vehicle_body("quad", mavlink_url=service.gcs_url, system_id=1)
        vehicle_id = (await api.post("/vehicles", json=body, headers=acme)).json()["id"]
        async with asyncio.timeout(15):
            await telemetry_until(events, vehicle_id, status="idle")
        sent = await api.post(
            f"/vehicles/{vehicle_id}/commands", json={"command": "hold"}, headers=acme
        )
        assert sent.status_code == 200, sent.text
        async with asyncio.timeout(15):
            await telemetry_until(events, vehicle_id, mode="hold")
        shown = (await api.get(f"/vehicles/{vehicle_id}", headers=acme)).json()
        assert shown["telemetry"]["mode"] == sim.autopilot.mode.value == "hold"


async def test_a_watched_vehicle_can_be_deleted_and_registered_again(service: SimService) -> None:
    """Deleting a vehicle the watcher follows (it stores its telemetry every few seconds)
    leaves the runner running: registered again, it is followed again."""
    acme = headers_for(service)
    transport = httpx.ASGITransport(app=service.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api,
        service.context.bus.subscribe() as events,
    ):
        body = vehicle_body("quad", mavlink_url=service.gcs_url, system_id=1)
        for _ in range(2):
            vehicle_id = (await api.post("/vehicles", json=body, headers=acme)).json()["id"]
            async with asyncio.timeout(15):
                await telemetry_until(events, vehicle_id, status="idle")
            deleted = await api.delete(f"/vehicles/{vehicle_id}", headers=acme)
            assert deleted.status_code == 204
        assert (await api.get("/readyz")).status_code == 200
        assert not service.runner.fleetwatch.link_problems()
