"""Reservations: conflicts refused, priorities honoured, restart recovery, nothing half-written."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlmodel import select

from fleet.service.app import create_app
from fleet.service.settings import Settings
from fleet.storage.tables import AuditEntry, IntentRow
from tests.service.conftest import TokenMaker
from tests.service.helpers import T0, volume


async def test_conflicting_reservation_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    acme, rival = auth("acme", "dispatcher"), auth("rival", "dispatcher")
    first = await client.post("/intents", json={"volumes": [volume(139.7, 35.69)]}, headers=acme)
    assert first.status_code == 201, first.text
    clash = await client.post(
        "/intents", json={"volumes": [volume(139.7005, 35.6905)]}, headers=rival
    )
    assert clash.status_code == 409
    assert first.json()["id"] in clash.json()["detail"]
    context = client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        assert len(session.exec(select(IntentRow)).all()) == 1
        reserves = session.exec(select(AuditEntry).where(AuditEntry.action == "intent.reserve"))
        assert len(reserves.all()) == 1


async def test_disjoint_in_time_space_or_altitude_is_accepted(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers = auth("acme", "dispatcher")
    base = volume(139.7, 35.69)
    later = volume(139.7, 35.69, start=T0 + timedelta(minutes=11))
    elsewhere = volume(139.72, 35.69)
    higher = volume(139.7, 35.69, alt_w84_m=(151.0, 200.0))
    for v in (base, later, elsewhere, higher):
        response = await client.post("/intents", json={"volumes": [v]}, headers=headers)
        assert response.status_code == 201, response.text


async def test_higher_priority_preempts_and_lower_priority_is_notified(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    normal, medical = auth("acme", "dispatcher"), auth("hospital", "dispatcher")
    low = await client.post("/intents", json={"volumes": [volume(139.7, 35.69)]}, headers=normal)
    high = await client.post(
        "/intents", json={"volumes": [volume(139.7, 35.69)], "priority": 100}, headers=medical
    )
    assert high.status_code == 201
    again = await client.post("/intents", json={"volumes": [volume(139.7, 35.69)]}, headers=normal)
    assert again.status_code == 409
    assert high.json()["id"] in again.json()["detail"]
    assert low.status_code == 201


async def test_other_operators_intents_show_volumes_only(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    acme, rival = auth("acme", "dispatcher"), auth("rival", "viewer")
    intent_id = (
        await client.post("/intents", json={"volumes": [volume(139.7, 35.69)]}, headers=acme)
    ).json()["id"]
    own = (await client.get(f"/intents/{intent_id}", headers=acme)).json()
    seen = (await client.get(f"/intents/{intent_id}", headers=rival)).json()
    assert own["own"] and own["operational_intent"]["reference"]["id"] == intent_id
    assert not seen["own"]
    assert seen["operational_intent"] is None and seen["mission_id"] is None
    assert seen["volumes"] == own["volumes"]
    listed = (await client.get("/intents", headers=rival)).json()
    assert [i["id"] for i in listed] == [intent_id]


async def test_bad_volume_is_422_naming_the_field(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    bad = volume(139.7, 35.69)
    del bad["volume"]["altitude_lower"]
    crossed = volume(139.7, 35.69, alt_w84_m=(150.0, 100.0))
    refused = await client.post("/intents", json={"volumes": [crossed]}, headers=auth("a", "admin"))
    assert refused.status_code == 400
    assert "altitude" in refused.json()["detail"]
    response = await client.post("/intents", json={"volumes": [bad]}, headers=auth("a", "admin"))
    assert response.status_code == 422
    assert "altitude_lower" in str(response.json()["detail"])


async def test_ending_frees_the_airspace(client: httpx.AsyncClient, auth: TokenMaker) -> None:
    headers = auth("acme", "dispatcher")
    intent_id = (
        await client.post("/intents", json={"volumes": [volume(139.7, 35.69)]}, headers=headers)
    ).json()["id"]
    assert (await client.delete(f"/intents/{intent_id}", headers=headers)).status_code == 204
    again = await client.post("/intents", json={"volumes": [volume(139.7, 35.69)]}, headers=headers)
    assert again.status_code == 201
    assert (await client.delete(f"/intents/{intent_id}", headers=headers)).status_code == 404


async def test_restart_recovery_no_double_booking(settings: Settings, auth: TokenMaker) -> None:
    """Reserve, stop the app, start a new one on the same database: the airspace is still taken."""
    headers = auth("acme", "dispatcher")
    first_app = create_app(settings)
    async with first_app.router.lifespan_context(first_app):
        transport = httpx.ASGITransport(app=first_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://a") as http:
            booked = await http.post(
                "/intents", json={"volumes": [volume(139.7, 35.69)]}, headers=headers
            )
            assert booked.status_code == 201
    second_app = create_app(settings)
    async with second_app.router.lifespan_context(second_app):
        transport = httpx.ASGITransport(app=second_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b") as http:
            clash = await http.post(
                "/intents", json={"volumes": [volume(139.7, 35.69)]}, headers=headers
            )
            assert clash.status_code == 409
            assert booked.json()["id"] in clash.json()["detail"]
            listed = (await http.get("/intents", headers=headers)).json()
            assert [i["id"] for i in listed] == [booked.json()["id"]]
