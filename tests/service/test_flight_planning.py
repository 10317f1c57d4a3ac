"""The InterUSS flight_planning v1 interface (automated_testing_interfaces
flight_planning/v1/flight_planning.yaml): scopes, planning, conflicts, closing, clearing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from fleet.service.security import SCOPE_DIRECT_AUTOMATED_TEST, SCOPE_PLAN
from tests.service.conftest import TokenMaker
from tests.service.helpers import T0, volume

BASE = "/flight_planning/v1"
SCOPES = (SCOPE_PLAN, SCOPE_DIRECT_AUTOMATED_TEST)


def plan(
    usage: str = "Planned",
    style: str = "IfAllowed",
    area: list[dict[str, Any]] | None = None,
    priority: int = 0,
    uas_state: str = "Nominal",
) -> dict[str, Any]:
    return {
        "request_id": str(uuid.uuid4()),
        "execution_style": style,
        "flight_plan": {
            "basic_information": {
                "usage_state": usage,
                "uas_state": uas_state,
                "area": area if area is not None else [volume(139.7, 35.69)],
            },
            "astm_f3548_21": {"priority": priority},
        },
    }


@pytest.fixture
def tester(auth: TokenMaker) -> dict[str, str]:
    return auth("uss-qualifier", "viewer", SCOPES)


async def test_status_needs_the_director_scope(
    client: httpx.AsyncClient, auth: TokenMaker, tester: dict[str, str]
) -> None:
    assert (await client.get(f"{BASE}/status")).status_code == 401
    assert (await client.get(f"{BASE}/status", headers=auth("x", "dispatcher"))).status_code == 403
    ok = await client.get(f"{BASE}/status", headers=tester)
    assert ok.json() == {
        "status": "Ready",
        "api_name": "Flight Planning Automated Testing Interface",
        "api_version": "v0.7.0",
    }
    assert (await client.get(f"{BASE}/status", headers=auth("x", "admin"))).status_code == 200


async def test_plan_activate_conflict_and_close(
    client: httpx.AsyncClient, tester: dict[str, str], auth: TokenMaker
) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    planned = await client.put(f"{BASE}/flight_plans/{first}", json=plan(), headers=tester)
    assert planned.status_code == 200, planned.text
    assert planned.json()["planning_result"] == "Completed"
    assert planned.json()["flight_plan_status"] == "Planned"
    clash = await client.put(f"{BASE}/flight_plans/{second}", json=plan(), headers=tester)
    assert clash.json()["planning_result"] == "Rejected"
    assert clash.json()["flight_plan_status"] == "NotPlanned"
    assert clash.json()["notes"]
    notes = await client.get(
        f"{BASE}/user_notifications", params={"after": "2000-01-01T00:00:00Z"}, headers=tester
    )
    assert len(notes.json()["user_notifications"]) == 1
    flying = await client.put(f"{BASE}/flight_plans/{first}", json=plan("InUse"), headers=tester)
    assert flying.json()["flight_plan_status"] == "OkToFly"
    closed = await client.delete(f"{BASE}/flight_plans/{first}", headers=tester)
    assert closed.json() == {
        "planning_result": "Completed",
        "notes": None,
        "flight_plan_status": "Closed",
        "includes_advisories": "Unknown",
    }
    assert (await client.delete(f"{BASE}/flight_plans/{first}", headers=tester)).status_code == 404
    retry = await client.put(f"{BASE}/flight_plans/{second}", json=plan(), headers=tester)
    assert retry.json()["flight_plan_status"] == "Planned"


async def test_hypothetical_writes_nothing_and_request_id_replays(
    client: httpx.AsyncClient, tester: dict[str, str]
) -> None:
    plan_id = str(uuid.uuid4())
    dry = await client.put(
        f"{BASE}/flight_plans/{plan_id}", json=plan(style="Hypothetical"), headers=tester
    )
    assert dry.json()["planning_result"] == "Completed"
    assert dry.json()["flight_plan_status"] == "NotPlanned"
    assert (await client.get("/intents", headers=tester)).json() == []
    body = plan()
    once = (await client.put(f"{BASE}/flight_plans/{plan_id}", json=body, headers=tester)).json()
    twice = (await client.put(f"{BASE}/flight_plans/{plan_id}", json=body, headers=tester)).json()
    assert once == twice
    assert len((await client.get("/intents", headers=tester)).json()) == 1
    other = await client.put(f"{BASE}/flight_plans/{uuid.uuid4()}", json=body, headers=tester)
    assert other.status_code == 409


async def test_unsupported_and_invalid_requests(
    client: httpx.AsyncClient, tester: dict[str, str]
) -> None:
    sfc = volume(139.7, 35.69)
    sfc["volume"]["altitude_lower"]["reference"] = "SFC"
    response = await client.put(
        f"{BASE}/flight_plans/{uuid.uuid4()}", json=plan(area=[sfc]), headers=tester
    )
    assert response.json()["planning_result"] == "NotSupported"
    empty = await client.put(
        f"{BASE}/flight_plans/{uuid.uuid4()}", json=plan(area=[]), headers=tester
    )
    assert empty.json()["planning_result"] == "Rejected"
    bad_id = await client.put(f"{BASE}/flight_plans/not-a-uuid", json=plan(), headers=tester)
    assert bad_id.status_code == 422
    nonsense = await client.put(
        f"{BASE}/flight_plans/{uuid.uuid4()}", json={"x": 1}, headers=tester
    )
    assert nonsense.status_code == 422


async def test_clear_area_closes_plans_inside_only(
    client: httpx.AsyncClient, tester: dict[str, str]
) -> None:
    inside, outside = str(uuid.uuid4()), str(uuid.uuid4())
    await client.put(f"{BASE}/flight_plans/{inside}", json=plan(), headers=tester)
    far = plan(area=[volume(139.75, 35.69, start=T0 + timedelta(hours=1))])
    await client.put(f"{BASE}/flight_plans/{outside}", json=far, headers=tester)
    extent = volume(139.7, 35.69, minutes=30, half_deg=0.01, alt_w84_m=(0, 1000))
    cleared = await client.post(
        f"{BASE}/clear_area_requests", json={"request_id": "c1", "extent": extent}, headers=tester
    )
    assert cleared.status_code == 200
    assert cleared.json()["outcome"]["success"] is True
    assert (await client.delete(f"{BASE}/flight_plans/{inside}", headers=tester)).status_code == 404
    assert (
        await client.delete(f"{BASE}/flight_plans/{outside}", headers=tester)
    ).status_code == 200
