"""A whole swarm flies missions at once, each vehicle with its own ground station (slow)."""

from __future__ import annotations

import asyncio

import pytest
from pymavlink.dialects.v20 import common as mavlink

from simulators import Swarm
from tests.simulators.conftest import running
from tests.simulators.mavclient import item, mav_client, start_mission, upload

OFFSET = 1400


async def _fly_one(swarm: Swarm, instance: int) -> float:
    vehicle = swarm.vehicles[instance]
    sysid = vehicle.sysid
    lon, lat = vehicle.lon_lat_deg
    d = 0.0003
    items = [
        item(0, mavlink.MAV_CMD_NAV_TAKEOFF, 0, 0, 10 + instance, sysid=sysid),
        item(1, lat_deg=lat + d, lon_deg=lon, z=10 + instance, sysid=sysid),
        item(2, lat_deg=lat + d, lon_deg=lon + d, z=10 + instance, sysid=sysid),
        item(3, mavlink.MAV_CMD_NAV_RETURN_TO_LAUNCH, frame=mavlink.MAV_FRAME_MISSION, sysid=sysid),
    ]
    async with mav_client(vehicle.spec.api_ports[1]) as client:
        await client.expect("HEARTBEAT")
        assert await upload(client, items, sysid=sysid) == mavlink.MAV_MISSION_ACCEPTED
        client.command(sysid, mavlink.MAV_CMD_COMPONENT_ARM_DISARM, 1)
        await client.expect("COMMAND_ACK", lambda m: m.command == 400 and m.result == 0)
        await start_mission(client, sysid)
        await client.seen("STATUSTEXT", lambda m: m.text == "Disarmed by landing", 60)
    lon_now, lat_now = vehicle.lon_lat_deg
    return max(abs(lon_now - lon), abs(lat_now - lat))


@pytest.mark.slow
async def test_twenty_vehicles_fly_their_missions_and_return_home() -> None:
    # no GCS links: 14550+K is also instance 10's API client port in the SITL scheme
    swarm = Swarm(20, port_offset=OFFSET, speedup=10, gcs_link=False)
    async with running(swarm), asyncio.TaskGroup() as group:
        flights = [group.create_task(_fly_one(swarm, i)) for i in range(20)]
    offsets_deg = [flight.result() for flight in flights]
    assert max(offsets_deg) < 2e-5  # every vehicle landed back on its own home
    assert all(not v.autopilot.armed for v in swarm.vehicles)
