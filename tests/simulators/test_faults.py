"""Fault injection on the link and the data-link-loss failsafe, over real UDP loopback."""

from __future__ import annotations

import asyncio
import os
import time

from pymavlink.dialects.v20 import common as mavlink

from simulators import AutopilotConfig, FailsafeAction, FlightMode, Swarm
from simulators.px4_modes import custom_mode_of
from tests.simulators.conftest import flying
from tests.simulators.mavclient import MavClient, item, upload

HOME_LON, HOME_LAT = 139.6917, 35.6895


async def test_mission_upload_completes_through_30_percent_loss_and_jitter() -> None:
    async with flying(Swarm(1, port_offset=1700)) as (swarm, client):
        vehicle = swarm.vehicles[0]
        vehicle.set_link_faults(loss=0.3, latency_s=0.1, jitter_s=0.1)
        items = [item(i, lat_deg=HOME_LAT + 0.0001 * i, lon_deg=HOME_LON, z=20.0) for i in range(8)]
        result = await upload(client, items, retry_s=0.6)
        assert result == mavlink.MAV_MISSION_ACCEPTED
        stored = vehicle.plans[mavlink.MAV_MISSION_TYPE_MISSION]
        assert [(p.seq, p.x, p.y, p.z) for p in stored] == [(m.seq, m.x, m.y, m.z) for m in items]


async def test_link_drop_silences_both_ways_then_recovers() -> None:
    async with flying(Swarm(1, port_offset=1705)) as (swarm, client):
        vehicle = swarm.vehicles[0]
        vehicle.drop_link(1.5)
        await client.messages(0.1)  # drain what was already in flight
        during = await client.messages(1.2)
        client.command(1, mavlink.MAV_CMD_NAV_TAKEOFF)  # lost: the link is down
        assert during == []
        hb = await client.expect("HEARTBEAT", timeout_s=2.0)
        assert hb.get_srcSystem() == 1
        assert vehicle.autopilot.mode is FlightMode.HOLD  # the command never arrived


async def test_latency_delays_every_reply() -> None:
    async with flying(Swarm(1, port_offset=1710)) as (swarm, client):
        swarm.vehicles[0].set_link_faults(latency_s=0.2)
        started = time.monotonic()
        client.command(1, mavlink.MAV_CMD_REQUEST_MESSAGE, 242)
        ack = await client.expect("COMMAND_ACK")
        assert ack.result == mavlink.MAV_RESULT_ACCEPTED
        assert time.monotonic() - started >= 0.38  # 0.2 s in, 0.2 s out


async def test_garbage_on_the_socket_does_not_stop_the_vehicle() -> None:
    async with flying(Swarm(1, port_offset=1715)) as (_, client):
        assert client.transport is not None and client.peer is not None
        for _ in range(50):
            client.transport.sendto(os.urandom(64) + b"\xfd\x09\x00" + os.urandom(30), client.peer)
        client.command(1, mavlink.MAV_CMD_COMPONENT_ARM_DISARM, 1)
        ack = await client.expect("COMMAND_ACK")
        assert (ack.command, ack.result) == (400, mavlink.MAV_RESULT_ACCEPTED)


async def _heartbeats(client: MavClient, stop: asyncio.Event) -> None:
    hb = mavlink.MAVLink_heartbeat_message(mavlink.MAV_TYPE_GCS, 8, 0, 0, 4, 3)
    while not stop.is_set():
        client.send(hb)
        await asyncio.sleep(0.2)  # a GCS heartbeat is a periodic send, not a wait


async def test_losing_the_ground_station_triggers_the_configured_action() -> None:
    config = AutopilotConfig(datalink_loss_action=FailsafeAction.RTL, datalink_timeout_wall_s=1.0)
    async with flying(Swarm(1, port_offset=1720, speedup=10, config=config)) as (_, client):
        stop = asyncio.Event()
        async with asyncio.TaskGroup() as group:
            group.create_task(_heartbeats(client, stop))
            # with a data-link action PX4 arms only once a GCS is connected: wait until ready
            prearm = mavlink.MAV_SYS_STATUS_PREARM_CHECK
            await client.expect("SYS_STATUS", lambda m: m.onboard_control_sensors_health & prearm)
            client.command(1, mavlink.MAV_CMD_COMPONENT_ARM_DISARM, 1)
            ack = await client.expect("COMMAND_ACK", lambda m: m.command == 400)
            assert ack.result == mavlink.MAV_RESULT_ACCEPTED
            client.command(1, mavlink.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 60.0)
            await client.expect("EXTENDED_SYS_STATE", lambda m: m.landed_state == 2)
            hb = await client.expect("HEARTBEAT")
            assert hb.custom_mode != custom_mode_of(FlightMode.RTL)  # link alive: no failsafe
            stop.set()
        text = await client.expect("STATUSTEXT", timeout_s=3.0)
        assert text.text == "Connection to ground station lost"
        await client.expect("HEARTBEAT", lambda m: m.custom_mode == custom_mode_of(FlightMode.RTL))
