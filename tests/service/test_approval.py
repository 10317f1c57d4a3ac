"""Approval through the API: plan the legs over the city, reserve one intent, go ``approved``.

Two deliveries from one dock to one dropoff at the same earliest time must both be approved
with intents an independent deconfliction engine finds conflict-free (the second one fixed by
a delay, another cruise height or a reroute), and legs the runner can read.
"""

from __future__ import annotations

import json

import httpx

from airspace.deconfliction import Accepted, DeconflictionEngine
from airspace.intents import intent_from_json
from fleet.runner.store import route_from_json
from tests.service.conftest import TokenMaker
from tests.service.helpers import T0, delivery_body, vehicle_body
from tests.service.test_city import TOWER

SCHEDULE = {"start": T0.isoformat(), "horizon_h": 6, "time_limit_s": 0.5}


async def _city_and_fleet(client: httpx.AsyncClient, auth: TokenMaker) -> dict[str, str]:
    files = {"file": ("tower.geojson", json.dumps(TOWER), "application/geo+json")}
    admin = auth("acme", "admin")
    assert (await client.post("/buildings", files=files, headers=admin)).status_code == 201
    headers = auth("acme", "dispatcher")
    dock = await client.post(
        "/docks", json={"name": "shinjuku", "lon_deg": 139.700, "lat_deg": 35.690}, headers=headers
    )
    for k in range(2):
        body = vehicle_body(f"drone-{k}", home_dock_id=dock.json()["id"], payload_capacity_kg=2.0)
        body["system_id"] = k + 1
        assert (await client.post("/vehicles", json=body, headers=headers)).status_code == 201
    return headers


async def _book(client: httpx.AsyncClient, headers: dict[str, str], n: int) -> list[int]:
    ids = []
    for _ in range(n):
        response = await client.post("/missions/deliveries", json=delivery_body(), headers=headers)
        ids.append(response.json()["id"])
    return ids


async def test_scheduling_run_books_free_vehicles_and_queues_the_rest_conflict_free(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers = await _city_and_fleet(client, auth)
    ids = await _book(client, headers, 2)
    run = await client.post("/scheduling/run", json={**SCHEDULE, "approve": True}, headers=headers)
    assert run.status_code == 200, run.text
    body = run.json()
    approved = body["approved_mission_ids"]
    waiting = {m["mission_id"]: m["reason"] for m in body["not_approved"]}
    assert approved and sorted(approved + list(waiting)) == sorted(ids), body
    # never booked against a planned return: a sortie waits for its vehicle's real landing
    assert all("waits for vehicle" in why for why in waiting.values()), waiting
    intents = []
    for mission_id in ids:
        mission = (await client.get(f"/missions/{mission_id}", headers=headers)).json()
        if mission_id in waiting:
            assert mission["state"] == "scheduled" and mission["legs"] == []
            continue
        assert mission["state"] == "approved"
        assert [leg["seq"] for leg in mission["legs"]] == [0, 1]
        out, back = (route_from_json(leg["route"]) for leg in mission["legs"])
        assert out.departure >= T0 and back.departure >= out.arrival
        assert {leg["intent_state"] for leg in mission["legs"]} == {"Accepted"}
        intent_id = mission["legs"][0]["intent_id"]
        intents.append((await client.get(f"/intents/{intent_id}", headers=headers)).json())
    if len(intents) == 2:
        engine = DeconflictionEngine()
        engine.restore([intent_from_json(intents[0]["operational_intent"])])
        reserved = engine.reserve(intent_from_json(intents[1]["operational_intent"]))
        assert isinstance(reserved, Accepted)


async def test_approve_endpoint_needs_a_scheduled_mission(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers = await _city_and_fleet(client, auth)
    (mission_id,) = await _book(client, headers, 1)
    early = await client.post(f"/missions/{mission_id}/approve", headers=headers)
    assert early.status_code == 409 and "scheduling/run" in early.json()["detail"]
    await client.post("/scheduling/run", json=SCHEDULE, headers=headers)
    approved = await client.post(f"/missions/{mission_id}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    assert len(approved.json()["legs"]) == 2
    again = await client.post(f"/missions/{mission_id}/approve", headers=headers)
    assert again.status_code == 409
    other = await client.post(f"/missions/{mission_id}/approve", headers=auth("other"))
    assert other.status_code == 404
