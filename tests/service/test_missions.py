"""Missions through the API: booking, validation, listing, filtering, cancelling."""

from __future__ import annotations

import httpx
import pytest

from tests.service.conftest import TokenMaker
from tests.service.helpers import delivery_body

INSPECTION = {
    "target": {"type": "area", "polygon": [[139.70, 35.69], [139.701, 35.69], [139.701, 35.691]]},
    "gsd_cm_per_px": 2.0,
    "window_start": "2030-04-01T01:00:00Z",
    "window_end": "2030-04-01T05:00:00Z",
}


async def test_book_list_filter_and_get(client: httpx.AsyncClient, auth: TokenMaker) -> None:
    dispatcher, inspector = auth("acme", "dispatcher"), auth("acme", "inspector")
    delivery = await client.post(
        "/missions/deliveries", json=delivery_body(priority="medical"), headers=dispatcher
    )
    assert delivery.status_code == 201, delivery.text
    assert delivery.json()["state"] == "requested"
    inspection = await client.post("/missions/inspections", json=INSPECTION, headers=inspector)
    assert inspection.status_code == 201, inspection.text
    all_missions = (await client.get("/missions", headers=dispatcher)).json()
    assert {m["kind"] for m in all_missions} == {"delivery", "inspection"}
    only = (await client.get("/missions?kind=inspection", headers=dispatcher)).json()
    assert [m["id"] for m in only] == [inspection.json()["id"]]
    got = (await client.get(f"/missions/{delivery.json()['id']}", headers=inspector)).json()
    assert got["priority"] == "medical"
    assert got["spec"]["pickup"] == {"lon_deg": 139.7, "lat_deg": 35.69}
    assert got["legs"] == []


@pytest.mark.parametrize(
    ("overrides", "hint"),
    [
        ({"latest_delivery": "2030-03-31T00:00:00Z"}, "latest_delivery must be after"),
        ({"dropoff": {"lon_deg": 139.700, "lat_deg": 35.690}}, "same point"),
        ({"payload_kg": -1}, "payload_kg"),
        ({"earliest_pickup": "2030-04-01T00:00:00"}, "time zone"),
        ({"pickup": {"lon_deg": 200, "lat_deg": 35}}, "lon_deg"),
        ({"priority": "vip"}, "priority"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_delivery_is_422_saying_what_to_fix(
    client: httpx.AsyncClient, auth: TokenMaker, overrides: dict[str, object], hint: str
) -> None:
    headers = auth("acme", "dispatcher")
    response = await client.post(
        "/missions/deliveries", json=delivery_body(**overrides), headers=headers
    )
    assert response.status_code == 422
    assert hint in str(response.json()["detail"])
    assert (await client.get("/missions", headers=headers)).json() == []


async def test_cancel_and_refuse_to_cancel_twice(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers = auth("acme", "dispatcher")
    mission_id = (
        await client.post("/missions/deliveries", json=delivery_body(), headers=headers)
    ).json()["id"]
    cancelled = await client.post(
        f"/missions/{mission_id}/cancel", json={"reason": "customer"}, headers=headers
    )
    assert cancelled.status_code == 200
    assert (cancelled.json()["state"], cancelled.json()["state_reason"]) == (
        "cancelled",
        "customer",
    )
    again = await client.post(f"/missions/{mission_id}/cancel", headers=headers)
    assert again.status_code == 409
    assert "cannot go from cancelled" in again.json()["detail"]
    filtered = (await client.get("/missions?state=cancelled", headers=headers)).json()
    assert [m["id"] for m in filtered] == [mission_id]
