"""Building import and route preview: a GeoJSON upload, routes around it and around zones."""

from __future__ import annotations

import json
from typing import Any

import httpx
import shapely
from sqlmodel import select

from fleet.service.app import create_app
from fleet.service.settings import Settings
from fleet.storage.tables import AuditEntry, BuildingFile
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


def _two_towers() -> dict[str, Any]:
    """TOWER plus a second building (a later upload)."""
    second = json.loads(json.dumps(TOWER["features"][0]))
    second["geometry"]["coordinates"] = [
        [*square(139.712, 35.69, 0.0005), square(139.712, 35.69, 0.0005)[0]]
    ]
    return {"type": "FeatureCollection", "features": [TOWER["features"][0], second]}


async def test_uploaded_buildings_survive_a_restart(
    client: httpx.AsyncClient, auth: TokenMaker, settings: Settings
) -> None:
    """The latest upload is kept in the database; a new process plans around it at once."""
    admin = auth("acme", "admin")
    for name, data in (("one.geojson", TOWER), ("two.geojson", _two_towers())):
        files = {"file": (name, json.dumps(data), "application/geo+json")}
        assert (await client.post("/buildings", files=files, headers=admin)).status_code == 201
    restarted = create_app(settings)
    async with restarted.router.lifespan_context(restarted):
        city = restarted.state.context.city
        assert city is not None and len(city.buildings) == 2
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as http:
            route = await http.post("/routes/preview", json=TRIP, headers=admin)
        assert route.status_code == 200, route.text
        tower = shapely.Polygon(square(139.705, 35.69, 0.0008))
        path = shapely.LineString([(w["lon_deg"], w["lat_deg"]) for w in route.json()["waypoints"]])
        high = max(w["alt_amsl_m"] - w["ground_amsl_m"] for w in route.json()["waypoints"])
        assert not path.intersects(tower) or high > 120.0  # around the tower, or over it
        with restarted.state.context.sessions() as session:
            assert [r.name for r in session.exec(select(BuildingFile))] == ["two.geojson"]
            imports = session.exec(
                select(AuditEntry).where(AuditEntry.action == "buildings.import")
            )
            assert len(list(imports)) == 2
