"""Vehicles discovered on an attached connection appear in the vehicle list.

Two simulated quads share one ground-station port (simulator port offset 1560), as a fleet of
PX4 SITL instances does. The operator registers system 1 on that URL; the runner, watching
the connection, lists system 2 as ``discovered`` for that operator only; registering system 2
afterwards adopts the discovered row instead of duplicating it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import select

from firmware_bridge.vehicle import VehicleInfo
from fleet.runner.discovery import record_discovered
from fleet.service.operators import ensure_operator
from fleet.service.security import Principal, Role, mint_token
from fleet.storage.db import make_session_factory
from fleet.storage.tables import AuditEntry, VehicleRow
from tests.service.helpers import vehicle_body
from tests.service.sim_service import SimService, sim_service

PORT_OFFSET = 1560


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[SimService]:
    """The service and two simulated quads (system ids 1 and 2) on one connection."""
    async with sim_service(tmp_path / "db.sqlite3", PORT_OFFSET, count=2) as running:
        yield running


def _headers(service: SimService, operator: str) -> dict[str, str]:
    with service.context.sessions() as session:
        row = ensure_operator(session, operator, actor="test")
        assert row.id is not None
    principal = Principal(f"test:{operator}", row.id, operator, Role.DISPATCHER, frozenset())
    return {"Authorization": f"Bearer {mint_token(service.settings, principal)}"}


async def _vehicles(api: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await api.get("/vehicles", headers=headers)
    assert response.status_code == 200
    return list(response.json())


async def test_an_unregistered_vehicle_on_an_attached_connection_is_listed(
    service: SimService,
) -> None:
    acme, other = _headers(service, "acme"), _headers(service, "other")
    transport = httpx.ASGITransport(app=service.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api,
        service.context.bus.subscribe() as events,
    ):
        body = vehicle_body("drone-1", mavlink_url=service.gcs_url, system_id=1)
        assert (await api.post("/vehicles", json=body, headers=acme)).status_code == 201
        async with asyncio.timeout(15):
            found = await anext(e async for e in events if e.kind == "vehicle.discovered")
        assert found.operator_id is not None and found.data["system_id"] == 2

        listed = {v["system_id"]: v for v in await _vehicles(api, acme)}
        assert sorted(listed) == [1, 2]
        discovered = listed[2]
        assert discovered["status"] == "discovered" and discovered["kind"] == "multicopter"
        assert discovered["name"] == "discovered-2"
        assert await _vehicles(api, other) == []
        foreign = await api.get(f"/vehicles/{discovered['id']}", headers=other)
        assert foreign.status_code == 404

        body = vehicle_body("drone-2", mavlink_url=service.gcs_url, system_id=2)
        adopted = await api.post("/vehicles", json=body, headers=acme)
        assert adopted.status_code == 201
        assert adopted.json()["id"] == discovered["id"]
        assert adopted.json()["status"] == "registered"
        assert [v["name"] for v in await _vehicles(api, acme)] == ["drone-1", "drone-2"]
    with service.context.sessions() as session:
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "vehicle.discovered"))
        assert [(e.actor, e.detail["system_id"]) for e in audit] == [("runner:discovery", 2)]


def _seen(system_id: int, mav_type: int = 2) -> VehicleInfo:
    return VehicleInfo(system_id=system_id, component_id=1, mav_type=mav_type, autopilot=12)


def test_a_discovered_vehicle_is_recorded_once_even_when_seen_concurrently(engine: Engine) -> None:
    """Eight threads see system 2 at once on a connection acme attached: one row, one entry;
    a connection nobody attached records nothing; a rover is a ground robot."""
    sessions = make_session_factory(engine)
    url = "udpin://127.0.0.1:16110"
    with sessions() as session:
        acme = ensure_operator(session, "acme", actor="test")
        assert acme.id is not None
        session.add(VehicleRow(operator_id=acme.id, name="d1", kind="multicopter",
                               mavlink_url=url, system_id=1))  # fmt: skip
        session.commit()
        assert (
            record_discovered(session, "udp://elsewhere:1", _seen(2), now=datetime.now(UTC)) is None
        )

    def see() -> VehicleRow | None:
        with sessions() as session:
            return record_discovered(session, url, _seen(2), now=datetime.now(UTC))

    with ThreadPoolExecutor(8) as pool:
        rows = [r for r in pool.map(lambda _: see(), range(8)) if r is not None]
    assert [(r.name, r.status, r.operator_id) for r in rows] == [
        ("discovered-2", "discovered", acme.id)
    ]
    with sessions() as session:
        rover = record_discovered(session, url, _seen(3, mav_type=10), now=datetime.now(UTC))
        assert rover is not None and rover.kind == "ground_robot"
        found = session.exec(select(AuditEntry).where(AuditEntry.action == "vehicle.discovered"))
        assert sorted(e.detail["system_id"] for e in found) == [2, 3]


async def test_a_connection_that_cannot_be_opened_is_reported_and_the_runner_goes_on(
    service: SimService,
) -> None:
    acme = _headers(service, "acme")
    transport = httpx.ASGITransport(app=service.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api,
        service.context.bus.subscribe() as events,
        asyncio.timeout(15),
    ):
        bad = vehicle_body("ghost", mavlink_url="serial:///dev/skyfleet-no-such-port")
        assert (await api.post("/vehicles", json=bad, headers=acme)).status_code == 201
        error = await anext(e async for e in events if e.kind == "runner.error")
        assert error.data["url"] == bad["mavlink_url"]
        assert error.operator_id is not None  # told to the operator who attached it only
        good = vehicle_body("drone-1", mavlink_url=service.gcs_url, system_id=1)
        assert (await api.post("/vehicles", json=good, headers=acme)).status_code == 201
        found = await anext(e async for e in events if e.kind == "vehicle.discovered")
        assert found.data["system_id"] == 2
