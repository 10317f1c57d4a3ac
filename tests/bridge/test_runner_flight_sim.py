"""The runner's leg flight on skyfleet's simulator at real time (speed-up 1), as on PX4 SITL.

The same sequence as ``tests/px4/test_runner_flight.py``: Mission mode while it waits, armed
at the departure (the mission starts at once), re-armed after the landing disarm; a vehicle
that will not arm fails the leg at once with the vehicle's words, and is never recalled.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from firmware_bridge.px4 import FlightMode
from fleet.runner.clock import ScaledClock
from fleet.runner.flight import LegFailed, fly_leg
from tests.bridge.sim_rig import sim_rig
from tests.flight_legs import Recorder, hop, leg_plan


async def test_two_legs_at_real_time_arm_at_departure_and_rearm_after_landing() -> None:
    async with sim_rig(2031, speedup=1.0) as rig:
        here = rig.vehicle.telemetry.position.latest
        assert here is not None
        ground_m = here.alt_amsl_m - here.alt_rel_home_m
        clock = ScaledClock(datetime.now(UTC), 1.0)
        for seq, (wait_s, north_m) in enumerate(((12.0, 10.0), (4.0, -10.0))):
            departure = clock.now() + timedelta(seconds=wait_s)
            route = hop(here.lon_deg, here.lat_deg, ground_m, departure, north_m)
            record = Recorder()
            await fly_leg(leg_plan(route, seq), rig.vehicle, record, timeout_s=90.0, clock=clock)
            t = rig.vehicle.telemetry
            await t.armed.wait_for(lambda s: not s.armed, 10.0)
            steps = record.steps
            assert steps["uploaded"] < 1.0
            assert steps["started"] >= wait_s - 0.5  # armed at the departure, not before
            assert steps["climbed"] - wait_s < 5.0
            assert record.started_count == 1 and "landed" in steps
            mode = t.flight_mode.latest
            assert mode is not None and mode.mode is not FlightMode.RTL


async def test_a_vehicle_that_refuses_to_arm_fails_the_leg_at_once_in_its_words() -> None:
    async with sim_rig(2032, speedup=1.0) as rig:
        rig.sim.fail_battery()
        here = rig.vehicle.telemetry.position.latest
        assert here is not None
        clock = ScaledClock(datetime.now(UTC), 1.0)
        departure = clock.now() + timedelta(seconds=2.0)
        ground_m = here.alt_amsl_m - here.alt_rel_home_m
        route = hop(here.lon_deg, here.lat_deg, ground_m, departure, 10.0)
        record = Recorder()
        with pytest.raises(LegFailed) as failed:
            await fly_leg(leg_plan(route, 0), rig.vehicle, record, timeout_s=90.0, clock=clock)
        assert time.monotonic() - record.t0_s < 10.0
        assert "Preflight Fail: Battery unhealthy" in str(failed.value)
        assert "started" not in record.steps  # never reported in flight
        armed = rig.vehicle.telemetry.armed.latest
        assert armed is not None and not armed.armed
