"""Failsafes as PX4 flies them, in-process with an injected manual clock (deterministic)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pymavlink.dialects.v20 import common as mavlink

from simulators import AutopilotConfig, FailsafeAction, FlightMode, SimVehicle, VehicleSpec
from simulators.clock import ManualClock
from simulators.physics import QUAD_AIRFRAME, VehicleKind
from simulators.plan import FENCE, MISSION, PlanItem


def _vehicle(**spec: object) -> tuple[SimVehicle, ManualClock]:
    clock = ManualClock(100.0)
    return SimVehicle(VehicleSpec(**spec), clock), clock  # type: ignore[arg-type]


def _fly(vehicle: SimVehicle, clock: ManualClock, seconds: float, until: object = None) -> None:
    """Tick 10 times per wall second; stop early when ``until()`` is true."""
    for _ in range(round(seconds * 10)):
        clock.advance(0.1)
        vehicle.tick()
        if until is not None and until():  # type: ignore[operator]
            return


def _airborne(vehicle: SimVehicle, clock: ManualClock, up_m: float = 20.0) -> None:
    ap = vehicle.autopilot
    assert ap.arm(clock()) is None
    ap.takeoff_to(up_m)
    _fly(vehicle, clock, 60, lambda: ap.mode is FlightMode.HOLD)
    assert ap.in_air


def _fence_circle(vehicle: SimVehicle, radius_m: float) -> PlanItem:
    lat, lon = vehicle.spec.home_lat_deg, vehicle.spec.home_lon_deg
    return PlanItem(
        0, 0, mavlink.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, radius_m,
        x=round(lat * 1e7), y=round(lon * 1e7), mission_type=FENCE,
    )  # fmt: skip


def _texts(vehicle: SimVehicle) -> list[str]:
    return list(vehicle.status_log)


def test_low_battery_returns_then_critical_battery_lands() -> None:
    small_pack = replace(QUAD_AIRFRAME, battery_wh=6.0)
    vehicle, clock = _vehicle(airframe=small_pack, speedup=5.0)
    ap = vehicle.autopilot
    _airborne(vehicle, clock)
    ap.hold_at(400.0, 0.0, 20.0)
    modes = []
    for _ in range(400):
        _fly(vehicle, clock, 0.5)
        modes.append(ap.mode)
        if not ap.armed:
            break
    assert FlightMode.RTL in modes
    assert modes.index(FlightMode.RTL) < modes.index(FlightMode.LAND)
    assert not ap.armed and ap.state.on_ground
    assert ap.state.battery.remaining <= ap.config.critical_battery


def test_battery_fault_in_flight_lands_and_then_refuses_to_arm() -> None:
    vehicle, clock = _vehicle(speedup=10.0)
    ap = vehicle.autopilot
    _airborne(vehicle, clock)
    vehicle.fail_battery(remaining=0.05)
    _fly(vehicle, clock, 1)
    assert ap.mode is FlightMode.LAND
    _fly(vehicle, clock, 60, lambda: not ap.armed)
    assert not ap.armed
    assert ap.arm(clock()) == "Preflight Fail: Battery unhealthy"
    assert vehicle.telemetry.battery_status().fault_bitmask != 0


def test_gps_loss_lands_and_blocks_arming() -> None:
    vehicle, clock = _vehicle(speedup=10.0)
    ap = vehicle.autopilot
    _airborne(vehicle, clock)
    vehicle.set_gps(False)
    _fly(vehicle, clock, 1)
    assert ap.mode is FlightMode.LAND
    assert vehicle.telemetry.gps_raw().fix_type < 3
    _fly(vehicle, clock, 60, lambda: not ap.armed)
    assert ap.arm(clock()) == "Preflight Fail: No valid global position estimate"
    vehicle.set_gps(True)
    assert ap.arm(clock()) is None


@pytest.mark.parametrize(
    ("action", "mode"),
    [(FailsafeAction.HOLD, FlightMode.HOLD), (FailsafeAction.RTL, FlightMode.RTL)],
)
def test_geofence_breach_triggers_the_configured_action(
    action: FailsafeAction, mode: FlightMode
) -> None:
    vehicle, clock = _vehicle(speedup=10.0, config=AutopilotConfig(geofence_action=action))
    ap = vehicle.autopilot
    vehicle.load_plan(FENCE, (_fence_circle(vehicle, 60.0),))
    _airborne(vehicle, clock)
    ap.hold_at(150.0, 0.0, 20.0)
    _fly(vehicle, clock, 30, lambda: "Geofence breached" in _texts(vehicle))
    assert "Geofence breached" in _texts(vehicle)
    assert ap.mode is mode
    assert 55.0 < ap.state.north_m < 75.0  # caught at the fence, not at the target


def test_mission_outside_the_geofence_is_rejected_by_the_check() -> None:
    vehicle, clock = _vehicle()
    lat, lon = vehicle.spec.home_lat_deg, vehicle.spec.home_lon_deg
    far = PlanItem(0, 6, mavlink.MAV_CMD_NAV_WAYPOINT, x=round((lat + 0.002) * 1e7),
                   y=round(lon * 1e7), z=20.0)  # fmt: skip
    vehicle.load_plan(FENCE, (_fence_circle(vehicle, 60.0),))
    vehicle.load_plan(MISSION, (far,))
    _fly(vehicle, clock, 1)
    assert not vehicle.mission_valid
    assert "Mission rejected: item 0 is outside the geofence" in _texts(vehicle)


def test_rover_drives_its_mission_on_the_ground_and_stops() -> None:
    vehicle, clock = _vehicle(kind=VehicleKind.ROVER, speedup=10.0)
    ap = vehicle.autopilot
    lat, lon = vehicle.spec.home_lat_deg, vehicle.spec.home_lon_deg
    items = tuple(
        PlanItem(
            i,
            6,
            mavlink.MAV_CMD_NAV_WAYPOINT,
            x=round((lat + dlat) * 1e7),
            y=round((lon + dlon) * 1e7),
        )
        for i, (dlat, dlon) in enumerate([(0.0002, 0.0), (0.0002, 0.0002)])
    )
    vehicle.load_plan(MISSION, items)
    _fly(vehicle, clock, 1)
    assert vehicle.mission_valid
    assert ap.arm(clock()) is None
    ap.set_mode(FlightMode.MISSION)
    _fly(vehicle, clock, 60, lambda: ap.mission.finished)
    assert ap.mission.finished and ap.state.up_m == 0.0
    assert vehicle.lon_lat_deg == pytest.approx((lon + 0.0002, lat + 0.0002), abs=3e-5)
    ap.start_rtl()
    _fly(vehicle, clock, 60, lambda: not ap.armed)
    assert not ap.armed
    assert vehicle.lon_lat_deg == pytest.approx((lon, lat), abs=2e-5)
