"""Mission execution in-process (manual clock): camera triggering, rally points, DO_JUMP."""

from __future__ import annotations

import itertools

import pytest
from pymavlink.dialects.v20 import common as mavlink

from simulators import FlightMode, SimVehicle, VehicleSpec
from simulators.clock import ManualClock
from simulators.plan import MISSION, RALLY, PlanItem

M = mavlink


def _setup() -> tuple[SimVehicle, ManualClock]:
    clock = ManualClock(50.0)
    return SimVehicle(VehicleSpec(speedup=10.0), clock), clock


def _wp(seq: int, vehicle: SimVehicle, north_deg: float, east_deg: float, up_m: float) -> PlanItem:
    lat, lon = vehicle.spec.home_lat_deg + north_deg, vehicle.spec.home_lon_deg + east_deg
    return PlanItem(seq, 6, M.MAV_CMD_NAV_WAYPOINT, x=round(lat * 1e7), y=round(lon * 1e7), z=up_m)


def _do(seq: int, command: int, p1: float = 0.0, p2: float = 0.0, p3: float = 0.0) -> PlanItem:
    return PlanItem(seq, 2, command, p1, p2, p3)


def _run_mission(vehicle: SimVehicle, clock: ManualClock, items: tuple[PlanItem, ...]) -> None:
    vehicle.load_plan(MISSION, items)
    clock.advance(1.0)
    vehicle.tick()
    assert vehicle.mission_valid
    ap = vehicle.autopilot
    assert ap.arm(clock()) is None
    ap.set_mode(FlightMode.MISSION)
    for _ in range(3000):
        clock.advance(0.1)
        vehicle.tick()
        if ap.mission.finished:
            return
    raise AssertionError("mission did not finish")


def test_distance_triggering_takes_a_photo_every_n_metres() -> None:
    vehicle, clock = _setup()
    items = (
        _wp(0, vehicle, 0.0, 0.0, 10.0),
        _do(1, M.MAV_CMD_DO_SET_CAM_TRIGG_DIST, 10.0, 0.0, 1.0),
        _wp(2, vehicle, 0.0009, 0.0, 10.0),  # ~100 m north
        _do(3, M.MAV_CMD_DO_SET_CAM_TRIGG_DIST, 0.0),
        _wp(4, vehicle, 0.0009, 0.0009, 10.0),
    )
    _run_mission(vehicle, clock, items)
    captures = vehicle.captures
    assert 10 <= len(captures) <= 12  # one at the start, then every 10 m over ~100 m
    norths = [vehicle.autopilot.frame.to_north_east(c.lon_deg, c.lat_deg)[0] for c in captures]
    gaps = [b - a for a, b in itertools.pairwise(norths)]
    assert all(9.0 <= gap <= 12.0 for gap in gaps)
    assert captures[-1].lon_deg == pytest.approx(vehicle.spec.home_lon_deg, abs=1e-6)


def test_do_jump_repeats_items() -> None:
    vehicle, clock = _setup()
    items = (
        _wp(0, vehicle, 0.0, 0.0, 10.0),
        _wp(1, vehicle, 0.0002, 0.0, 10.0),
        _do(2, M.MAV_CMD_IMAGE_START_CAPTURE, 0.0, 0.0, 1.0),
        _do(3, M.MAV_CMD_DO_JUMP, 1.0, 2.0),  # back to item 1, twice
        _wp(4, vehicle, 0.0, 0.0, 10.0),
    )
    _run_mission(vehicle, clock, items)
    assert [c.seq for c in vehicle.captures] == [2, 2, 2]


def test_return_goes_to_the_nearest_rally_point() -> None:
    vehicle, clock = _setup()
    ap = vehicle.autopilot
    lat, lon = vehicle.spec.home_lat_deg, vehicle.spec.home_lon_deg
    rally = PlanItem(0, 6, M.MAV_CMD_NAV_RALLY_POINT, x=round((lat + 0.0012) * 1e7),
                     y=round(lon * 1e7), z=20.0, mission_type=RALLY)  # fmt: skip
    vehicle.load_plan(RALLY, (rally,))
    assert ap.arm(clock()) is None
    ap.takeoff_to(15.0)
    for _ in range(100):
        clock.advance(0.1)
        vehicle.tick()
    ap.hold_at(110.0, 0.0, 15.0)  # rally point (~133 m north) is now nearer than home
    for _ in range(200):
        clock.advance(0.1)
        vehicle.tick()
    ap.start_rtl()
    for _ in range(1500):
        clock.advance(0.1)
        vehicle.tick()
        if not ap.armed:
            break
    assert not ap.armed
    assert vehicle.lon_lat_deg == pytest.approx((lon, lat + 0.0012), abs=2e-5)
