"""MAVSDK 4.x's usual take-off flow on the simulator (issue 13): ``set_takeoff_altitude(10)``
then ``takeoff()`` must climb to 10 m, as PX4 does (it used to stop at 2.5 m whatever
MIS_TAKEOFF_ALT said, and the client waited forever), and the Param plugin reads back what it
set. The same flow runs against PX4 SITL in ``tests/px4_diff/test_mavsdk.py``. Port offsets
1950-1959 belong to this file.
"""

from __future__ import annotations

import asyncio

import pytest

from simulators import Swarm
from tests.simulators.conftest import running

pytest.importorskip("mavsdk.asyncio")

from mavsdk.asyncio import ComponentType, Configuration, Mavsdk
from mavsdk.asyncio.plugins.action import ActionAsync
from mavsdk.asyncio.plugins.param import ParamAsync
from mavsdk.asyncio.plugins.telemetry import FlightMode, TelemetryAsync

from tests.interop.test_mavsdk import _first

PORT_OFFSET = 1950


async def mavsdk_takeoff_to_10_m(url: str) -> tuple[float, float, float]:
    """MAVSDK: set the take-off altitude to 10 m, take off, wait for it; returns (altitude
    read back by Action, MPC_XY_CRUISE read back after setting 7.5 by Param, the altitude
    above home once in Hold)."""
    config = Configuration.create_with_component_type(ComponentType.GROUND_STATION)
    async with Mavsdk(config) as sdk:
        await sdk.add_any_connection(url)
        system = await sdk.first_autopilot(timeout_s=20.0)
        assert system is not None
        telemetry, action, param = TelemetryAsync(system), ActionAsync(system), ParamAsync(system)
        await _first(telemetry.subscribe_health(), lambda h: h.is_armable)
        await action.set_takeoff_altitude(10.0)
        takeoff_alt_m = await action.get_takeoff_altitude()
        await param.set_param_float("MPC_XY_CRUISE", 7.5)
        cruise_mps = await param.get_param_float("MPC_XY_CRUISE")
        await action.arm()
        await action.takeoff()
        await _first(telemetry.subscribe_position(), lambda p: p.relative_altitude_m > 9.0)
        await _first(telemetry.subscribe_flight_mode(), lambda m: m == FlightMode.HOLD)
        held_m = await _median_altitude(telemetry)
        await action.land()
        await _first(telemetry.subscribe_armed(), lambda armed: not armed)
        return takeoff_alt_m, cruise_mps, held_m


async def _median_altitude(telemetry: TelemetryAsync, samples: int = 15) -> float:
    """Median of a few altitudes above home (PX4's estimate wanders by about a metre)."""
    seen: list[float] = []
    async with asyncio.timeout(10):
        async for position in telemetry.subscribe_position():
            seen.append(position.relative_altitude_m)
            if len(seen) == samples:
                break
    return sorted(seen)[samples // 2]


async def test_mavsdk_set_takeoff_altitude_then_takeoff_reaches_it() -> None:
    async with running(Swarm(1, port_offset=PORT_OFFSET, speedup=10)):
        url = f"udpin://0.0.0.0:{14540 + PORT_OFFSET}"
        takeoff_alt_m, cruise_mps, held_m = await mavsdk_takeoff_to_10_m(url)
    assert takeoff_alt_m == pytest.approx(10.0)
    assert cruise_mps == pytest.approx(7.5)
    assert held_m == pytest.approx(10.0, abs=1.0)
