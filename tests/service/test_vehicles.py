"""Vehicles: registration, listing with live status, and audited commands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import select

from fleet.service.app import create_app
from fleet.service.errors import VehicleUnreachable
from fleet.service.ports import VehicleCommand
from fleet.service.settings import Settings
from fleet.storage.tables import AuditEntry, Telemetry, VehicleRow
from tests.service.conftest import TokenMaker
from tests.service.helpers import vehicle_body


class RecordingPort:
    """A vehicle link that accepts every command and remembers it (the runner's stand-in)."""

    def __init__(self, refuse: bool = False) -> None:
        self.sent: list[tuple[int | None, VehicleCommand]] = []
        self.refuse = refuse

    async def send_command(self, vehicle: VehicleRow, command: VehicleCommand) -> str:
        if self.refuse:
            raise VehicleUnreachable(f"vehicle {vehicle.id}: link lost")
        self.sent.append((vehicle.id, command))
        return "accepted"


@pytest.fixture
async def port_client(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, RecordingPort]]:
    port = RecordingPort()
    app = create_app(settings, vehicle_port=port)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http, port


async def test_register_and_list_with_live_status(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers = auth("acme", "dispatcher")
    dock = await client.post(
        "/docks", json={"name": "d1", "lon_deg": 139.7, "lat_deg": 35.69}, headers=headers
    )
    assert dock.status_code == 201
    created = await client.post(
        "/vehicles", json=vehicle_body(home_dock_id=dock.json()["id"]), headers=headers
    )
    assert created.status_code == 201, created.text
    vehicle_id = created.json()["id"]
    context = client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        session.add(
            Telemetry(
                vehicle_id=vehicle_id,
                time=datetime.now(UTC),
                lon_deg=139.7,
                lat_deg=35.69,
                alt_amsl_m=80.0,
                battery_fraction=0.8,
                mode="MISSION",
                armed=True,
            )
        )
        session.commit()
    listed = (await client.get("/vehicles", headers=headers)).json()
    assert [v["name"] for v in listed] == ["drone-1"]
    assert listed[0]["telemetry"]["battery_fraction"] == 0.8
    assert listed[0]["telemetry"]["armed"] is True


async def test_duplicate_name_and_bad_url_are_4xx_with_a_message(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers = auth("acme", "dispatcher")
    assert (await client.post("/vehicles", json=vehicle_body(), headers=headers)).status_code == 201
    again = await client.post("/vehicles", json=vehicle_body(), headers=headers)
    assert again.status_code == 409
    assert "exists already" in again.json()["detail"]
    bad = await client.post(
        "/vehicles", json=vehicle_body("x", mavlink_url="http://nope"), headers=headers
    )
    assert bad.status_code == 422
    assert "mavlink_url" in str(bad.json()["detail"])
    foreign_dock = await client.post(
        "/vehicles", json=vehicle_body("y", home_dock_id=99999), headers=headers
    )
    assert foreign_dock.status_code == 404


async def test_command_reaches_the_vehicle_and_is_audited(
    port_client: tuple[httpx.AsyncClient, RecordingPort], auth: TokenMaker
) -> None:
    client, port = port_client
    headers = auth("acme", "dispatcher")
    vehicle_id = (await client.post("/vehicles", json=vehicle_body(), headers=headers)).json()["id"]
    response = await client.post(
        f"/vehicles/{vehicle_id}/commands", json={"command": "rtl"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "accepted"
    assert port.sent == [(vehicle_id, VehicleCommand.RTL)]
    context = client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.action.startswith("vehicle.command"))  # type: ignore[attr-defined]
        ).all()
    assert [e.action for e in entries] == ["vehicle.command", "vehicle.command.result"]
    assert all(e.actor == "test:acme:dispatcher" for e in entries)
    assert all(e.time.tzinfo is not None for e in entries)


async def test_command_without_a_link_is_409_and_still_audited(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers = auth("acme", "inspector")
    admin = auth("acme", "admin")
    vehicle_id = (await client.post("/vehicles", json=vehicle_body(), headers=admin)).json()["id"]
    response = await client.post(
        f"/vehicles/{vehicle_id}/commands", json={"command": "land"}, headers=headers
    )
    assert response.status_code == 409
    assert "no MAVLink bridge" in response.json()["detail"]
    context = client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        results = session.exec(
            select(AuditEntry).where(AuditEntry.action == "vehicle.command.result")
        ).all()
    assert len(results) == 1 and results[0].detail["outcome"].startswith("failed")


async def test_viewer_may_not_command(client: httpx.AsyncClient, auth: TokenMaker) -> None:
    admin = auth("acme", "admin")
    vehicle_id = (await client.post("/vehicles", json=vehicle_body(), headers=admin)).json()["id"]
    response = await client.post(
        f"/vehicles/{vehicle_id}/commands", json={"command": "hold"}, headers=auth("acme", "viewer")
    )
    assert response.status_code == 403


async def test_admins_read_their_operators_audit_log(
    port_client: tuple[httpx.AsyncClient, RecordingPort], auth: TokenMaker
) -> None:
    client, _port = port_client
    dispatcher, admin = auth("acme", "dispatcher"), auth("acme", "admin")
    vehicle_id = (await client.post("/vehicles", json=vehicle_body(), headers=dispatcher)).json()[
        "id"
    ]
    await client.post(
        f"/vehicles/{vehicle_id}/commands", json={"command": "hold"}, headers=dispatcher
    )
    entries = (await client.get("/audit?action=vehicle.command", headers=admin)).json()
    assert [(e["actor"], e["detail"]["command"]) for e in entries] == [
        ("test:acme:dispatcher", "hold")
    ]
    rival = auth("rival", "admin")
    assert (await client.get("/audit?action=vehicle.command", headers=rival)).json() == []
    assert (await client.get("/audit", headers=dispatcher)).status_code == 403
