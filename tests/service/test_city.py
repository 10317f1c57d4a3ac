"""Building import and route preview: a GeoJSON upload, routes around it and around zones."""

from __future__ import annotations

import json

import httpx

from tests.service.conftest import TokenMaker
from tests.service.helpers import square

TOWER = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"height_m": 120.0},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [*square(139.705, 35.69, 0.0008), square(139.705, 35.69, 0.0008)[0]]
                ],
            },
        }
    ],
}
TRIP = {
    "start": {"lon_deg": 139.700, "lat_deg": 35.690},
    "goal": {"lon_deg": 139.710, "lat_deg": 35.690},
    "departure": "2030-04-01T01:00:00Z",
}


async def test_upload_then_preview_a_route(client: httpx.AsyncClient, auth: TokenMaker) -> None:
    admin = auth("acme", "admin")
    before = await client.post("/routes/preview", json=TRIP, headers=admin)
    assert before.status_code == 409
    assert "POST /buildings" in before.json()["detail"]
    files = {"file": ("tower.geojson", json.dumps(TOWER), "application/geo+json")}
    uploaded = await client.post("/buildings", files=files, headers=admin)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["buildings"] == 1
    route = await client.post("/routes/preview", json=TRIP, headers=admin)
    assert route.status_code == 200, route.text
    points = route.json()["waypoints"]
    assert (points[0]["lon_deg"], points[-1]["lon_deg"]) == (139.700, 139.710)
    assert route.json()["length_m"] >= 900


async def test_bad_building_files_are_400_naming_the_problem(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    admin = auth("acme", "admin")
    wrong_type = await client.post(
        "/buildings", files={"file": ("a.txt", b"x", "text/plain")}, headers=admin
    )
    assert wrong_type.status_code == 400 and ".geojson" in wrong_type.json()["detail"]
    broken = await client.post(
        "/buildings", files={"file": ("b.geojson", b"{nope", "application/json")}, headers=admin
    )
    assert broken.status_code == 400
    viewer = await client.post(
        "/buildings",
        files={"file": ("t.geojson", json.dumps(TOWER), "application/json")},
        headers=auth("acme", "viewer"),
    )
    assert viewer.status_code == 403
