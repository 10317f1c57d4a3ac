"""``POST /missions/{id}/approve`` for inspections (camera drones) and ground robots.

- an inspection (area or corridor) is approved with one leg: the pattern's flight from the
  dock (its items carry the camera commands), checked by the independent verifier, reserved
  as one intent; two inspections of one area at one time get intents that do not conflict;
- a ground robot's delivery is approved without an intent, with a street-level drive out and
  back that goes around the building between its dock and the dropoff;
- a robot cannot inspect (400).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import shapely

from airspace.deconfliction import Accepted, DeconflictionEngine
from airspace.intents import intent_from_json
from airspace.verify import verify_route
from firmware_bridge.mission_item import MavCmd
from fleet.runner.store import items_from_json, route_from_json
from tests.service.conftest import TokenMaker
from tests.service.helpers import T0, delivery_body, schedule_on, square, vehicle_body
from tests.service.test_city import TOWER

SCHEDULE = {"start": T0.isoformat(), "horizon_h": 6, "time_limit_s": 0.5}
AREA = [[139.7010, 35.6910], [139.7020, 35.6910], [139.7020, 35.6918], [139.7010, 35.6918]]
INSPECTION = {
    "target": {"type": "area", "polygon": AREA},
    "gsd_cm_per_px": 2.0,
    "window_start": T0.isoformat(),
    "window_end": "2030-04-01T05:00:00+00:00",
}


async def _fleet(
    client: httpx.AsyncClient, auth: TokenMaker, vehicles: list[dict[str, Any]]
) -> tuple[dict[str, str], list[int]]:
    files = {"file": ("tower.geojson", json.dumps(TOWER), "application/geo+json")}
    assert (await client.post("/buildings", files=files, headers=auth("acme"))).status_code == 201
    headers = auth("acme", "dispatcher")
    dock = await client.post(
        "/docks", json={"name": "west", "lon_deg": 139.700, "lat_deg": 35.690}, headers=headers
    )
    ids = []
    for k, extra in enumerate(vehicles):
        body = vehicle_body(f"v-{k}", home_dock_id=dock.json()["id"], system_id=k + 1, **extra)
        created = await client.post("/vehicles", json=body, headers=headers)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return headers, ids


async def _inspect(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    """Book and schedule one inspection, approve it; the approved mission."""
    booked = await client.post("/missions/inspections", json=INSPECTION, headers=headers)
    assert booked.status_code == 201, booked.text
    run = await client.post("/scheduling/run", json=SCHEDULE, headers=headers)
    assert booked.json()["id"] in run.json()["scheduled_mission_ids"], run.json()
    approved = await client.post(f"/missions/{booked.json()['id']}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    return dict(approved.json())


async def test_an_inspection_is_approved_with_its_pattern_flight_reserved(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, _ = await _fleet(client, auth, [{"camera": True}])
    mission = await _inspect(client, headers)
    assert mission["state"] == "approved"
    (leg,) = mission["legs"]
    assert leg["intent_state"] == "Accepted"
    route = route_from_json(leg["route"])
    assert route.departure >= T0
    assert route.waypoints[0].alt_agl_m < 0.5 and route.waypoints[-1].alt_agl_m < 0.5
    area = shapely.Polygon(AREA).buffer(1e-4)
    over_area = [w for w in route.waypoints if area.contains(shapely.Point(w.lon_deg, w.lat_deg))]
    assert len(over_area) >= 4  # the survey's passes
    city = client.app.state.context.city  # type: ignore[attr-defined]
    assert verify_route(route, city) == []
    items = items_from_json(leg["route"])
    assert items is not None
    commands = [i.command for i in items]
    assert commands[0] == MavCmd.NAV_TAKEOFF and commands[-1] == MavCmd.NAV_LAND
    assert MavCmd.DO_SET_CAM_TRIGG_DIST in commands
    intent = (await client.get(f"/intents/{leg['intent_id']}", headers=headers)).json()
    volumes = intent["operational_intent"]["details"]["volumes"]
    starts = [v["time_start"]["value"] for v in volumes]
    ends = [v["time_end"]["value"] for v in volumes]
    assert min(starts) <= _rfc3339(route.departure) and max(ends) >= _rfc3339(route.arrival)


def _rfc3339(when: Any) -> str:
    return str(when.isoformat().replace("+00:00", "Z"))


async def test_two_inspections_at_once_are_booked_by_a_scheduling_run_without_conflict(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, _ = await _fleet(client, auth, [{"camera": True}, {"camera": True}])
    ids = []
    for _ in range(2):
        booked = await client.post("/missions/inspections", json=INSPECTION, headers=headers)
        ids.append(booked.json()["id"])
    run = await client.post("/scheduling/run", json={**SCHEDULE, "approve": True}, headers=headers)
    body = run.json()
    approved = body["approved_mission_ids"]
    waiting = {m["mission_id"]: m["reason"] for m in body["not_approved"]}
    assert approved and sorted(approved + list(waiting)) == sorted(ids), body
    missions = [(await client.get(f"/missions/{k}", headers=headers)).json() for k in approved]
    if len(missions) < 2:  # one drone flies both: the second waits for its real landing
        (why,) = waiting.values()
        assert f"waits for vehicle {missions[0]['vehicle_id']}" in why
        return
    intents = [
        (await client.get(f"/intents/{m['legs'][0]['intent_id']}", headers=headers)).json()
        for m in missions
    ]
    engine = DeconflictionEngine()
    engine.restore([intent_from_json(intents[0]["operational_intent"])])
    assert isinstance(engine.reserve(intent_from_json(intents[1]["operational_intent"])), Accepted)


def _schedule_on(client: httpx.AsyncClient, mission_id: int, vehicle_id: int) -> None:
    schedule_on(client.app.state.context.sessions, mission_id, vehicle_id)  # type: ignore[attr-defined]


async def test_a_robot_delivery_is_approved_without_an_intent_around_the_building(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, (robot,) = await _fleet(client, auth, [{"kind": "ground_robot"}])
    dropoff = {"lon_deg": 139.710, "lat_deg": 35.690}  # the tower stands in between
    booked = await client.post(
        "/missions/deliveries", json=delivery_body(dropoff=dropoff), headers=headers
    )
    _schedule_on(client, booked.json()["id"], robot)
    approved = await client.post(f"/missions/{booked.json()['id']}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    mission = approved.json()
    assert mission["state"] == "approved" and mission["vehicle_id"] == robot
    tower = shapely.Polygon(square(139.705, 35.69, 0.0008))
    out, back = (route_from_json(leg["route"]) for leg in mission["legs"])
    assert {leg["intent_id"] for leg in mission["legs"]} == {None}
    for route in (out, back):
        path = shapely.LineString([(w.lon_deg, w.lat_deg) for w in route.waypoints])
        assert not path.intersects(tower)
        assert max(w.alt_agl_m for w in route.waypoints) < 0.5
    assert (out.waypoints[-1].lon_deg, out.waypoints[-1].lat_deg) == (139.710, 35.690)
    assert back.departure >= out.arrival
    assert (await client.get("/intents?mine=true", headers=headers)).json() == []


async def test_a_robot_cannot_inspect(client: httpx.AsyncClient, auth: TokenMaker) -> None:
    headers, (robot,) = await _fleet(client, auth, [{"kind": "ground_robot"}])
    booked = await client.post("/missions/inspections", json=INSPECTION, headers=headers)
    _schedule_on(client, booked.json()["id"], robot)
    refused = await client.post(f"/missions/{booked.json()['id']}/approve", headers=headers)
    assert refused.status_code == 400
    assert "cannot fly an inspection" in refused.json()["detail"]


async def test_a_robot_drive_beyond_its_battery_is_refused_with_the_figures(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, (robot,) = await _fleet(client, auth, [{"kind": "ground_robot", "battery_wh": 1.0}])
    dropoff = {"lon_deg": 139.710, "lat_deg": 35.690}
    booked = await client.post(
        "/missions/deliveries", json=delivery_body(dropoff=dropoff), headers=headers
    )
    _schedule_on(client, booked.json()["id"], robot)
    refused = await client.post(f"/missions/{booked.json()['id']}/approve", headers=headers)
    assert refused.status_code == 400
    assert "Wh" in refused.json()["detail"] and "reserve" in refused.json()["detail"]
    mission = (await client.get(f"/missions/{booked.json()['id']}", headers=headers)).json()
    assert mission["state"] == "scheduled" and mission["legs"] == []


async def test_a_corridor_inspection_is_approved_with_its_scan(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, _ = await _fleet(client, auth, [{"camera": True}])
    line = [[139.7010, 35.6912], [139.7025, 35.6912]]
    body = {**INSPECTION, "target": {"type": "corridor", "polyline": line, "width_m": 30.0}}
    booked = await client.post("/missions/inspections", json=body, headers=headers)
    await client.post("/scheduling/run", json=SCHEDULE, headers=headers)
    approved = await client.post(f"/missions/{booked.json()['id']}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    route = route_from_json(approved.json()["legs"][0]["route"])
    along = shapely.LineString(line).buffer(3e-4)
    assert sum(along.contains(shapely.Point(w.lon_deg, w.lat_deg)) for w in route.waypoints) >= 2
