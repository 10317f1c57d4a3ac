"""The runner's leg flight on real PX4 SITL at real time (PX4_SIM_SPEED_FACTOR=1).

PX4 disarms a vehicle armed without a take-off after COM_DISARM_PRFLT (10 s stock) and after
every landing (COM_DISARM_LAND): the runner arms only at the departure, in Mission mode, so the
take-off follows at once, and re-arms for every leg. A vehicle that disarms before it climbs
fails the leg at once with PX4's words (issue 12, part 3).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firmware_bridge.hub import MavlinkHub
from firmware_bridge.mission_item import MavCmd, MavFrame, MissionItem, in_px4_frame
from firmware_bridge.px4 import FlightMode
from firmware_bridge.telemetry import LandedState, Position
from firmware_bridge.vehicle import Vehicle
from fleet.patterns import commands as patterns
from fleet.runner.clock import ScaledClock
from fleet.runner.flight import LegFailed, fly_leg
from fleet.runner.items import drive_items, flight_items, wrap_pattern
from simulators.px4_sitl import SitlOptions, px4_sitl
from tests.flight_legs import Recorder, hop, leg_plan

WAIT_S = 30.0  # departure this long after PX4 has a position: 3x COM_DISARM_PRFLT


@asynccontextmanager
async def px4_vehicle(
    folder: Path, params: dict[str, float] | None = None
) -> AsyncIterator[tuple[Vehicle, Position]]:
    """One PX4 SITL instance at real time, its bridge vehicle and its first position."""
    options = SitlOptions(count=1, speed_factor=1.0, params=params or {})
    with px4_sitl(options, folder) as [instance]:
        async with MavlinkHub.open(instance.url) as hub:
            vehicle = await hub.wait_vehicle(instance.system_id, timeout_s=30)
            here = await vehicle.telemetry.position.wait_for(lambda p: True, 30)
            yield vehicle, here


def _ground_m(p: Position) -> float:
    return p.alt_amsl_m - p.alt_rel_home_m


@pytest.mark.slow  # two legs at real time with a 30 s wait: about 2 minutes
async def test_two_legs_at_real_time_arm_at_departure_and_rearm_after_landing(
    px4_folder: Path,
) -> None:
    async with px4_vehicle(px4_folder) as (vehicle, here):
        assert await vehicle.get_param("COM_DISARM_PRFLT") == pytest.approx(10.0)  # stock
        clock = ScaledClock(datetime.now(UTC), 1.0)
        lon, lat, ground_m = here.lon_deg, here.lat_deg, _ground_m(here)
        for seq, north_m in enumerate((12.0, -12.0)):
            wait_s = WAIT_S if seq == 0 else 12.0
            departure = clock.now() + timedelta(seconds=wait_s)
            route = hop(lon, lat, ground_m, departure, north_m)
            record = Recorder()
            await fly_leg(leg_plan(route, seq), vehicle, record, timeout_s=120.0, clock=clock)
            t = vehicle.telemetry
            await t.armed.wait_for(lambda s: not s.armed, 10.0)  # COM_DISARM_LAND: 2 s
            steps = record.steps
            print(f"PX4 leg {seq}: departure at {wait_s:.1f} s, {steps}")
            assert steps["started"] >= wait_s - 0.5  # armed at the departure, not before
            assert steps["climbed"] - wait_s < 10.0  # 1 m up 5-6 s after the departure
            assert record.started_count == 1
            assert record.top_rise_m > 4.0
            assert "landed" in steps
            landed = t.landed_state.latest
            assert landed is not None and landed.state is LandedState.ON_GROUND
            p = t.position.latest
            assert p is not None
            lat = route.waypoints[-1].lat_deg
            assert abs(p.lat_deg - lat) * 111_320.0 < 3.0  # landed where the leg ends


async def test_a_vehicle_disarmed_before_it_climbs_fails_the_leg_at_once_in_px4s_words(
    px4_folder: Path,
) -> None:
    # PX4 disarms 0.5 s after arming: before its take-off is detected, on both attempts
    async with px4_vehicle(px4_folder, {"COM_DISARM_PRFLT": 0.5}) as (vehicle, here):
        clock = ScaledClock(datetime.now(UTC), 1.0)
        departure = clock.now() + timedelta(seconds=12.0)
        route = hop(here.lon_deg, here.lat_deg, _ground_m(here), departure, 12.0)
        record = Recorder()
        with pytest.raises(LegFailed) as failed:
            await fly_leg(leg_plan(route, 0), vehicle, record, timeout_s=120.0, clock=clock)
        failed_after_s = time.monotonic() - record.t0_s - 12.0
        print(f"PX4 refused leg: {failed.value} ({failed_after_s:.1f} s after departure)")
        assert "Disarmed by auto preflight disarming" in str(failed.value)
        assert "then" in str(failed.value)  # launched twice
        assert failed_after_s < 10.0
        assert "landed" not in record.steps and record.top_rise_m < 1.0
        armed = vehicle.telemetry.armed.latest
        assert armed is not None and not armed.armed
        mode = vehicle.telemetry.flight_mode.latest
        assert mode is not None and mode.mode is not FlightMode.RTL  # nothing to recall


async def test_the_runners_mission_items_are_accepted_by_px4(px4_folder: Path) -> None:
    # a delivery's items, an inspection's (camera, gimbal, ROI) and a ground robot's, and
    # position-less commands written in a global frame, which only MAV_FRAME_MISSION carries
    async with px4_vehicle(px4_folder) as (vehicle, here):
        departure = datetime.now(UTC) + timedelta(seconds=60)
        route = hop(here.lon_deg, here.lat_deg, _ground_m(here), departure, 30.0, 20.0)
        lon, lat = here.lon_deg, here.lat_deg + 1e-4
        survey = [
            patterns.change_speed(3.0),
            patterns.gimbal_pitch_yaw(-90.0),
            patterns.roi_location(lon, lat, 0.0),
            patterns.trigger_distance(5.0),
            patterns.waypoint(lon, lat, 20.0),
            patterns.trigger_distance(0.0),
            patterns.roi_none(),
            MissionItem(MavCmd.NAV_RETURN_TO_LAUNCH, MavFrame.GLOBAL_RELATIVE_ALT),
        ]
        missions = {
            "delivery": flight_items(route, home_amsl_m=_ground_m(here), speed_mps=5.0),
            "inspection": wrap_pattern(survey, route.waypoints[0], route.waypoints[-1], 20.0),
            "ground robot": drive_items(route, speed_mps=2.0),
        }
        for name, items in missions.items():
            sent = [in_px4_frame(item) for item in items]
            await vehicle.upload_mission(sent)  # MAV_MISSION_UNSUPPORTED would raise
            back = await vehicle.download_mission()
            assert [i.command for i in back] == [i.command for i in sent], name
            takeoff = back[0]
            if takeoff.command == MavCmd.NAV_TAKEOFF:  # z above home in its frame, as sent
                assert takeoff.frame == MavFrame.GLOBAL_RELATIVE_ALT_INT
                assert takeoff.z == pytest.approx(20.0)
