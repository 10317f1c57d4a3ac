"""MAVSDK (PyPI ``mavsdk`` 4.x, the native C++ binding) flies a simulated vehicle end to end.

MAVSDK is the third-party judge of "behaves like PX4": it connects by ``udpin`` where PX4 SITL
sends first, reads telemetry, arms, takes off, uploads a mission with its Mission plugin,
follows progress to the end, returns and lands. PX4 validates a mission asynchronously after
the upload, so (as with real PX4) the first ``start_mission`` may be accepted and then rejected;
the test confirms the mode from telemetry and retries, as a careful client must.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from simulators import Swarm
from tests.simulators.conftest import running

mavsdk_asyncio = pytest.importorskip("mavsdk.asyncio")

from mavsdk.asyncio import ComponentType, Configuration, Mavsdk  # noqa: E402
from mavsdk.asyncio.plugins.action import ActionAsync  # noqa: E402
from mavsdk.asyncio.plugins.mission import MissionAsync, MissionItem, MissionPlan  # noqa: E402
from mavsdk.asyncio.plugins.telemetry import FlightMode, TelemetryAsync  # noqa: E402

PORT_OFFSET = 1900


async def _first(stream: AsyncIterator[Any], accept: Any = lambda value: True) -> Any:
    async with asyncio.timeout(20):
        async for value in stream:
            if accept(value):
                return value
    raise AssertionError("stream ended")


async def _start_mission(mission: MissionAsync, telemetry: TelemetryAsync) -> None:
    for _ in range(10):
        await mission.start_mission()
        mode = await _first(telemetry.subscribe_flight_mode())
        for _ in range(2):
            if mode == FlightMode.MISSION:
                return
            mode = await _first(telemetry.subscribe_flight_mode())
    raise AssertionError("never entered Mission mode")


async def test_mavsdk_flies_a_mission_and_returns() -> None:
    swarm = Swarm(1, port_offset=PORT_OFFSET, speedup=25)
    config = Configuration.create_with_component_type(ComponentType.GROUND_STATION)
    async with running(swarm), Mavsdk(config) as sdk:
        await sdk.add_any_connection(f"udpin://0.0.0.0:{14540 + PORT_OFFSET}")
        system = await sdk.first_autopilot(timeout_s=10.0)
        assert system is not None
        telemetry, action, mission = (
            TelemetryAsync(system),
            ActionAsync(system),
            MissionAsync(system),
        )
        vehicle = swarm.vehicles[0]
        home_lon, home_lat = vehicle.lon_lat_deg

        health = await _first(
            telemetry.subscribe_health(),
            lambda h: h.is_global_position_ok and h.is_home_position_ok,
        )
        assert health.is_armable
        position = await _first(telemetry.subscribe_position())
        assert (position.longitude_deg, position.latitude_deg) == pytest.approx(
            (home_lon, home_lat), abs=1e-6
        )
        assert position.absolute_altitude_m == pytest.approx(vehicle.spec.home_amsl_m, abs=0.5)
        battery = await _first(telemetry.subscribe_battery())
        assert 95 <= battery.remaining_percent <= 100
        assert 16.0 <= battery.voltage_v <= 16.9  # 4S LiPo, nearly full
        assert await _first(telemetry.subscribe_flight_mode()) == FlightMode.HOLD
        assert await _first(telemetry.subscribe_armed()) is False
        assert await _first(telemetry.subscribe_in_air()) is False

        await action.arm()
        await action.takeoff()
        await _first(telemetry.subscribe_in_air(), bool)
        await _first(telemetry.subscribe_position(), lambda p: p.relative_altitude_m > 2.0)

        d = 0.0003
        photo, no_photo = MissionItem.CameraAction.TAKE_PHOTO, MissionItem.CameraAction.NONE
        items = [
            MissionItem(
                latitude_deg=home_lat + d * k,
                longitude_deg=home_lon + d * (k % 2),
                relative_altitude_m=12.0,
                speed_m_s=6.0,
                is_fly_through=True,
                camera_action=photo if k == 2 else no_photo,
            )
            for k in (1, 2, 3)
        ]
        await mission.upload_mission(MissionPlan(items))
        await _start_mission(mission, telemetry)
        progress = await _first(
            mission.subscribe_mission_progress(), lambda p: p.current == p.total
        )
        assert progress.total == len(items)
        assert await mission.is_mission_finished()
        assert len(vehicle.captures) == 1

        await action.return_to_launch()
        await _first(telemetry.subscribe_flight_mode(), lambda m: m == FlightMode.RETURN_TO_LAUNCH)
        await _first(telemetry.subscribe_armed(), lambda armed: not armed)
        await _first(telemetry.subscribe_in_air(), lambda in_air: not in_air)
        landed = await _first(telemetry.subscribe_position())
        assert (landed.longitude_deg, landed.latitude_deg) == pytest.approx(
            (home_lon, home_lat), abs=2e-5
        )
        assert landed.relative_altitude_m == pytest.approx(0.0, abs=0.3)
