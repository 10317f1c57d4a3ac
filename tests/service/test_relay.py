"""``POST /missions/{id}/approve`` for drone + ground-robot relay deliveries.

- a relay booked with a transfer point is scheduled on its drone (``/scheduling/run``) and
  approved: the drone flies from its dock to the transfer point and back under one intent
  (verified, clear of the tower), a ground robot drives at street level (no intent) from its
  dock to the transfer point, takes the parcel no earlier than the drone's landing plus the
  handover time, drives it to the dropoff and goes home; the legs are stored in departure order;
- no transfer point, no ground robot, or a robot whose battery cannot do the drive: 400 saying
  what to fix, and nothing written (no legs, no intent, still ``scheduled``).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import shapely

from airspace.verify import verify_route
from fleet.runner.store import route_from_json
from tests.service.conftest import TokenMaker
from tests.service.helpers import T0, delivery_body, schedule_on, square, vehicle_body
from tests.service.test_approval_kinds import SCHEDULE
from tests.service.test_city import TOWER

WEST = {"name": "west", "lon_deg": 139.700, "lat_deg": 35.690}
EAST = {"name": "east", "lon_deg": 139.7115, "lat_deg": 35.6895}
TRANSFER = {"lon_deg": 139.7100, "lat_deg": 35.6905}
DROPOFF = {"lon_deg": 139.7125, "lat_deg": 35.6912}
HANDOVER_S = 20.0  # ApprovalSettings.handover_s


async def _fleet(
    client: httpx.AsyncClient, auth: TokenMaker, robot: dict[str, Any] | None
) -> tuple[dict[str, str], int, int | None]:
    """The tower, a drone at the west dock and (optionally) a robot at the east dock."""
    files = {"file": ("tower.geojson", json.dumps(TOWER), "application/geo+json")}
    assert (await client.post("/buildings", files=files, headers=auth("acme"))).status_code == 201
    headers = auth("acme", "dispatcher")
    docks = [
        (await client.post("/docks", json=d, headers=headers)).json()["id"] for d in (WEST, EAST)
    ]
    drone = await client.post(
        "/vehicles", json=vehicle_body("quad", home_dock_id=docks[0]), headers=headers
    )
    robot_id = None
    if robot is not None:
        body = vehicle_body("rover", kind="ground_robot", home_dock_id=docks[1], system_id=2)
        created = await client.post("/vehicles", json={**body, **robot}, headers=headers)
        assert created.status_code == 201, created.text
        robot_id = created.json()["id"]
    return headers, drone.json()["id"], robot_id


async def _book(client: httpx.AsyncClient, headers: dict[str, str], **extra: Any) -> int:
    # picked up 30 min into the scheduling horizon: the scheduler places no relay whose pickup
    # opens at the very start of the horizon (reported to the scheduler's owner)
    pickup = (T0 + timedelta(minutes=30)).isoformat()
    body = delivery_body(dropoff=DROPOFF, relay_requested=True, earliest_pickup=pickup, **extra)
    booked = await client.post("/missions/deliveries", json=body, headers=headers)
    assert booked.status_code == 201, booked.text
    return int(booked.json()["id"])


async def test_a_relay_is_scheduled_and_approved_drone_to_transfer_then_robot_to_dropoff(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, drone, robot = await _fleet(client, auth, {})
    mission_id = await _book(client, headers, transfer=TRANSFER)
    run = await client.post("/scheduling/run", json=SCHEDULE, headers=headers)
    assert run.json()["scheduled_mission_ids"] == [mission_id], run.json()["unassigned"]
    approved = await client.post(f"/missions/{mission_id}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    mission = approved.json()
    assert mission["state"] == "approved" and mission["vehicle_id"] == drone
    legs = mission["legs"]
    routes = [route_from_json(leg["route"]) for leg in legs]
    assert [r.departure for r in routes] == sorted(r.departure for r in routes)
    air = [(leg, r) for leg, r in zip(legs, routes, strict=True) if leg["vehicle_id"] == drone]
    ground = [(leg, r) for leg, r in zip(legs, routes, strict=True) if leg["vehicle_id"] == robot]
    assert len(air) == 2 and len(ground) == 3 and len(legs) == 5
    (out_leg, out), (_, back) = air
    assert {leg["intent_id"] for leg, _ in air} == {out_leg["intent_id"]} != {None}
    assert out_leg["intent_state"] == "Accepted"
    assert {leg["intent_id"] for leg, _ in ground} == {None}
    end = out.waypoints[-1]
    assert _at(end, TRANSFER)
    city = client.app.state.context.city  # type: ignore[attr-defined]
    assert verify_route(out, city) == [] and verify_route(back, city) == []
    (_, to_transfer), (_, carry), (_, home) = ground
    assert carry.departure >= out.arrival + timedelta(seconds=HANDOVER_S)
    assert carry.departure >= to_transfer.arrival
    start, stop = carry.waypoints[0], carry.waypoints[-1]
    assert _at(start, TRANSFER) and _at(stop, DROPOFF)
    assert home.departure >= carry.arrival
    tower = shapely.Polygon(square(139.705, 35.69, 0.0008))
    for _, route in ground:
        assert max(w.alt_agl_m for w in route.waypoints) < 0.5
        assert not shapely.LineString([(w.lon_deg, w.lat_deg) for w in route.waypoints]).intersects(
            tower
        )
    intent = (await client.get(f"/intents/{out_leg['intent_id']}", headers=headers)).json()
    ends = [v["time_end"]["value"] for v in intent["operational_intent"]["details"]["volumes"]]
    assert max(ends) >= back.arrival.isoformat().replace("+00:00", "Z")


def _at(waypoint: Any, place: dict[str, float]) -> bool:
    """The waypoint is at ``place`` (to 1e-9 degrees, well under a millimetre)."""
    return bool(
        waypoint.lon_deg == pytest.approx(place["lon_deg"], abs=1e-9)
        and waypoint.lat_deg == pytest.approx(place["lat_deg"], abs=1e-9)
    )


async def _refused(
    client: httpx.AsyncClient, headers: dict[str, str], mission_id: int, drone: int
) -> str:
    """Approve ``mission_id`` scheduled on ``drone``: the 400's detail; nothing was written."""
    schedule_on(client.app.state.context.sessions, mission_id, drone)  # type: ignore[attr-defined]
    refused = await client.post(f"/missions/{mission_id}/approve", headers=headers)
    assert refused.status_code == 400, refused.text
    mission = (await client.get(f"/missions/{mission_id}", headers=headers)).json()
    assert mission["state"] == "scheduled" and mission["legs"] == []
    assert (await client.get("/intents?mine=true", headers=headers)).json() == []
    return str(refused.json()["detail"])


async def test_a_relay_without_a_transfer_point_gets_one_on_open_ground_from_the_scheduler(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, drone, _ = await _fleet(client, auth, {})
    by_hand = await _book(client, headers)  # scheduled by hand: nobody picked a point
    detail = await _refused(client, headers, by_hand, drone)
    assert '"transfer"' in detail and "transfer point" in detail
    mission_id = await _book(client, headers)
    run = await client.post("/scheduling/run", json=SCHEDULE, headers=headers)
    assert run.json()["scheduled_mission_ids"] == [mission_id], run.json()["unassigned"]
    mission = (await client.get(f"/missions/{mission_id}", headers=headers)).json()
    point = mission["spec"]["transfer"] if "spec" in mission else mission["transfer"]
    assert point is not None and point != DROPOFF
    approved = await client.post(f"/missions/{mission_id}/approve", headers=headers)
    assert approved.status_code == 200, approved.text


async def test_a_relay_without_a_ground_robot_is_refused(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, drone, _ = await _fleet(client, auth, None)
    mission_id = await _book(client, headers, transfer=TRANSFER, robot_only_dropoff=True)
    detail = await _refused(client, headers, mission_id, drone)
    assert "ground robot" in detail and "ground_robot" in detail


async def test_a_robot_that_cannot_do_the_last_stretch_is_refused_with_the_figures(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, drone, robot = await _fleet(client, auth, {"battery_wh": 1.0})
    mission_id = await _book(client, headers, transfer=TRANSFER)
    detail = await _refused(client, headers, mission_id, drone)
    assert f"robot {robot}" in detail and "Wh" in detail and "add a robot" in detail


async def test_a_parcel_over_the_robots_capacity_is_refused(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, drone, _ = await _fleet(client, auth, {"payload_capacity_kg": 1.0})
    mission_id = await _book(client, headers, transfer=TRANSFER, payload_kg=1.5)
    detail = await _refused(client, headers, mission_id, drone)
    assert "over its payload capacity of 1.00 kg" in detail


async def test_a_scheduling_run_approves_a_relay_once_with_its_robot(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, drone, robot = await _fleet(client, auth, {})
    mission_id = await _book(client, headers, transfer=TRANSFER, robot_only_dropoff=True)
    run = await client.post("/scheduling/run", json={**SCHEDULE, "approve": True}, headers=headers)
    body = run.json()
    assert body["approved_mission_ids"] == [mission_id] and body["not_approved"] == [], body
    mission = (await client.get(f"/missions/{mission_id}", headers=headers)).json()
    assert mission["vehicle_id"] == drone
    assert {leg["vehicle_id"] for leg in mission["legs"]} == {drone, robot}
