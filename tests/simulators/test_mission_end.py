"""What a vehicle does when its mission ends, as PX4 does it (regression: it used to slide back
to where it was armed, along the ground, and never disarm).

PX4: the last item reached in the air -> Hold at the last waypoint (Commander switches
AUTO_MISSION to AUTO_LOITER); a NAV_LAND -> land detected, ON_GROUND, disarmed after
COM_DISARM_LAND; a rover -> stops where its mission ends. A new mission started where the vehicle
landed takes off vertically from there. Port offsets 1500-1599 belong to this file.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymavlink.dialects.v20 import common as mavlink

from simulators import FlightMode, SimVehicle, Swarm, VehicleSpec
from simulators.autopilot import LAND_DETECT_S
from simulators.clock import ManualClock
from simulators.config import AutopilotConfig
from simulators.physics import QUAD_AIRFRAME, Setpoint, VehicleKind, initial_state, step
from simulators.plan import MISSION, PlanItem
from simulators.px4_modes import custom_mode_of
from tests.simulators.conftest import flying
from tests.simulators.mavclient import MavClient, item, start_mission, upload

M = mavlink
D_DEG = 0.0003  # ~33 m north, ~27 m east
ARMED = 128


def _ne(sim: SimVehicle, msg: Any) -> tuple[float, float]:
    return sim.autopilot.frame.to_north_east(msg.lon * 1e-7, msg.lat * 1e-7)


async def _fly(client: MavClient, items: list[Any]) -> None:
    assert await upload(client, items) == M.MAV_MISSION_ACCEPTED
    client.command(1, M.MAV_CMD_COMPONENT_ARM_DISARM, 1)
    await client.expect("COMMAND_ACK", lambda m: m.command == 400 and m.result == 0)
    await start_mission(client)


async def test_missions_end_in_hold_or_landed_and_the_next_takes_off_where_it_is() -> None:
    swarm = Swarm(1, port_offset=1510, speedup=20, gcs_link=False)
    async with flying(swarm) as (_, client):
        sim = swarm.vehicles[0]
        lon, lat = sim.lon_lat_deg
        client.command(1, M.MAV_CMD_SET_MESSAGE_INTERVAL, 33, 20_000)  # positions at 50 Hz
        # leg 1: take off at home, fly, land at the dropoff
        drop_lat, drop_lon = lat + D_DEG, lon + D_DEG
        await _fly(client, [
            item(0, M.MAV_CMD_NAV_TAKEOFF, lat, lon, 12),
            item(1, lat_deg=lat + D_DEG, lon_deg=lon, z=12),
            item(2, M.MAV_CMD_NAV_LAND, drop_lat, drop_lon, 0),
        ])  # fmt: skip
        await client.seen("STATUSTEXT", lambda m: m.text == "Disarmed by landing", 30)
        await client.expect("EXTENDED_SYS_STATE", lambda m: m.landed_state == 1)
        await client.expect("HEARTBEAT", lambda m: not m.base_mode & ARMED)
        parked = [
            _ne(sim, m) for m in await client.messages(0.5) if m.get_type() == "GLOBAL_POSITION_INT"
        ]
        drop_ne = sim.autopilot.frame.to_north_east(drop_lon, drop_lat)
        assert len(parked) > 5
        assert max(math.dist(p, drop_ne) for p in parked) < 1.0  # landed at the point, stays
        # leg 2 from the dropoff: vertical takeoff there, ends in the air
        start = len(client.history)
        end_lat, end_lon = drop_lat, lon
        await _fly(client, [
            item(0, M.MAV_CMD_NAV_TAKEOFF, drop_lat, drop_lon, 10),
            item(1, lat_deg=end_lat, lon_deg=end_lon, z=10),
        ])  # fmt: skip
        await client.seen("MISSION_ITEM_REACHED", lambda m: m.seq == 1, 30)
        hold = custom_mode_of(FlightMode.HOLD)
        await client.expect("HEARTBEAT", lambda m: m.custom_mode == hold and m.base_mode & ARMED)
        climb = []
        for msg in client.history[start:]:
            if msg.get_type() == "MISSION_ITEM_REACHED":
                break
            if msg.get_type() == "GLOBAL_POSITION_INT" and msg.relative_alt > 500:
                climb.append(_ne(sim, msg))
        assert len(climb) >= 3
        assert max(math.dist(p, drop_ne) for p in climb) < 1.0  # straight up from the dropoff
        await client.messages(0.5)  # settle at the last waypoint (10 s simulated)
        held = [m for m in await client.messages(1.0) if m.get_type() == "GLOBAL_POSITION_INT"]
        end_ne = sim.autopilot.frame.to_north_east(end_lon, end_lat)
        assert len(held) > 10
        assert max(math.dist(_ne(sim, m), end_ne) for m in held) < 0.3  # no drift home
        assert all(abs(m.relative_alt / 1000 - 10) < 0.5 for m in held)
        assert sim.autopilot.armed


def _vehicle(
    kind: VehicleKind = VehicleKind.QUAD, **config: float
) -> tuple[SimVehicle, ManualClock]:
    clock = ManualClock(10.0)
    spec = VehicleSpec(kind=kind, config=AutopilotConfig(**config))  # type: ignore[arg-type]
    return SimVehicle(spec, clock), clock


def _at(
    v: SimVehicle, seq: int, command: int, north_m: float, east_m: float, up_m: float
) -> PlanItem:
    lon, lat = v.autopilot.frame.to_lon_lat(north_m, east_m)
    return PlanItem(seq, 6, command, x=round(lat * 1e7), y=round(lon * 1e7), z=up_m)


def _start(v: SimVehicle, clock: ManualClock, items: tuple[PlanItem, ...]) -> None:
    v.load_plan(MISSION, items)
    clock.advance(1.0)
    v.tick()
    assert v.mission_valid and v.autopilot.arm(clock()) is None
    v.autopilot.set_mode(FlightMode.MISSION)


def _run(
    v: SimVehicle, clock: ManualClock, seconds: float, dt_s: float = 0.1
) -> list[tuple[float, ...]]:
    """Tick for ``seconds``; returns (t, north, east, up, speed) after each tick."""
    track: list[tuple[float, ...]] = []
    for _ in range(round(seconds / dt_s)):
        clock.advance(dt_s)
        v.tick()
        s = v.autopilot.state
        track.append((s.t_s, s.north_m, s.east_m, s.up_m, s.ground_speed_mps))
    return track


WP, TAKEOFF, LAND = M.MAV_CMD_NAV_WAYPOINT, M.MAV_CMD_NAV_TAKEOFF, M.MAV_CMD_NAV_LAND


def test_a_rover_stops_at_its_last_waypoint_and_stays() -> None:
    v, clock = _vehicle(VehicleKind.ROVER)
    _start(v, clock, (_at(v, 0, WP, 20, 0, 0), _at(v, 1, WP, 20, 15, 0)))
    _run(v, clock, 60)
    ap = v.autopilot
    assert ap.mission.finished and ap.armed
    after = _run(v, clock, 60)
    assert all(math.dist(p[1:3], (20, 15)) <= ap.config.acceptance_radius_m + 0.1 for p in after)
    assert max(math.dist(after[0][1:3], p[1:3]) for p in after) < 0.05
    assert after[-1][4] < 0.01


def test_a_wait_in_the_mission_holds_where_the_vehicle_is() -> None:
    v, clock = _vehicle()
    delay = PlanItem(2, 2, M.MAV_CMD_NAV_DELAY, 30.0)
    _start(v, clock, (
        _at(v, 0, TAKEOFF, 0, 0, 10), _at(v, 1, WP, 40, 0, 10), delay, _at(v, 3, WP, 40, 30, 10),
    ))  # fmt: skip
    ap = v.autopilot
    while ap.mission.current < 2:
        _run(v, clock, 0.1)
    waiting = _run(v, clock, 25)
    assert ap.mission.current == 2
    assert all(math.dist(p[1:3], (40, 0)) < 3.0 and abs(p[3] - 10) < 0.5 for p in waiting)


@pytest.mark.parametrize("disarm_s", [2.0, 5.0])
def test_com_disarm_land_after_a_mission_landing(disarm_s: float) -> None:
    v, clock = _vehicle(disarm_after_land_s=disarm_s)
    _start(v, clock, (_at(v, 0, TAKEOFF, 0, 0, 8), _at(v, 1, LAND, 15, 0, 0)))
    ap = v.autopilot
    track: list[tuple[float, ...]] = []
    while ap.armed and len(track) < 2000:
        track += _run(v, clock, 0.05, dt_s=0.05)
    touchdown_s = next(t for t, n, _, up, _ in track if up <= 0.05 and n > 5)
    # PX4's land detector, then COM_DISARM_LAND
    assert disarm_s + LAND_DETECT_S <= ap.state.t_s - touchdown_s <= disarm_s + LAND_DETECT_S + 0.3
    assert "Disarmed by landing" in v.status_log
    assert ap.landed_state == 1 and ap.mode is FlightMode.MISSION
    parked = _run(v, clock, 20)
    assert all(math.dist(p[1:3], (15, 0)) < 1.0 and p[3] < 0.1 for p in parked)


def test_a_mission_ending_on_the_ground_without_land_item_still_disarms() -> None:
    v, clock = _vehicle()
    _start(
        v, clock, (_at(v, 0, TAKEOFF, 0, 0, 8), _at(v, 1, WP, 15, 0, 8), _at(v, 2, WP, 15, 0, 0))
    )
    track = _run(v, clock, 60)
    assert not v.autopilot.armed and "Disarmed by landing" in v.status_log
    assert max(math.dist(p[1:3], (15, 0)) for p in track[-100:]) < 2.1


def test_a_takeoff_waypoint_away_from_the_vehicle_is_reached_after_a_vertical_climb() -> None:
    v, clock = _vehicle()
    _start(v, clock, (_at(v, 0, TAKEOFF, 12, 0, 10), _at(v, 1, WP, 12, 20, 10)))
    track = _run(v, clock, 40)
    climbing = [p for p in track if p[3] < 9.0]
    assert climbing and all(math.dist(p[1:3], (0, 0)) < 0.2 for p in climbing)
    assert v.autopilot.mission.finished and v.autopilot.mode is FlightMode.HOLD
    assert min(math.dist(p[1:3], (12, 0)) for p in track) < v.autopilot.config.acceptance_radius_m


@settings(max_examples=40, deadline=None)
@given(
    north_m=st.floats(-500, 500),
    east_m=st.floats(-500, 500),
    up_m=st.floats(-5, 0.0),
    speed_mps=st.floats(0, 15),
)
def test_a_landed_multicopter_never_slides(
    north_m: float, east_m: float, up_m: float, speed_mps: float
) -> None:
    target = Setpoint(north_m, east_m, up_m, speed_mps, True)
    state = replace(initial_state(QUAD_AIRFRAME), setpoint=target)
    for _ in range(50):
        state = step(state, 0.1)
    assert (state.north_m, state.east_m, state.up_m) == (0.0, 0.0, 0.0)
