"""Zones: CRUD, validation, and a new restriction replanning or flagging the flights it covers."""

from __future__ import annotations

import uuid

import httpx
from sqlmodel import select

from airspace.intents import new_intent, volume_from_json
from fleet import lifecycle
from fleet.service.reservations import Booking, Reserved, reserve
from fleet.storage.tables import IntentRow, UserNotification
from tests.service.conftest import TokenMaker
from tests.service.helpers import T0, delivery_body, square, volume

RESTRICTION = {
    "name": "fire at Shinjuku station",
    "kind": "temporary_restriction",
    "polygon": square(139.700, 35.690, 0.002),
    "time_start": "2030-04-01T00:00:00Z",
    "time_end": "2030-04-01T03:00:00Z",
}


async def _approved_mission(
    client: httpx.AsyncClient, headers: dict[str, str], state: str, low_w84_m: float = 100.0
) -> int:
    """A delivery whose intent over (139.7, 35.69) is reserved and which is in ``state``."""
    mission = (
        await client.post("/missions/deliveries", json=delivery_body(), headers=headers)
    ).json()
    context = client.app.state.context  # type: ignore[attr-defined]
    path = ["scheduled", "approved", "uploaded", "in_flight"]
    with context.sessions() as session:
        for step in path[: path.index(state) + 1]:
            lifecycle.advance(session, mission["id"], step, "test")
    candidate = new_intent(
        str(uuid.uuid4()),
        str(mission["operator_id"]),
        (volume_from_json(volume(139.7, 35.69, start=T0, alt_w84_m=(low_w84_m, low_w84_m + 40))),),
    )
    outcome = reserve(
        context.sessions,
        Booking(candidate, mission["operator_id"], "test", mission_id=mission["id"]),
        now=T0,
    )
    assert isinstance(outcome, Reserved)
    return int(mission["id"])


async def test_restriction_replans_approved_and_flags_flying(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    acme = auth("acme", "admin")
    approved = await _approved_mission(client, acme, "approved")
    flying = await _approved_mission(client, auth("rival", "admin"), "in_flight", 160.0)
    created = await client.post("/zones", json=RESTRICTION, headers=auth("city-hall", "admin"))
    assert created.status_code == 201, created.text
    assert created.json()["replanned_mission_ids"] == [approved]
    assert created.json()["flagged_mission_ids"] == [flying]
    mission = (await client.get(f"/missions/{approved}", headers=acme)).json()
    assert mission["state"] == "requested"
    assert "fire at Shinjuku station" in mission["state_reason"]
    context = client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        live = session.exec(select(IntentRow).where(IntentRow.live == True)).all()  # noqa: E712
        notes = session.exec(select(UserNotification)).all()
    assert [r.mission_id for r in live] == [flying]
    assert len(notes) == 2


async def test_restriction_elsewhere_or_later_touches_nothing(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    acme = auth("acme", "admin")
    approved = await _approved_mission(client, acme, "approved")
    later = {
        **RESTRICTION,
        "time_start": "2030-04-02T00:00:00Z",
        "time_end": "2030-04-02T01:00:00Z",
    }
    far = {**RESTRICTION, "polygon": square(139.80, 35.69, 0.002)}
    for zone in (later, far):
        response = await client.post("/zones", json=zone, headers=acme)
        assert response.json()["replanned_mission_ids"] == []
    assert (await client.get(f"/missions/{approved}", headers=acme)).json()["state"] == "approved"


async def test_zone_crud_and_validation(client: httpx.AsyncClient, auth: TokenMaker) -> None:
    acme, rival = auth("acme", "admin"), auth("rival", "admin")
    no_window = {**RESTRICTION, "time_start": None, "time_end": None}
    refused = await client.post("/zones", json=no_window, headers=acme)
    assert refused.status_code == 422 and "time_start and time_end" in str(refused.json()["detail"])
    bowtie = {
        **RESTRICTION,
        "polygon": [[139.70, 35.69], [139.71, 35.70], [139.71, 35.69], [139.70, 35.70]],
    }
    assert (await client.post("/zones", json=bowtie, headers=acme)).status_code == 422
    zone_id = (await client.post("/zones", json=RESTRICTION, headers=acme)).json()["id"]
    assert (await client.get(f"/zones/{zone_id}", headers=rival)).status_code == 200
    assert (
        await client.patch(f"/zones/{zone_id}", json={"name": "x"}, headers=rival)
    ).status_code == 404
    renamed = await client.patch(f"/zones/{zone_id}", json={"name": "smoke"}, headers=acme)
    assert renamed.json()["name"] == "smoke"
    crossed = await client.patch(f"/zones/{zone_id}", json={"floor_agl_m": 2000}, headers=acme)
    assert crossed.status_code == 400
    assert (await client.get(f"/zones/{zone_id}", headers=acme)).json()["floor_agl_m"] == 0.0
    assert (await client.delete(f"/zones/{zone_id}", headers=acme)).status_code == 204
    assert (await client.get(f"/zones/{zone_id}", headers=acme)).status_code == 404
