"""The bridge flying the project's PX4-like simulator over real UDP on loopback.

Port offsets 2000-2999 belong to these tests (the simulator's own tests use 1000-1999).
"""

from __future__ import annotations

import asyncio

import pytest

from firmware_bridge.mission_item import MavCmd, MavFrame, MissionItem, MissionType
from firmware_bridge.px4 import FlightMode
from firmware_bridge.vehicle import Vehicle
from simulators.config import AutopilotConfig, FailsafeAction
from tests.bridge.sim_rig import (
    HOME_LAT,
    HOME_LON,
    distance_from_home_m,
    landed_and_disarmed,
    north_east,
    sim_rig,
    square_mission,
)


async def test_upload_and_fly_a_mission_to_the_end() -> None:
    async with sim_rig(2001) as rig:
        items = square_mission()
        await rig.vehicle.upload_mission(items)
        back = await rig.vehicle.download_mission()
        assert [(i.command, round(i.x, 6), round(i.y, 6)) for i in back] == [
            (i.command, round(i.x, 6), round(i.y, 6)) for i in items
        ]
        progress = rig.vehicle.telemetry.mission_progress
        async with progress.subscribe() as events:
            await rig.vehicle.arm()
            await rig.vehicle.start_mission()  # right after upload: PX4's async check applies
            reached = set()
            async with asyncio.timeout(60):
                async for event in events:
                    reached.add(event.reached_seq)
                    if event.finished:
                        break
        assert {0, 1, 2, 3} <= reached
        await landed_and_disarmed(rig.vehicle, 60)
        assert distance_from_home_m(rig.vehicle) < 3.0


async def _take_off(vehicle: Vehicle, alt_m: float) -> None:
    await vehicle.arm()
    await vehicle.takeoff(alt_m)
    await vehicle.telemetry.position.wait_for(lambda p: p.alt_rel_home_m > alt_m - 1.5, 30)


async def test_return_to_launch_comes_home_and_lands() -> None:
    async with sim_rig(2002) as rig:
        await _take_off(rig.vehicle, 12.0)
        await rig.vehicle.upload_mission([north_east(40, -20, 12)])
        await rig.vehicle.start_mission()
        await rig.vehicle.telemetry.position.wait_for(
            lambda p: abs(p.lat_deg - HOME_LAT) * 111_319 > 25, 30
        )
        await rig.vehicle.return_to_launch()
        assert rig.vehicle.telemetry.flight_mode.latest is not None
        assert rig.vehicle.telemetry.flight_mode.latest.mode is FlightMode.RTL
        await landed_and_disarmed(rig.vehicle, 60)
        assert distance_from_home_m(rig.vehicle) < 3.0


async def test_land_where_it_is() -> None:
    async with sim_rig(2003) as rig:
        await _take_off(rig.vehicle, 8.0)
        away = north_east(15, 15, 8)
        await rig.vehicle.upload_mission([away])
        await rig.vehicle.start_mission()
        await rig.vehicle.telemetry.mission_progress.wait_for(lambda p: p.finished, 30)
        await rig.vehicle.land()
        mode = rig.vehicle.telemetry.flight_mode.latest
        assert mode is not None and mode.mode is FlightMode.LAND
        await landed_and_disarmed(rig.vehicle, 60)
        assert 15 < distance_from_home_m(rig.vehicle) < 26  # landed where it was, not at home
        position = rig.vehicle.telemetry.position.latest
        assert position is not None and position.alt_rel_home_m < 0.5


async def test_hold_and_resume_a_mission() -> None:
    async with sim_rig(2004) as rig:
        await rig.vehicle.upload_mission(square_mission(side_m=60))
        await rig.vehicle.arm()
        await rig.vehicle.start_mission()
        await rig.vehicle.telemetry.position.wait_for(lambda p: p.alt_rel_home_m > 10, 30)
        await rig.vehicle.pause_mission()
        assert rig.vehicle.telemetry.flight_mode.latest is not None
        assert rig.vehicle.telemetry.flight_mode.latest.mode is FlightMode.HOLD
        await rig.vehicle.start_mission()
        done = await rig.vehicle.telemetry.mission_progress.wait_for(lambda p: p.finished, 60)
        assert done.finished


async def test_low_battery_failsafe_returns_home() -> None:
    config = AutopilotConfig(low_battery_action=FailsafeAction.RTL)
    async with sim_rig(2005, config=config) as rig:
        await rig.vehicle.upload_mission(square_mission(side_m=80))
        await rig.vehicle.arm()
        await rig.vehicle.start_mission()
        await rig.vehicle.telemetry.mission_progress.wait_for(lambda p: p.reached_seq >= 1, 30)
        async with rig.vehicle.telemetry.status_text.subscribe() as texts:
            rig.sim.fail_battery(remaining=0.12)  # below BAT_LOW_THR 15 %, above critical
            mode = await rig.vehicle.telemetry.flight_mode.wait_for(
                lambda m: m.mode is FlightMode.RTL, 10
            )
            warning = await anext(texts)
        assert mode.mode is FlightMode.RTL
        assert "battery" in warning.text.lower()
        battery = await rig.vehicle.telemetry.battery.wait_for(
            lambda b: b.remaining_pct is not None and b.remaining_pct <= 15, 5
        )
        assert battery.remaining_pct is not None and battery.remaining_pct > 7  # not critical
        progress = rig.vehicle.telemetry.mission_progress.latest
        assert progress is not None and not progress.finished
        await landed_and_disarmed(rig.vehicle, 90)
        assert distance_from_home_m(rig.vehicle) < 3.0


async def test_geofence_breach_triggers_the_configured_action() -> None:
    config = AutopilotConfig(geofence_action=FailsafeAction.RTL)
    async with sim_rig(2006, config=config) as rig:
        fence = [
            MissionItem(
                MavCmd.NAV_FENCE_CIRCLE_INCLUSION, MavFrame.GLOBAL_INT, 25.0, x=HOME_LAT, y=HOME_LON
            )
        ]
        await rig.vehicle.upload_plan(fence, MissionType.FENCE)
        assert len(await rig.vehicle.download_plan(MissionType.FENCE)) == 1
        await _take_off(rig.vehicle, 10.0)
        outside = north_east(80, 0, 10.0)
        position = rig.vehicle.telemetry.position.latest
        assert position is not None
        home_amsl_m = position.alt_amsl_m - position.alt_rel_home_m
        async with rig.vehicle.telemetry.status_text.subscribe() as texts:
            await rig.vehicle.goto(outside.lon_deg, outside.lat_deg, home_amsl_m + 10.0)
            async with asyncio.timeout(30):
                async for text in texts:
                    if "geofence" in text.text.lower():
                        break
        mode = await rig.vehicle.telemetry.flight_mode.wait_for(
            lambda m: m.mode is FlightMode.RTL, 5
        )
        assert mode.mode is FlightMode.RTL
        assert distance_from_home_m(rig.vehicle) < 40.0  # stopped near the fence, not at 80 m
        await landed_and_disarmed(rig.vehicle, 60)


async def test_parameters_read_and_write_with_px4_bytewise_integers() -> None:
    from dataclasses import replace

    from firmware_bridge.errors import ParameterError
    from firmware_bridge.hub import HubConfig
    from firmware_bridge.params import ParamPolicy

    fast = replace(HubConfig(), params=ParamPolicy(timeout_s=0.2, retries=1))
    async with sim_rig(2007, hub_config=fast) as rig:
        assert await rig.vehicle.get_param("MAV_SYS_ID") == 1  # int32 packed byte-wise
        assert await rig.vehicle.get_param("RTL_RETURN_ALT") == 30.0
        assert await rig.vehicle.set_param("NAV_DLL_ACT", 2) == 2
        assert await rig.vehicle.get_param("NAV_DLL_ACT") == 2
        assert await rig.vehicle.set_param("RTL_RETURN_ALT", 45.5) == 45.5
        with pytest.raises(ParameterError, match="NO_SUCH_PARAM"):
            await rig.vehicle.get_param("NO_SUCH_PARAM")
