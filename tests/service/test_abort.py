"""``POST /missions/{id}/abort``: the vehicle comes home, the mission ends ``aborted``.

End to end on real loopback UDP (simulator port offset 1917), on SQLite and PostgreSQL: the
service with its runner flies a reserved flight on a simulated quad; mid-flight the operator
aborts it. The runner stops flying it, the quad returns to launch and lands at home (the API
shows it ``idle``, disarmed, on the ground), the mission is ``aborted`` with the reason, its
intent ``Contingent`` while the quad flies back and ``Ended`` once it is down, and the abort
is audited with what the vehicle did. A mission not yet
started is cancelled and its reservation released; an ended one is a 409.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from airspace.route import Route, Waypoint
from airspace.volumes import route_to_volumes
from fleet import lifecycle
from fleet.service.approval import book_legs
from fleet.service.context import ServiceContext
from fleet.service.legs import PlannedLeg
from fleet.service.reservations import Reserved
from fleet.service.timing import SpeedProfile, retime
from fleet.storage.tables import AuditEntry, MissionRow, VehicleRow
from tests.service.helpers import vehicle_body
from tests.service.sim_service import GROUND_AMSL_M, HOME, SimService, sim_service
from tests.service.test_fleet_telemetry import headers_for, telemetry_until

PORT_OFFSET = 1917


@pytest.fixture
async def service(db_url: str) -> AsyncIterator[SimService]:
    """The service (SQLite or PostgreSQL) and one simulated quad."""
    async with sim_service(db_url, PORT_OFFSET) as running:
        yield running


def _route(start: datetime) -> Route:
    """Take off at home, 300 m north at 30 m, land: timed as the quad flies it."""
    lon, lat = HOME
    points = [(lat, 0.0), (lat, 30.0), (lat + 0.0027, 30.0), (lat + 0.0027, 0.0)]
    wps = tuple(Waypoint(lon, la, GROUND_AMSL_M + agl, GROUND_AMSL_M, start) for la, agl in points)
    return retime(Route(wps, 360.0, 0.0), SpeedProfile(cruise_speed_mps=8.0, accel_mps2=3.0))


def _book(context: ServiceContext, vehicle_id: int, departure: datetime) -> int:
    """An approved mission on the vehicle, its flight reserved as an intent."""
    with context.sessions() as session:
        vehicle = session.get(VehicleRow, vehicle_id)
        assert vehicle is not None
        mission = MissionRow(
            operator_id=vehicle.operator_id, kind="delivery", spec={}, created_by="test",
            vehicle_id=vehicle_id,
        )  # fmt: skip
        session.add(mission)
        session.commit()
        assert mission.id is not None
        lifecycle.schedule(session, mission.id, "test")
    leg = PlannedLeg(vehicle_id, _route(departure), True)
    outcome = book_legs(context, mission, [leg], route_to_volumes(leg.route), actor="test")
    assert isinstance(outcome, Reserved)
    return mission.id


async def _register(api: httpx.AsyncClient, service: SimService, headers: Any) -> int:
    body = vehicle_body("quad", mavlink_url=service.gcs_url, system_id=1)
    created = await api.post("/vehicles", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def _state(events: Any, mission_id: int, state: str) -> None:
    async for event in events:
        data = event.data
        if event.kind == "mission.state" and (data["mission_id"], data["state"]) == (
            mission_id,
            state,
        ):
            return
    raise AssertionError("the event stream ended")


async def _status(events: Any, vehicle_id: int, status: str) -> None:
    async for event in events:
        data = event.data
        if event.kind == "vehicle.status" and (data["vehicle_id"], data["status"]) == (
            vehicle_id,
            status,
        ):
            return
    raise AssertionError("the event stream ended")


def _audit(context: ServiceContext, action: str) -> list[AuditEntry]:
    with context.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == action)
        return list(session.exec(query.order_by(col(AuditEntry.id))))


async def test_abort_mid_flight_brings_the_vehicle_home(service: SimService) -> None:
    context, sim = service.context, service.swarm.vehicles[0]
    acme = headers_for(service)
    transport = httpx.ASGITransport(app=service.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api,
        context.bus.subscribe() as events,
    ):
        vehicle_id = await _register(api, service, acme)
        async with asyncio.timeout(15):
            await telemetry_until(events, vehicle_id, status="idle")
        departure = service.runner.now() + timedelta(seconds=70)
        mission_id = await asyncio.to_thread(_book, context, vehicle_id, departure)
        async with asyncio.timeout(30):
            await _state(events, mission_id, "in_flight")
            while sim.autopilot.state.up_m < 20.0 or sim.autopilot.state.north_m < 40.0:
                await telemetry_until(events, vehicle_id)
        shown = (await api.get(f"/vehicles/{vehicle_id}", headers=acme)).json()
        assert shown["status"] == "in_flight" and shown["telemetry"]["armed"] is True

        body = {"action": "rtl", "reason": "gusts over the river"}
        aborted = await api.post(f"/missions/{mission_id}/abort", json=body, headers=acme)
        assert aborted.status_code == 200, aborted.text
        mission = aborted.json()
        assert mission["state"] == "aborted"
        assert "gusts over the river" in mission["state_reason"]
        # flying home off its route: its airspace stays reserved, off-nominal, until it lands
        assert [leg["intent_state"] for leg in mission["legs"]] == ["Contingent"]

        async with asyncio.timeout(60):
            await _status(events, vehicle_id, "idle")  # landed at home and disarmed
            ended = await anext(e async for e in events if e.kind == "intent.state")
        assert (ended.data["mission_id"], ended.data["state"]) == (mission_id, "Ended")
    state = sim.autopilot.state
    assert state.on_ground and not sim.autopilot.armed
    assert abs(state.north_m) < 2.0 and abs(state.east_m) < 2.0
    async with httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api:
        shown = (await api.get(f"/vehicles/{vehicle_id}", headers=acme)).json()
        assert shown["status"] == "idle"
        assert shown["telemetry"]["armed"] is False
        assert shown["telemetry"]["landed_state"] == "on_ground"
        legs = (await api.get(f"/missions/{mission_id}", headers=acme)).json()["legs"]
        assert [leg["intent_state"] for leg in legs] == ["Ended"]
        again = await api.post(f"/missions/{mission_id}/abort", headers=acme)
        assert again.status_code == 409
        assert "already aborted" in again.json()["detail"]
    (entry,) = _audit(context, "mission.abort")
    assert entry.actor == "test:acme" and entry.target_id == str(mission_id)
    assert entry.detail["vehicles"] == {str(vehicle_id): "rtl accepted"}
    assert entry.detail["reason"] == "gusts over the river"
    transitions = [e.detail["to"] for e in _audit(context, "mission.transition")]
    assert transitions[-1] == "aborted"


async def test_abort_before_take_off_releases_the_reservation(service: SimService) -> None:
    context, sim = service.context, service.swarm.vehicles[0]
    acme = headers_for(service)
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api:
        vehicle_id = await _register(api, service, acme)
        departure = service.runner.now() + timedelta(minutes=30)
        mission_id = await asyncio.to_thread(_book, context, vehicle_id, departure)
        body = {"action": "land", "reason": "customer called it off"}
        aborted = await api.post(f"/missions/{mission_id}/abort", json=body, headers=acme)
        assert aborted.status_code == 200, aborted.text
        mission = aborted.json()
        assert mission["state"] == "cancelled"
        assert "customer called it off" in mission["state_reason"]
        assert [leg["intent_state"] for leg in mission["legs"]] == ["Ended"]
        bad = await api.post(f"/missions/{mission_id}/abort", json={"action": "loop"}, headers=acme)
        assert bad.status_code == 422 and "action" in bad.text
    assert not sim.autopilot.armed and sim.autopilot.state.on_ground
    (entry,) = _audit(context, "mission.abort")
    assert entry.detail["action"] == "land" and entry.detail["intents_ended"] == 1


async def test_a_cancelled_uploaded_mission_is_not_flown(service: SimService) -> None:
    """Cancelled after its upload, before its departure: the runner never arms the vehicle
    (it used to arm and start it at the departure, the mission already cancelled)."""
    context, sim = service.context, service.swarm.vehicles[0]
    acme = headers_for(service)
    transport = httpx.ASGITransport(app=service.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api,
        context.bus.subscribe() as events,
    ):
        vehicle_id = await _register(api, service, acme)
        departure = service.runner.now() + timedelta(seconds=90)
        mission_id = await asyncio.to_thread(_book, context, vehicle_id, departure)
        async with asyncio.timeout(30):
            await _state(events, mission_id, "uploaded")
        cancelled = await api.post(f"/missions/{mission_id}/cancel", headers=acme)
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["state"] == "cancelled"
        # watch the vehicle through its reserved departure and a minute of flight after it
        await service.runner.clock.sleep_until(departure + timedelta(seconds=60))
        assert not sim.autopilot.armed and sim.autopilot.state.on_ground
        shown = (await api.get(f"/missions/{mission_id}", headers=acme)).json()
        assert shown["state"] == "cancelled"
        assert [leg["intent_state"] for leg in shown["legs"]] == ["Ended"]


async def test_aborting_the_next_mission_leaves_the_flying_one_alone(service: SimService) -> None:
    """The quad flies mission A; mission B, approved on it for later, is aborted: B is
    cancelled, the quad is not commanded and A completes."""
    context, sim = service.context, service.swarm.vehicles[0]
    acme = headers_for(service)
    transport = httpx.ASGITransport(app=service.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api,
        context.bus.subscribe() as events,
    ):
        vehicle_id = await _register(api, service, acme)
        now = service.runner.now()
        flying = await asyncio.to_thread(_book, context, vehicle_id, now + timedelta(seconds=70))
        later = await asyncio.to_thread(_book, context, vehicle_id, now + timedelta(hours=2))
        async with asyncio.timeout(30):
            await _state(events, flying, "in_flight")
            while sim.autopilot.state.up_m < 20.0:
                await telemetry_until(events, vehicle_id)
        aborted = await api.post(f"/missions/{later}/abort", headers=acme)
        assert aborted.status_code == 200, aborted.text
        assert aborted.json()["state"] == "cancelled"
        assert sim.autopilot.mode.value == "mission"
        async with asyncio.timeout(60):
            await _state(events, flying, "completed")
    (entry,) = _audit(context, "mission.abort")
    assert entry.detail["vehicles"] == {str(vehicle_id): "not flying this mission: not commanded"}
