"""Vehicles discovered on an attached connection appear in the vehicle list.

Two simulated quads share one ground-station port (simulator port offset 1560), as a fleet of
PX4 SITL instances does. The operator registers system 1 on that URL; the runner, watching
the connection, lists system 2 as ``discovered`` for that operator only; registering system 2
afterwards adopts the discovered row instead of duplicating it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from fleet.service.operators import ensure_operator
from fleet.service.security import Principal, Role, mint_token
from fleet.storage.tables import AuditEntry
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
