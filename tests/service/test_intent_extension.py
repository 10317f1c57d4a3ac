"""A flight running late gets its operational intent extended instead of going off-nominal.

F3548-21 has the USS modify an operational intent when its flight will not conform to it, before
it becomes Nonconforming (see :mod:`fleet.runner.extend`). End to end on real loopback UDP, on
SQLite and on PostgreSQL: the service with its in-process runner flies a reserved 600 m flight on
a simulated PX4-like quad; once it cruises, the test caps the quad's speed (a weak motor, a
strong headwind) so it arrives about two minutes late, far beyond its volumes' time margins.

- With the airspace free, the runner extends the intent (new versions, still Activated): it is
  never Nonconforming, and the final volumes hold every fix of the track at its time, which the
  volumes first reserved do not.
- With another operator's intent booked in the destination's airspace right after ours ends,
  the extension is refused (nothing written) and the flight turns Nonconforming as before.
- A flight on time needs no update.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from airspace.conformance import ConformanceSettings, ExcursionKind, PositionReport, measure
from airspace.intents import OperationalIntent, Volume4D, intent_from_json, new_intent
from airspace.route import Route, Waypoint
from airspace.volumes import geoid_amsl_to_w84_m
from fleet.service.context import ServiceContext
from fleet.service.events import Event
from fleet.service.operators import ensure_operator
from fleet.service.reservations import Booking, Reserved, reserve
from fleet.service.timing import SpeedProfile, retime
from fleet.storage.tables import IntentRow
from tests.service.sim_service import GROUND_AMSL_M, HOME, SimService, sim_service
from tests.service.test_conformance_response import _audit, _next, book_flight

PORT_OFFSET = 1760
SPEEDUP = 25.0
SLOW_MPS = 3.0  # planned cruise 8 m/s: 600 m take ~125 s longer
RATES_HZ = {33: 12.0}  # GLOBAL_POSITION_INT: a fix every ~2 s of simulated time


@asynccontextmanager
async def flying(db_url: str) -> AsyncIterator[SimService]:
    """The app on ``db_url`` with its runner (scaled clock) and one simulated quad."""
    settings = ConformanceSettings(recovery_limit=timedelta(seconds=30))
    options = {"message_rates_hz": RATES_HZ, "conformance_settings": settings}
    async with sim_service(db_url, PORT_OFFSET, speedup=SPEEDUP, **options) as running:
        yield running


def _route(start: datetime) -> Route:
    """Take off at home, 600 m north at 30 m, land: timed as the quad flies it at 8 m/s."""
    lon, lat = HOME
    points = [(lat, 0.0), (lat, 30.0), (lat + 0.0054, 30.0), (lat + 0.0054, 0.0)]
    wps = tuple(Waypoint(lon, la, GROUND_AMSL_M + agl, GROUND_AMSL_M, start) for la, agl in points)
    return retime(Route(wps, 660.0, 0.0), SpeedProfile(cruise_speed_mps=8.0, accel_mps2=3.0))


def _book(context: ServiceContext, now: datetime) -> tuple[int, OperationalIntent]:
    """One approved mission on the quad; its flight reserved as an intent."""
    mission_id, reserved = book_flight(context, _route(now + timedelta(seconds=70)), PORT_OFFSET)
    return mission_id, intent_from_json(reserved.row.f3548)


def _book_next_door(context: ServiceContext, ours: OperationalIntent) -> str:
    """Another operator's intent over our destination, from just after our volumes end."""
    last = ours.volumes[-1]
    after = max(v.time_end for v in ours.volumes) + timedelta(seconds=1)
    theirs = Volume4D(
        last.outline,
        last.altitude_lower_w84_m - 20.0,
        last.altitude_upper_w84_m + 20.0,
        after,
        after + timedelta(minutes=20),
    )
    with context.sessions() as session:
        rival = ensure_operator(session, "rival", actor="test")
        assert rival.id is not None
    intent = new_intent("rival-intent", str(rival.id), (theirs,))
    outcome = reserve(
        context.sessions, Booking(intent, rival.id, "test"), now=ours.volumes[0].time_start
    )
    assert isinstance(outcome, Reserved), outcome
    return intent.id


async def _collect(context: ServiceContext, into: list[Event]) -> None:
    async with context.bus.subscribe() as events:
        async for event in events:
            if event.kind.startswith("intent."):
                into.append(event)


async def _fly(
    running: SimService, slow: bool, rival: bool = False
) -> tuple[OperationalIntent, list[Event]]:
    """Book, optionally book a rival next door, fly (slowed once cruising) until completed.

    Returns:
        The intent as first reserved, and every ``intent.*`` event published meanwhile.
    """
    context, sim = running.context, running.swarm.vehicles[0]
    seen: list[Event] = []
    async with asyncio.timeout(60), asyncio.TaskGroup() as tg, context.bus.subscribe() as events:
        collector = tg.create_task(_collect(context, seen))
        mission_id, reserved = await asyncio.to_thread(_book, context, running.runner.now())
        if rival:
            await asyncio.to_thread(_book_next_door, context, reserved)
        await _next(events, "mission.state", mission_id=mission_id, state="in_flight")
        while slow and (sim.autopilot.state.up_m < 25.0 or sim.autopilot.state.north_m < 40.0):
            await _next(events, "vehicle.telemetry")
        if slow:
            state = sim.autopilot.state
            airframe = dataclasses.replace(state.airframe, max_speed_mps=SLOW_MPS)
            sim.autopilot.state = dataclasses.replace(state, airframe=airframe)
        ended = ("completed", "aborted", "failed")
        async for event in events:
            mine = event.kind == "mission.state" and event.data.get("mission_id") == mission_id
            if mine and event.data["state"] in ended:
                assert event.data["state"] == "completed", event.data
                break
        collector.cancel()
    return reserved, seen


def _stored(context: ServiceContext, intent_id: str) -> IntentRow:
    with context.sessions() as session:
        row = session.get(IntentRow, intent_id)
        assert row is not None
        return row


def _late_fixes(running: SimService, volumes: tuple[Volume4D, ...]) -> list[float]:
    """How late each fix of the flight (activation to landing) is against ``volumes`` (0 when
    inside; a fix outside them otherwise counts as infinitely late)."""
    clock, context = running.runner.clock, running.context
    transitions = _audit(context, "intent.transition")
    started = next(e.time for e in transitions if e.detail["to"] == "Activated")
    landed = next(e.time for e in transitions if e.detail["to"] == "Ended")
    out = []
    for p in running.runner.tracks["quad"]:
        when = clock.start + timedelta(seconds=p.t_s)
        if not started <= when <= landed:
            continue
        alt = geoid_amsl_to_w84_m(p.lon_deg, p.lat_deg, p.alt_amsl_m)
        ex = measure(volumes, PositionReport(when, p.lon_deg, p.lat_deg, alt), 0.01)
        if ex is None:
            out.append(0.0)
        elif ex.kind is ExcursionKind.LATE and ex.lateral_m == 0 and ex.vertical_m == 0:
            out.append(ex.late_s)
        else:
            out.append(float("inf"))
    return out


async def test_a_slowed_flight_in_free_airspace_gets_its_intent_extended(db_url: str) -> None:
    """Never Nonconforming; new versions; the final volumes hold the whole track in time."""
    async with flying(db_url) as running:
        reserved, events = await _fly(running, slow=True)
        context = running.context
        transitions = [e.detail["to"] for e in _audit(context, "intent.transition")]
        updates = _audit(context, "intent.update")
        final = _stored(context, reserved.id)
        extended = intent_from_json(final.f3548).volumes
        late_planned = max(_late_fixes(running, reserved.volumes))
        late_extended = max(_late_fixes(running, extended))
    assert transitions == ["Activated", "Ended"]  # F3548: never off-nominal
    assert updates and all(u.actor == "runner:conformance" for u in updates)
    versions = [(u.detail["from_version"], u.detail["to_version"]) for u in updates]
    assert all(a < b for a, b in versions) and final.version > versions[-1][0]
    assert all(u.detail["state"] == "Activated" for u in updates)
    published = [e for e in events if e.kind == "intent.updated"]
    assert len(published) == len(updates) and "late" in published[0].data["what"]
    assert not [e for e in events if e.kind == "intent.update_refused"]
    assert running.runner.excursions == []
    assert late_planned > 30.0  # the volumes first reserved would not do
    assert late_extended == 0.0
    assert final.time_end == max(v.time_end for v in extended)  # the index follows


async def test_a_slowed_flight_whose_extension_meets_another_intent_goes_nonconforming(
    db_url: str,
) -> None:
    """The rival's airspace right after ours: no extension; Nonconforming, then Contingent."""
    async with flying(db_url) as running:
        reserved, events = await _fly(running, slow=True, rival=True)
        context = running.context
        transitions = [e.detail["to"] for e in _audit(context, "intent.transition")]
        updates = _audit(context, "intent.update")
        final = _stored(context, reserved.id)
        rival = _stored(context, "rival-intent")
    assert updates == []
    assert transitions[:3] == ["Activated", "Nonconforming", "Contingent"]
    refused = [e for e in events if e.kind == "intent.update_refused"]
    assert refused and all(e.data["blocking"] == ["rival-intent"] for e in refused)
    assert running.runner.excursions[0]["kind"] == "late"
    assert final.version < 10  # no extension attempts written
    assert rival.live and rival.version == 1


async def test_a_flight_on_time_needs_no_update(db_url: str) -> None:
    async with flying(db_url) as running:
        reserved, events = await _fly(running, slow=False)
        updates = _audit(running.context, "intent.update")
        late = max(_late_fixes(running, reserved.volumes))
    assert updates == [] and not [e for e in events if e.kind.startswith("intent.update")]
    assert late == 0.0
