"""Scheduling through the API: preview changes nothing, run schedules what fits, and what
does not fit comes back with the scheduler's reason."""

from __future__ import annotations

import httpx

from tests.service.conftest import TokenMaker
from tests.service.helpers import delivery_body, vehicle_body


async def _fleet(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    dock = await client.post(
        "/docks", json={"name": "shinjuku", "lon_deg": 139.700, "lat_deg": 35.690}, headers=headers
    )
    vehicle = vehicle_body(home_dock_id=dock.json()["id"], payload_capacity_kg=2.0)
    assert (await client.post("/vehicles", json=vehicle, headers=headers)).status_code == 201


async def test_preview_then_run(client: httpx.AsyncClient, auth: TokenMaker) -> None:
    headers = auth("acme", "dispatcher")
    await _fleet(client, headers)
    fits = (await client.post("/missions/deliveries", json=delivery_body(), headers=headers)).json()
    heavy = (
        await client.post(
            "/missions/deliveries", json=delivery_body(payload_kg=50.0), headers=headers
        )
    ).json()
    body = {"start": "2030-04-01T00:00:00Z", "horizon_h": 6, "time_limit_s": 0.5}
    preview = await client.post("/scheduling/preview", json=body, headers=headers)
    assert preview.status_code == 200, preview.text
    planned = [m for v in preview.json()["vehicles"] for t in v["trips"] for m in t["mission_ids"]]
    assert planned == [fits["id"]]
    left_out = {u["mission_id"]: u["reason"] for u in preview.json()["unassigned"]}
    assert heavy["id"] in left_out and left_out[heavy["id"]]
    assert (await client.get(f"/missions/{fits['id']}", headers=headers)).json()[
        "state"
    ] == "requested"
    run = await client.post("/scheduling/run", json=body, headers=headers)
    assert run.json()["scheduled_mission_ids"] == [fits["id"]]
    after = (await client.get(f"/missions/{fits['id']}", headers=headers)).json()
    assert after["state"] == "scheduled" and after["vehicle_id"] is not None
    assert (await client.get(f"/missions/{heavy['id']}", headers=headers)).json()[
        "state"
    ] == "requested"


async def test_scheduling_without_a_fleet_says_what_to_do(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    response = await client.post("/scheduling/preview", json={}, headers=auth("acme", "dispatcher"))
    assert response.status_code == 400
    assert "register docks and vehicles" in response.json()["detail"]
