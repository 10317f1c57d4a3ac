"""MAVLink behaviour as PX4, checked with a raw pymavlink client over real UDP loopback."""

from __future__ import annotations

import struct
from dataclasses import replace

import pytest
from pymavlink.dialects.v20 import common as mavlink

from simulators import AutopilotConfig, Swarm, VehicleKind
from simulators.px4_modes import FlightMode, custom_mode_of, flight_mode_from_custom
from simulators.swarm import DEFAULT_HOME
from tests.simulators.conftest import flying, running
from tests.simulators.mavclient import download, item, mav_client, start_mission, upload

CMD = mavlink
HOME = DEFAULT_HOME  # what Swarm starts vehicles at


async def test_heartbeat_is_a_px4_quad_in_hold_speaking_mavlink2() -> None:
    async with flying(Swarm(1, port_offset=1600)) as (_, client):
        hb = await client.expect("HEARTBEAT")
        assert (hb.get_srcSystem(), hb.get_srcComponent()) == (1, 1)
        assert hb.autopilot == mavlink.MAV_AUTOPILOT_PX4
        assert hb.type == mavlink.MAV_TYPE_QUADROTOR
        assert hb.custom_mode == custom_mode_of(FlightMode.HOLD) == (4 << 16) | (3 << 24)
        assert hb.base_mode & mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
        assert not hb.base_mode & mavlink.MAV_MODE_FLAG_SAFETY_ARMED
        assert hb.get_msgbuf()[0] == 0xFD  # MAVLink 2 framing


async def test_rover_is_a_ground_rover_and_refuses_takeoff() -> None:
    async with flying(Swarm(1, kind=VehicleKind.ROVER, port_offset=1605)) as (_, client):
        hb = await client.expect("HEARTBEAT")
        assert hb.type == mavlink.MAV_TYPE_GROUND_ROVER
        client.command(1, CMD.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 50)
        ack = await client.expect("COMMAND_ACK")
        assert ack.result == mavlink.MAV_RESULT_UNSUPPORTED


async def test_one_socket_on_the_gcs_port_sees_the_whole_fleet() -> None:
    async with mav_client(14550 + 1610) as gcs, running(Swarm(3, port_offset=1610)):
        seen: set[int] = set()
        while seen != {1, 2, 3}:
            seen.add((await gcs.expect("HEARTBEAT")).get_srcSystem())


async def test_vehicle_replies_to_wherever_the_client_sends_from() -> None:
    async with mav_client() as client, running(Swarm(2, port_offset=1615)):
        request = client.mav.command_long_encode(2, 1, 512, 0, 148, 0, 0, 0, 0, 0, 0)
        client.send(request, ("127.0.0.1", 14580 + 1615 + 1))
        version = await client.expect("AUTOPILOT_VERSION")
        assert version.get_srcSystem() == 2
        assert version.capabilities & mavlink.MAV_PROTOCOL_CAPABILITY_MAVLINK2
        assert version.capabilities & mavlink.MAV_PROTOCOL_CAPABILITY_MISSION_INT
        ack = await client.expect("COMMAND_ACK")
        assert (ack.command, ack.result) == (512, mavlink.MAV_RESULT_ACCEPTED)
        assert (ack.target_system, ack.target_component) == (245, 190)


async def test_arm_takeoff_to_amsl_altitude_land_and_auto_disarm() -> None:
    async with flying(Swarm(1, port_offset=1620, speedup=20)) as (swarm, client):
        client.command(1, CMD.MAV_CMD_COMPONENT_ARM_DISARM, 1)
        assert (await client.expect("COMMAND_ACK")).result == mavlink.MAV_RESULT_ACCEPTED
        home_amsl_m = swarm.vehicles[0].spec.home_amsl_m
        client.command(1, CMD.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, float("nan"), 0, 0, home_amsl_m + 10)
        assert (await client.expect("COMMAND_ACK")).result == mavlink.MAV_RESULT_ACCEPTED
        pos = await client.expect("GLOBAL_POSITION_INT", lambda m: m.relative_alt > 9_000)
        assert pos.alt == pytest.approx((home_amsl_m + 10) * 1000, abs=1000)
        # TAKEOFF while it climbs, IN_AIR once it holds at the target (as PX4)
        await client.expect(
            "EXTENDED_SYS_STATE", lambda m: m.landed_state == mavlink.MAV_LANDED_STATE_IN_AIR
        )
        client.command(1, CMD.MAV_CMD_COMPONENT_ARM_DISARM, 0)
        assert (
            await client.expect("COMMAND_ACK")
        ).result == mavlink.MAV_RESULT_TEMPORARILY_REJECTED
        client.command(1, CMD.MAV_CMD_NAV_LAND)
        assert (await client.expect("COMMAND_ACK")).result == mavlink.MAV_RESULT_ACCEPTED
        await client.expect("STATUSTEXT", lambda m: "Disarmed by landing" in m.text, 10)
        hb = await client.expect("HEARTBEAT")
        assert not hb.base_mode & mavlink.MAV_MODE_FLAG_SAFETY_ARMED
        assert flight_mode_from_custom(hb.custom_mode) is FlightMode.HOLD  # PX4 leaves Land


async def test_arming_is_refused_on_low_battery_with_the_reason() -> None:
    async with flying(Swarm(1, port_offset=1625)) as (swarm, client):
        ap = swarm.vehicles[0].autopilot
        battery = ap.state.battery
        ap.state = replace(ap.state, battery=replace(battery, used_wh=battery.capacity_wh * 0.9))
        client.command(1, CMD.MAV_CMD_COMPONENT_ARM_DISARM, 1)
        ack = await client.expect("COMMAND_ACK")
        assert ack.result == mavlink.MAV_RESULT_TEMPORARILY_REJECTED
        text = await client.expect("STATUSTEXT")
        assert "Battery low" in text.text
        status = await client.expect("SYS_STATUS")
        assert not status.onboard_control_sensors_health & mavlink.MAV_SYS_STATUS_PREARM_CHECK
        assert 9 <= status.battery_remaining <= 10


async def test_unknown_command_is_unsupported_and_mode_changes_are_confirmed() -> None:
    async with flying(Swarm(1, port_offset=1630)) as (_, client):
        client.command(1, CMD.MAV_CMD_DO_FLIGHTTERMINATION, 1)
        assert (await client.expect("COMMAND_ACK")).result == mavlink.MAV_RESULT_UNSUPPORTED
        client.command(1, CMD.MAV_CMD_DO_SET_MODE, 1, 4, 5)  # AUTO / RTL
        assert (await client.expect("COMMAND_ACK")).result == mavlink.MAV_RESULT_ACCEPTED
        await client.expect("HEARTBEAT", lambda m: m.custom_mode == custom_mode_of(FlightMode.RTL))
        client.command(1, CMD.MAV_CMD_DO_CHANGE_SPEED, 1, 9.0, -1)
        assert (await client.expect("COMMAND_ACK")).result == mavlink.MAV_RESULT_ACCEPTED
        client.command(1, CMD.MAV_CMD_DO_SET_MODE, 1, 4, 4)  # Mission without a mission
        ack = await client.expect("COMMAND_ACK")
        assert ack.result == mavlink.MAV_RESULT_TEMPORARILY_REJECTED


async def test_set_message_interval_changes_and_stops_a_stream() -> None:
    async with flying(Swarm(1, port_offset=1635)) as (_, client):
        client.command(1, CMD.MAV_CMD_SET_MESSAGE_INTERVAL, 33, 50_000)  # GPI at 20 Hz
        assert (await client.expect("COMMAND_ACK")).result == mavlink.MAV_RESULT_ACCEPTED
        received = await client.messages(1.0)
        assert sum(m.get_type() == "GLOBAL_POSITION_INT" for m in received) >= 12  # default: 5
        client.command(1, CMD.MAV_CMD_SET_MESSAGE_INTERVAL, 33, -1)
        await client.expect("COMMAND_ACK")
        received = await client.messages(2.5)  # > 2 heartbeat periods (1 Hz): one always lands
        assert not any(m.get_type() == "GLOBAL_POSITION_INT" for m in received)
        assert any(m.get_type() == "HEARTBEAT" for m in received)
        client.command(1, CMD.MAV_CMD_REQUEST_MESSAGE, 242)
        home = await client.expect("HOME_POSITION")
        assert (home.longitude, home.latitude) == (round(HOME[0] * 1e7), round(HOME[1] * 1e7))


async def test_plans_round_trip_for_mission_fence_and_rally() -> None:
    lon, lat = HOME
    plans = {
        mavlink.MAV_MISSION_TYPE_MISSION: [
            item(0, CMD.MAV_CMD_NAV_TAKEOFF, 0, 0, 10),
            item(1, lat_deg=lat + 0.0005, lon_deg=lon, z=20, params=(2, 3, 0, 0)),
            item(2, CMD.MAV_CMD_NAV_LAND, lat + 0.0005, lon, 0),
        ],
        mavlink.MAV_MISSION_TYPE_FENCE: [
            item(0, CMD.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, lat, lon, 0, (500, 0, 0, 0), 1),
        ],
        mavlink.MAV_MISSION_TYPE_RALLY: [
            item(0, CMD.MAV_CMD_NAV_RALLY_POINT, lat, lon, 30, mission_type=2)
        ],
    }
    async with flying(Swarm(1, port_offset=1640)) as (swarm, client):
        for mission_type, items in plans.items():
            assert await upload(client, items, mission_type) == mavlink.MAV_MISSION_ACCEPTED
        for mission_type, items in plans.items():
            got = await download(client, mission_type)
            fields = ("seq", "frame", "command", "param1", "param2", "x", "y", "z")
            assert [[getattr(m, f) for f in fields] for m in got] == [
                [getattr(m, f) for f in fields] for m in items
            ]
        client.send(mavlink.MAVLink_mission_clear_all_message(1, 1, 255))
        assert (await client.expect("MISSION_ACK")).type == mavlink.MAV_MISSION_ACCEPTED
        assert swarm.vehicles[0].plans == {0: (), 1: (), 2: ()}


async def test_mission_mode_right_after_upload_is_accepted_then_rejected_until_checked() -> None:
    """With a check that takes time (PX4 in the air can take some), a mode change during it."""
    lon, lat = HOME
    slow_check = AutopilotConfig(mission_check_wall_s=0.3)
    async with flying(Swarm(1, port_offset=1645, config=slow_check)) as (_, client):
        items = [item(0, lat_deg=lat + 0.0003, lon_deg=lon, z=15)]
        assert await upload(client, items) == mavlink.MAV_MISSION_ACCEPTED
        client.command(1, CMD.MAV_CMD_DO_SET_MODE, 1, 4, 4)
        first = await client.expect("COMMAND_ACK")
        second = await client.expect("COMMAND_ACK")
        assert (first.command, first.result) == (176, mavlink.MAV_RESULT_ACCEPTED)
        assert (second.command, second.result) == (176, mavlink.MAV_RESULT_TEMPORARILY_REJECTED)
        hb = await client.expect("HEARTBEAT")
        assert flight_mode_from_custom(hb.custom_mode) is FlightMode.HOLD
        client.command(1, CMD.MAV_CMD_DO_SET_MODE, 1, 4, 4)  # the check is done now
        assert (await client.expect("COMMAND_ACK")).result == mavlink.MAV_RESULT_ACCEPTED
        await client.expect(
            "HEARTBEAT", lambda m: m.custom_mode == custom_mode_of(FlightMode.MISSION)
        )


async def test_mission_mode_right_after_upload_is_accepted_at_once_by_default() -> None:
    """PX4 SITL on the ground checks a new mission before the next request comes."""
    lon, lat = HOME
    async with flying(Swarm(1, port_offset=1646)) as (_, client):
        items = [item(0, lat_deg=lat + 0.0003, lon_deg=lon, z=15)]
        assert await upload(client, items) == mavlink.MAV_MISSION_ACCEPTED
        client.command(1, CMD.MAV_CMD_DO_SET_MODE, 1, 4, 4)
        assert (await client.expect("COMMAND_ACK")).result == mavlink.MAV_RESULT_ACCEPTED
        await client.expect(
            "HEARTBEAT", lambda m: m.custom_mode == custom_mode_of(FlightMode.MISSION)
        )


async def test_unanswered_item_request_is_repeated_and_bad_items_are_refused() -> None:
    lon, lat = HOME
    async with flying(Swarm(1, port_offset=1650)) as (_, client):
        client.send(mavlink.MAVLink_mission_count_message(1, 1, 2, 0))
        first = await client.expect("MISSION_REQUEST_INT")
        again = await client.expect("MISSION_REQUEST_INT", timeout_s=1.0)
        assert first.seq == again.seq == 0
        client.send(item(0, CMD.MAV_CMD_DO_FLIGHTTERMINATION, lat, lon, 10))
        ack = await client.expect("MISSION_ACK")
        assert ack.type == mavlink.MAV_MISSION_UNSUPPORTED


async def test_integer_parameters_are_packed_bytewise() -> None:
    async with flying(Swarm(1, port_offset=1655)) as (_, client):
        client.send(mavlink.MAVLink_param_request_read_message(1, 1, b"MAV_SYS_ID", -1))
        value = await client.expect("PARAM_VALUE")
        assert value.param_type == mavlink.MAV_PARAM_TYPE_INT32
        assert struct.pack("<f", value.param_value) == (1).to_bytes(4, "little")
        client.send(mavlink.MAVLink_param_request_read_message(1, 1, b"MIS_TAKEOFF_ALT", -1))
        value = await client.expect("PARAM_VALUE")
        assert value.param_value == pytest.approx(2.5)


async def test_mission_flight_reports_each_item_and_records_captures() -> None:
    lon, lat = HOME
    d = 0.0004
    items = [
        item(0, CMD.MAV_CMD_NAV_TAKEOFF, 0, 0, 10),
        item(1, lat_deg=lat + d, lon_deg=lon, z=15),
        item(2, CMD.MAV_CMD_IMAGE_START_CAPTURE, params=(0, 0, 1, 0), frame=2),
        item(3, CMD.MAV_CMD_DO_CHANGE_SPEED, params=(1, 10, -1, 0), frame=2),
        item(4, CMD.MAV_CMD_NAV_LOITER_TIME, lat + d, lon + d, 15, (5, 0, 0, 0)),
        item(5, CMD.MAV_CMD_NAV_LAND, lat + d, lon + d, 0),
    ]
    async with flying(Swarm(1, port_offset=1660, speedup=40)) as (swarm, client):
        assert await upload(client, items) == mavlink.MAV_MISSION_ACCEPTED
        await client.expect("MISSION_CURRENT", lambda m: m.total == len(items))
        client.command(1, CMD.MAV_CMD_COMPONENT_ARM_DISARM, 1)
        assert (await client.expect("COMMAND_ACK")).result == mavlink.MAV_RESULT_ACCEPTED
        assert await start_mission(client) >= 1
        await client.seen("STATUSTEXT", lambda m: "Disarmed by landing" in m.text, 10)
        history = client.history
        reached = [m.seq for m in history if m.get_type() == "MISSION_ITEM_REACHED"]
        assert reached == list(range(len(items)))
        [finished] = [m.text for m in history if "Mission finished" in getattr(m, "text", "")]
        assert finished == "Mission finished, landed"
        vehicle = swarm.vehicles[0]
        [capture] = vehicle.captures
        assert (capture.lat_deg, capture.lon_deg) == pytest.approx((lat + d, lon), abs=3e-5)
        assert vehicle.lon_lat_deg == pytest.approx((lon + d, lat + d), abs=3e-5)
        assert vehicle.autopilot.state.t_s > 5.0  # the 5 s loiter was held


async def test_command_int_reposition_moves_the_vehicle_and_set_current_jumps() -> None:
    lon, lat = HOME
    async with flying(Swarm(1, port_offset=1665, speedup=30)) as (swarm, client):
        client.command(1, CMD.MAV_CMD_COMPONENT_ARM_DISARM, 1)
        await client.expect("COMMAND_ACK")
        client.command(1, CMD.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 40.0 + 15)
        await client.expect("GLOBAL_POSITION_INT", lambda m: m.relative_alt > 14_000, 10)
        target = (round((lat + 0.0003) * 1e7), round((lon + 0.0003) * 1e7))
        client.send(
            mavlink.MAVLink_command_int_message(
                1,
                1,
                mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
                CMD.MAV_CMD_DO_REPOSITION,
                0,
                0,
                -1,
                0,
                0,
                float("nan"),
                *target,
                20.0,
            )
        )
        ack = await client.expect("COMMAND_ACK")
        assert (ack.command, ack.result) == (192, mavlink.MAV_RESULT_ACCEPTED)
        arrived = await client.expect(
            "GLOBAL_POSITION_INT",
            lambda m: abs(m.lat - target[0]) < 50 and abs(m.lon - target[1]) < 50,
            timeout_s=10,
        )
        assert arrived.relative_alt == pytest.approx(20_000, abs=500)
        hb = await client.expect("HEARTBEAT")
        assert flight_mode_from_custom(hb.custom_mode) is FlightMode.HOLD

        items = [item(i, lat_deg=lat, lon_deg=lon + 0.0001 * i, z=20) for i in range(3)]
        assert await upload(client, items) == mavlink.MAV_MISSION_ACCEPTED
        client.send(mavlink.MAVLink_mission_set_current_message(1, 1, 2))
        current = await client.expect("MISSION_CURRENT", lambda m: m.seq == 2)
        assert current.total == 3
        assert swarm.vehicles[0].autopilot.mission.current == 2
