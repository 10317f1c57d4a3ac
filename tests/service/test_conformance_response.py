"""The runner acts on conformance: Nonconforming -> hold, Contingent -> RTL, mission aborted.

End to end on real loopback UDP: the service (SQLite file) with its in-process runner flies a
short reserved flight on a simulated PX4-like quad (simulator port offset 1550); mid-flight
the test moves the simulated vehicle off its route (a manual position offset, as a strong
gust or a bad GPS fix would). The runner must tell it to hold when its intent turns
Nonconforming and to resume its mission 10 s later; a vehicle that rejoins its volumes
finishes its flight, one still outside at the recovery limit (Contingent) is told to return
to launch and its mission ends ``aborted``. Every command is audited with its reason and
published as a ``vehicle.command`` event.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from airspace.conformance import ConformanceSettings
from airspace.route import Route, Waypoint
from airspace.volumes import route_to_volumes
from fleet import lifecycle
from fleet.service.approval import book_legs
from fleet.service.context import ServiceContext
from fleet.service.events import Event
from fleet.service.legs import PlannedLeg
from fleet.service.operators import ensure_operator
from fleet.service.reservations import Reserved
from fleet.service.timing import SpeedProfile, retime
from fleet.storage.tables import AuditEntry, MissionRow, VehicleRow
from simulators import FlightMode
from tests.service.sim_service import GROUND_AMSL_M, HOME, SimService, sim_service

PORT_OFFSET = 1550


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[SimService]:
    """The service (F3548 recovery limit shortened to 30 s) and one simulated quad."""
    settings = ConformanceSettings(recovery_limit=timedelta(seconds=30))
    async with sim_service(
        tmp_path / "db.sqlite3", PORT_OFFSET, conformance_settings=settings
    ) as running:
        yield running


def _route(start: datetime) -> Route:
    """Take off at home, 300 m north at 30 m, land: timed as the quad flies it."""
    lon, lat = HOME
    points = [(lat, 0.0), (lat, 30.0), (lat + 0.0027, 30.0), (lat + 0.0027, 0.0)]
    wps = tuple(Waypoint(lon, la, GROUND_AMSL_M + agl, GROUND_AMSL_M, start) for la, agl in points)
    return retime(Route(wps, 360.0, 0.0), SpeedProfile(cruise_speed_mps=8.0, accel_mps2=3.0))


def book_flight(context: ServiceContext, route: Route, port_offset: int) -> tuple[int, Reserved]:
    """One approved mission on the simulated quad at ``port_offset``, ``route`` reserved as its
    flight's intent."""
    with context.sessions() as session:
        operator = ensure_operator(session, "acme", actor="test")
        assert operator.id is not None
        vehicle = VehicleRow(
            operator_id=operator.id, name="quad", kind="multicopter", system_id=1,
            mavlink_url=f"udpin://127.0.0.1:{14550 + port_offset}",
        )  # fmt: skip
        mission = MissionRow(operator_id=operator.id, kind="delivery", spec={}, created_by="t")
        session.add_all([vehicle, mission])
        session.commit()
        assert mission.id is not None and vehicle.id is not None
        lifecycle.schedule(session, mission.id, "test")
    leg = PlannedLeg(vehicle.id, route, True)
    outcome = book_legs(context, mission, [leg], route_to_volumes(leg.route), actor="test")
    assert isinstance(outcome, Reserved)
    return mission.id, outcome


def _book(context: ServiceContext, clock_now: datetime) -> int:
    """One approved mission on the quad, its flight reserved as an intent."""
    return book_flight(context, _route(clock_now + timedelta(seconds=70)), PORT_OFFSET)[0]


async def _next(events: Any, kind: str, **match: object) -> Event:
    async for event in events:
        if event.kind == kind and all(event.data.get(k) == v for k, v in match.items()):
            return event  # type: ignore[no-any-return]
    raise AssertionError("the event stream ended")


def _audit(context: ServiceContext, action: str) -> list[AuditEntry]:
    with context.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == action)
        return list(session.exec(query.order_by(col(AuditEntry.id))))


async def _push_east(service: SimService, events: Any, offset_m: float) -> int:
    """Book the flight, wait until it cruises, then move the simulated quad ``offset_m`` east."""
    sim = service.swarm.vehicles[0]
    mission_id = await asyncio.to_thread(_book, service.context, service.runner.now())
    await _next(events, "mission.state", mission_id=mission_id, state="in_flight")
    while sim.autopilot.state.up_m < 25.0 or sim.autopilot.state.north_m < 40.0:
        await _next(events, "vehicle.telemetry")
    state = sim.autopilot.state
    sim.autopilot.state = dataclasses.replace(state, east_m=state.east_m + offset_m)
    return mission_id


async def test_a_vehicle_pushed_far_off_its_route_is_held_then_recalled(
    service: SimService,
) -> None:
    """Held, resumed after 10 s, still outside at the recovery limit: RTL, mission aborted."""
    context, sim = service.context, service.swarm.vehicles[0]
    async with asyncio.timeout(30), context.bus.subscribe() as events:
        mission_id = await _push_east(service, events, 500.0)
        hold = await _next(events, "vehicle.command", mission_id=mission_id)
        assert hold.data["command"] == "hold" and hold.data["outcome"] == "accepted"
        assert "left its volumes" in hold.data["reason"]
        assert sim.autopilot.mode is FlightMode.HOLD
        rtl = await _next(events, "vehicle.command", mission_id=mission_id, command="rtl")
        assert "contingent" in rtl.data["reason"] and rtl.data["outcome"] == "accepted"
        aborted = await _next(events, "mission.state", mission_id=mission_id, state="aborted")
    assert "told to rtl" in aborted.data["reason"]
    assert sim.autopilot.mode is FlightMode.RTL
    commands = _audit(context, "vehicle.command")
    assert [(e.actor, e.detail["command"]) for e in commands] == [
        ("runner:conformance", "hold"),
        ("runner:conformance", "resume"),
        ("runner:conformance", "rtl"),
    ]
    transitions = [e.detail["to"] for e in _audit(context, "intent.transition")]
    assert transitions[:3] == ["Activated", "Nonconforming", "Contingent"]


async def test_a_vehicle_pushed_a_little_off_rejoins_its_route_and_lands(
    service: SimService,
) -> None:
    """Held, resumed after 10 s, back inside its volumes: the flight completes."""
    context = service.context
    async with asyncio.timeout(40), context.bus.subscribe() as events:
        mission_id = await _push_east(service, events, 40.0)
        done = await _next(events, "mission.state", mission_id=mission_id, state="completed")
    assert done.data["reason"] is None
    commands = [e.detail["command"] for e in _audit(context, "vehicle.command")]
    assert commands[:2] == ["hold", "resume"] and "rtl" not in commands
    transitions = [e.detail["to"] for e in _audit(context, "intent.transition")]
    assert transitions[:3] == ["Activated", "Nonconforming", "Activated"]
    assert transitions[-1] == "Ended"
