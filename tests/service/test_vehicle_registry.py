"""Correcting and removing vehicles and docks; one vehicle per connection and system id.

On SQLite and PostgreSQL: PATCH changes only the fields given (audited with old and new
values), DELETE removes (audited); each refuses with a 409 that says what blocks it: a live
mission on the vehicle, a dock that is a vehicle's home, a name or connection another vehicle
has. A second registration of a connection URL + system id names the vehicle already there.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import col, select

from fleet.storage.db import make_engine, make_session_factory
from fleet.storage.tables import AuditEntry, MissionRow
from tests.service.conftest import TokenMaker
from tests.service.helpers import delivery_body, schedule_on, vehicle_body

URL = "udp://127.0.0.1:14540"


async def _dock(api: httpx.AsyncClient, headers: dict[str, str], name: str) -> int:
    body = {"name": name, "lon_deg": 139.70, "lat_deg": 35.69}
    response = await api.post("/docks", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _vehicle(api: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> int:
    response = await api.post("/vehicles", json=vehicle_body(**body), headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _audit(api: httpx.AsyncClient, action: str) -> list[AuditEntry]:
    engine = make_engine(api.app.state.context.settings.database_url)  # type: ignore[attr-defined]
    try:
        with make_session_factory(engine)() as session:
            query = select(AuditEntry).where(AuditEntry.action == action)
            return list(session.exec(query.order_by(col(AuditEntry.id))))
    finally:
        engine.dispose()


async def test_the_same_connection_and_system_id_cannot_be_registered_twice(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    acme, rival = auth("acme", "dispatcher"), auth("rival", "dispatcher")
    first = await _vehicle(client, acme, name="drone-1", mavlink_url=URL, system_id=3)
    again = await client.post(
        "/vehicles", json=vehicle_body("drone-2", mavlink_url=URL, system_id=3), headers=acme
    )
    assert again.status_code == 409
    detail = again.json()["detail"]
    assert f"vehicle {first} ('drone-1'" in detail and "system id 3" in detail
    assert f"PATCH /vehicles/{first}" in detail
    foreign = await client.post(
        "/vehicles", json=vehicle_body("drone-1", mavlink_url=URL, system_id=3), headers=rival
    )
    assert foreign.status_code == 409
    assert "another operator" in foreign.json()["detail"]
    assert "drone-1" not in foreign.json()["detail"]  # nothing of another tenant is named
    other_id = await _vehicle(client, acme, name="drone-2", mavlink_url=URL, system_id=4)
    assert other_id != first


async def test_patch_corrects_a_vehicle_and_is_audited(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    acme = auth("acme", "dispatcher")
    dock = await _dock(client, acme, "roof")
    vehicle_id = await _vehicle(client, acme, name="drone-1")
    await _vehicle(client, acme, name="drone-2", system_id=2)
    body = {
        "name": "drone-one",
        "home_dock_id": dock,
        "payload_capacity_kg": 3.5,
        "mavlink_url": "udpin://0.0.0.0:14600",
        "system_id": 7,
    }
    patched = await client.patch(f"/vehicles/{vehicle_id}", json=body, headers=acme)
    assert patched.status_code == 200, patched.text
    shown = patched.json()
    assert (shown["name"], shown["home_dock_id"], shown["system_id"]) == ("drone-one", dock, 7)
    assert shown["mavlink_url"] == "udpin://0.0.0.0:14600"
    assert shown["spec"]["payload_capacity_kg"] == 3.5
    assert shown["spec"]["battery_wh"] == 500.0  # untouched
    assert shown["link"] == "unknown" and shown["telemetry"] is None
    (entry,) = _audit(client, "vehicle.update")
    assert entry.detail["changes"]["name"] == ["drone-1", "drone-one"]
    assert entry.detail["changes"]["payload_capacity_kg"] == [2.0, 3.5]

    cleared = await client.patch(
        f"/vehicles/{vehicle_id}", json={"home_dock_id": None}, headers=acme
    )
    assert cleared.status_code == 200 and cleared.json()["home_dock_id"] is None
    refusals: list[tuple[dict[str, Any], int, str]] = [
        ({"name": "drone-2"}, 409, "a vehicle named 'drone-2' exists already"),
        ({"mavlink_url": URL, "system_id": 2}, 409, "('drone-2'"),
        ({"name": None}, 400, "name cannot be removed"),
        ({"home_dock_id": 99999}, 404, "dock 99999 not found"),
        ({"colour": "red"}, 422, "colour"),
    ]
    for refusal, status, words in refusals:
        refused = await client.patch(f"/vehicles/{vehicle_id}", json=refusal, headers=acme)
        assert refused.status_code == status, (refusal, refused.text)
        assert words in refused.text, (refusal, refused.text)
    viewer = await client.patch(
        f"/vehicles/{vehicle_id}", json={"name": "x"}, headers=auth("acme", "viewer")
    )
    assert viewer.status_code == 403


async def test_a_vehicle_in_use_cannot_be_deleted_or_moved(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    acme = auth("acme", "dispatcher")
    vehicle_id = await _vehicle(client, acme, name="drone-1")
    mission = await client.post("/missions/deliveries", json=delivery_body(), headers=acme)
    mission_id = mission.json()["id"]
    context = client.app.state.context  # type: ignore[attr-defined]
    schedule_on(context.sessions, mission_id, vehicle_id)

    busy = await client.delete(f"/vehicles/{vehicle_id}", headers=acme)
    assert busy.status_code == 409
    assert f"in use by mission(s) {mission_id}" in busy.json()["detail"]
    moved = await client.patch(f"/vehicles/{vehicle_id}", json={"system_id": 9}, headers=acme)
    assert moved.status_code == 409 and "another connection" in moved.json()["detail"]
    renamed = await client.patch(f"/vehicles/{vehicle_id}", json={"name": "d1"}, headers=acme)
    assert renamed.status_code == 200  # a name is not in the way of a mission

    cancel = await client.post(f"/missions/{mission_id}/cancel", headers=acme)
    assert cancel.status_code == 200
    deleted = await client.delete(f"/vehicles/{vehicle_id}", headers=acme)
    assert deleted.status_code == 204
    assert (await client.get(f"/vehicles/{vehicle_id}", headers=acme)).status_code == 404
    assert (await client.delete(f"/vehicles/{vehicle_id}", headers=acme)).status_code == 404
    (entry,) = _audit(client, "vehicle.delete")
    assert entry.detail["name"] == "d1" and entry.detail["ended_missions"] == [mission_id]
    with context.sessions() as session:
        row = session.get(MissionRow, mission_id)
        assert row is not None and row.vehicle_id is None and row.state == "cancelled"


async def test_docks_are_corrected_and_deleted_unless_a_vehicle_lives_there(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    acme = auth("acme", "dispatcher")
    roof, yard = await _dock(client, acme, "roof"), await _dock(client, acme, "yard")
    vehicle_id = await _vehicle(client, acme, name="drone-1", home_dock_id=roof)
    moved = await client.patch(f"/docks/{roof}", json={"lat_deg": 35.691, "slots": 6}, headers=acme)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["lat_deg"], moved.json()["slots"], moved.json()["name"]) == (
        35.691,
        6,
        "roof",
    )
    taken = await client.patch(f"/docks/{roof}", json={"name": "yard"}, headers=acme)
    assert taken.status_code == 409 and "a dock named 'yard' exists already" in taken.text
    home = await client.delete(f"/docks/{roof}", headers=acme)
    assert home.status_code == 409
    assert f"home of vehicle(s) {vehicle_id} ('drone-1')" in home.json()["detail"]
    rehome = await client.patch(
        f"/vehicles/{vehicle_id}", json={"home_dock_id": yard}, headers=acme
    )
    assert rehome.status_code == 200
    assert (await client.delete(f"/docks/{roof}", headers=acme)).status_code == 204
    assert [d["name"] for d in (await client.get("/docks", headers=acme)).json()] == ["yard"]
    assert [e.detail["changes"] for e in _audit(client, "dock.update")] == [
        {"lat_deg": [35.69, 35.691], "slots": [4, 6]}
    ]
    assert [e.detail["name"] for e in _audit(client, "dock.delete")] == ["roof"]
