"""The bridge against the project's simulator over real UDP loopback (SITL-style ports)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from firmware_bridge.hub import HubConfig, MavlinkHub
from firmware_bridge.mission_item import MavCmd, MavFrame, MissionItem
from firmware_bridge.telemetry import LandedState
from firmware_bridge.vehicle import Vehicle
from simulators.config import AutopilotConfig
from simulators.swarm import DEFAULT_HOME, Swarm
from simulators.vehicle import SimVehicle

HOME_LON, HOME_LAT = DEFAULT_HOME
M_PER_DEG_LAT = 111_319.49


@dataclass
class SimRig:
    hub: MavlinkHub
    swarm: Swarm
    vehicle: Vehicle

    @property
    def sim(self) -> SimVehicle:
        return self.swarm.vehicles[0]


@asynccontextmanager
async def sim_rig(
    port_offset: int,
    speedup: float = 40.0,
    config: AutopilotConfig | None = None,
    hub_config: HubConfig | None = None,
) -> AsyncIterator[SimRig]:
    """One simulated quad on API ports shifted by ``port_offset``, and a bridge listening."""
    url = f"udpin://127.0.0.1:{14540 + port_offset}"
    async with (
        Swarm(1, speedup=speedup, port_offset=port_offset, gcs_link=False, config=config) as swarm,
        MavlinkHub.open(url, hub_config) as hub,
    ):
        ticking = asyncio.create_task(swarm.run())
        try:
            vehicle = await hub.wait_vehicle(1, timeout_s=5)
            await vehicle.telemetry.position.wait_for(lambda p: True, timeout_s=5)
            yield SimRig(hub, swarm, vehicle)
        finally:
            ticking.cancel()
            await asyncio.gather(ticking, return_exceptions=True)


def north_east(north_m: float, east_m: float, alt_m: float) -> MissionItem:
    """A waypoint ``north_m``/``east_m`` from the simulator's home, ``alt_m`` above home."""
    import math

    lat = HOME_LAT + north_m / M_PER_DEG_LAT
    lon = HOME_LON + east_m / (M_PER_DEG_LAT * math.cos(math.radians(HOME_LAT)))
    return MissionItem(MavCmd.NAV_WAYPOINT, x=lat, y=lon, z=alt_m)


def square_mission(side_m: float = 30.0, alt_m: float = 15.0) -> list[MissionItem]:
    """Take off, fly a square, return to launch."""
    takeoff = MissionItem(MavCmd.NAV_TAKEOFF, x=HOME_LAT, y=HOME_LON, z=alt_m)
    corners = [(side_m, 0), (side_m, side_m), (0, side_m)]
    legs = [north_east(n, e, alt_m) for n, e in corners]
    return [takeoff, *legs, MissionItem(MavCmd.NAV_RETURN_TO_LAUNCH, MavFrame.MISSION)]


async def landed_and_disarmed(vehicle: Vehicle, timeout_s: float) -> None:
    """Wait until the vehicle reports on-ground and disarmed."""
    t = vehicle.telemetry
    async with asyncio.timeout(timeout_s):
        await t.landed_state.wait_for(lambda s: s.state is LandedState.ON_GROUND, timeout_s)
        await t.armed.wait_for(lambda s: not s.armed, timeout_s)


def distance_from_home_m(vehicle: Vehicle) -> float:
    """Horizontal distance of the last position from the simulator's home."""
    import math

    p = vehicle.telemetry.position.latest
    assert p is not None
    north = (p.lat_deg - HOME_LAT) * M_PER_DEG_LAT
    east = (p.lon_deg - HOME_LON) * M_PER_DEG_LAT * math.cos(math.radians(HOME_LAT))
    return math.hypot(north, east)
