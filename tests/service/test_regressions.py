"""Regression tests from schemathesis findings (bench_service's OpenAPI fuzzing run)."""

from __future__ import annotations

import httpx
import pytest

from tests.service.conftest import TokenMaker
from tests.service.helpers import volume


@pytest.mark.parametrize(
    "path",
    [
        "/vehicles/805489917565627269120",  # was 500: int too large for SQLite INTEGER
        "/missions/99999999999999999999",
        "/missions?state=requested&offset=133424698049965955481600&limit=160",
        "/zones/0",
    ],
)
async def test_out_of_range_ids_are_422_not_500(
    client: httpx.AsyncClient, auth: TokenMaker, path: str
) -> None:
    response = await client.get(path, headers=auth("acme", "admin"))
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("after", "status"), [("0.5", 400), ("2024-04-22", 400), ("2024-04-22T16:36:50Z", 200)]
)
async def test_user_notifications_want_rfc3339(
    client: httpx.AsyncClient, auth: TokenMaker, after: str, status: int
) -> None:
    headers = auth("uss", "admin")
    response = await client.get(
        "/flight_planning/v1/user_notifications", params={"after": after}, headers=headers
    )
    assert response.status_code == status
    if status == 400:
        assert "RFC3339" in response.json()["detail"]


async def test_clear_area_refuses_a_wrongly_typed_altitude(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    extent = volume(139.7, 35.69)
    extent["volume"]["altitude_upper"]["value"] = False  # was accepted (bool taken as 0.0)
    response = await client.post(
        "/flight_planning/v1/clear_area_requests",
        json={"request_id": "r", "extent": extent},
        headers=auth("uss", "admin"),
    )
    assert response.status_code == 422


async def test_error_bodies_match_the_documented_schema(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    """400/404/409 answers are {"detail": str}, as the OpenAPI documents them."""
    headers = auth("acme", "admin")
    crossed = volume(139.7, 35.69, alt_w84_m=(150.0, 100.0))
    bad = await client.post("/intents", json={"volumes": [crossed]}, headers=headers)
    assert bad.status_code == 400 and isinstance(bad.json()["detail"], str)
    missing = await client.get("/missions/12345", headers=headers)
    assert missing.status_code == 404 and isinstance(missing.json()["detail"], str)
    spec = (await client.get("/openapi.json")).json()
    documented = spec["paths"]["/intents"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409"} <= set(documented)


async def test_huge_home_dock_id_is_422_not_500(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    body = {
        "name": "v",
        "kind": "ground_robot",
        "mavlink_url": "serial:///dev/ttyS0",
        "home_dock_id": 100067281281120901005312,
    }
    response = await client.post("/vehicles", json=body, headers=auth("acme", "admin"))
    assert response.status_code == 422


async def test_lone_surrogates_are_422_not_500(client: httpx.AsyncClient, auth: TokenMaker) -> None:
    raw = '{"name": "v", "kind": "multicopter", "mavlink_url": "serial://5\\udba2x"}'
    response = await client.post(
        "/vehicles",
        content=raw,
        headers={**auth("acme", "admin"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "unicode" in str(response.json()["detail"]).lower()


@pytest.mark.parametrize(
    ("field", "good"), [("lat_deg", 35.69), ("swap_time_s", 120.0), ("slots", 4)]
)
async def test_true_is_not_a_number(
    client: httpx.AsyncClient, auth: TokenMaker, field: str, good: float
) -> None:
    """Was 201 with lat_deg = 1.0: pydantic reads JSON true as 1 (schemathesis ST201)."""
    body = {"name": "d", "lon_deg": 139.7, "lat_deg": 35.69, field: True}
    response = await client.post("/docks", json=body, headers=auth("acme", "admin"))
    assert response.status_code == 422
    assert "not true/false" in response.text
    body[field] = good
    response = await client.post("/docks", json=body, headers=auth("acme", "admin"))
    assert response.status_code == 201, response.text
