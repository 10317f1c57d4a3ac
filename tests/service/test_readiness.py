"""``/healthz`` and ``/readyz``: alive at once, ready once the city, database and links are.

The city's planners are prepared in the background when the service starts: until then
``/readyz`` answers 503 naming the city, then 200 (the test holds the preparation on a gate
to see both states; a ``city.prepared`` event says when it is done). With the runner in the
process, a vehicle whose connection cannot be opened keeps the service not ready, listed by
URL, until it is corrected (real simulated quad on loopback UDP, port offset 1924).
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from airspace.planner import Planner
from fleet.service.app import create_app
from fleet.service.events import EventBus
from fleet.service.settings import Settings
from tests.service.helpers import vehicle_body
from tests.service.sim_service import sim_service
from tests.service.test_city import TOWER
from tests.service.test_fleet_telemetry import headers_for, telemetry_until

PORT_OFFSET = 1924


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """``Planner.prepare`` waits until the returned gate opens."""
    opened = threading.Event()
    prepare = Planner.prepare

    def held(self: Planner) -> Planner:
        opened.wait(30)
        return prepare(self)

    monkeypatch.setattr(Planner, "prepare", held)
    return opened


async def _ready(api: httpx.AsyncClient) -> tuple[int, dict[str, Any]]:
    response = await api.get("/readyz")
    return response.status_code, response.json()


async def test_ready_once_the_city_is_prepared(
    db_url: str, tmp_path: Path, gate: threading.Event
) -> None:
    city = tmp_path / "tower.geojson"
    city.write_text(json.dumps(TOWER))
    settings = Settings(
        env="test", database_url=db_url, secret_key="x" * 32, buildings_path=str(city)
    )
    bus = EventBus()
    app = create_app(settings, bus=bus)
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            bus.subscribe() as events,
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api,
        ):
            alive = await api.get("/healthz")
            assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
            status, body = await _ready(api)
            assert status == 503 and body["ready"] is False
            assert body["missing"] == ["city: preparing the planner for 1 buildings"]
            assert body["checks"]["database"] == {"ok": True, "detail": "answers"}
            gate.set()
            async with asyncio.timeout(30):
                prepared = await anext(e async for e in events if e.kind == "city.prepared")
            assert prepared.data["buildings"] == 1
            status, body = await _ready(api)
            assert (status, body["ready"], body["missing"]) == (200, True, [])
            assert "prepared for 1 buildings" in body["checks"]["city"]["detail"]
    finally:
        gate.set()


async def test_without_a_city_or_runner_ready_at_once(client: httpx.AsyncClient) -> None:
    status, body = await _ready(client)
    assert status == 200, body
    assert "no city configured" in body["checks"]["city"]["detail"]
    assert "no runner" in body["checks"]["links"]["detail"]


async def test_a_connection_that_cannot_open_keeps_it_not_ready(tmp_path: Path) -> None:
    async with sim_service(tmp_path / "db.sqlite3", PORT_OFFSET) as service:
        acme = headers_for(service)
        transport = httpx.ASGITransport(app=service.app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api,
            service.context.bus.subscribe() as events,
        ):
            assert (await _ready(api))[0] == 200
            bad_url = "serial:///dev/skyfleet-no-such-port"
            body = vehicle_body("quad", mavlink_url=bad_url)
            vehicle_id = (await api.post("/vehicles", json=body, headers=acme)).json()["id"]
            async with asyncio.timeout(15):
                await anext(
                    e
                    async for e in events
                    if e.kind == "runner.error" and e.data.get("vehicle_id") == vehicle_id
                )
            status, ready = await _ready(api)
            assert status == 503
            (missing,) = ready["missing"]
            assert missing.startswith(f"links: cannot open {bad_url}: ")

            fixed = {"mavlink_url": service.gcs_url, "system_id": 1}
            patched = await api.patch(f"/vehicles/{vehicle_id}", json=fixed, headers=acme)
            assert patched.status_code == 200, patched.text
            async with asyncio.timeout(15):
                await telemetry_until(events, vehicle_id, link="ok")
            assert (await _ready(api))[0] == 200
