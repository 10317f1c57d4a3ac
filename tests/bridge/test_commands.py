"""COMMAND_LONG/COMMAND_ACK semantics and PX4 mode confirmation, against a scripted PX4."""

from __future__ import annotations

import pytest
from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.commands import MavResult
from firmware_bridge.errors import CommandDenied, CommandTimeout, LinkLost, ModeNotConfirmed
from firmware_bridge.mission_item import MavCmd, MissionItem
from firmware_bridge.px4 import FlightMode
from tests.bridge.conftest import Rig
from tests.bridge.fake_px4 import MISSION

ARM = mavlink.MAV_CMD_COMPONENT_ARM_DISARM
SET_MODE = mavlink.MAV_CMD_DO_SET_MODE


async def test_arm_and_disarm_show_in_the_armed_stream(rig: Rig) -> None:
    armed = rig.vehicle.telemetry.armed
    await rig.vehicle.arm()
    assert rig.fake.armed
    assert (await armed.wait_for(lambda s: s.armed, 1)).armed
    await rig.vehicle.disarm()
    assert not rig.fake.armed
    assert not (await armed.wait_for(lambda s: not s.armed, 1)).armed


@pytest.mark.parametrize("result", [MavResult.DENIED, MavResult.FAILED, MavResult.UNSUPPORTED])
async def test_final_refusals_raise_with_the_result_and_reason(rig: Rig, result: int) -> None:
    rig.fake.script.results[ARM] = [result]
    rig.fake.script.status_on_deny = "Arming denied: battery low"
    with pytest.raises(CommandDenied) as caught:
        await rig.vehicle.arm()
    assert caught.value.result == result
    assert caught.value.command == ARM
    assert rig.fake.received_commands.count(ARM) == 1  # a refusal is final: not resent
    if result == MavResult.DENIED:
        assert "battery low" in str(caught.value)


async def test_in_progress_keeps_waiting_without_resending(rig: Rig) -> None:
    rig.fake.script.in_progress[ARM] = 3
    await rig.vehicle.arm()
    assert rig.fake.received_commands.count(ARM) == 1


async def test_temporarily_rejected_is_retried(rig: Rig) -> None:
    rig.fake.script.results[ARM] = [MavResult.TEMPORARILY_REJECTED] * 2
    await rig.vehicle.arm()
    assert rig.fake.received_commands.count(ARM) == 3


async def test_temporarily_rejected_until_retries_run_out_is_a_denial(rig: Rig) -> None:
    rig.fake.script.results[ARM] = [MavResult.TEMPORARILY_REJECTED] * 10
    with pytest.raises(CommandDenied) as caught:
        await rig.vehicle.arm()
    assert caught.value.result == MavResult.TEMPORARILY_REJECTED
    assert rig.fake.received_commands.count(ARM) == 4  # 1 + 3 retries


async def test_no_ack_times_out_after_the_retries(rig: Rig) -> None:
    rig.fake.script.silent_commands.add(ARM)
    with pytest.raises(CommandTimeout):
        await rig.vehicle.arm()
    assert rig.fake.received_commands.count(ARM) == 4


async def test_mission_mode_after_upload_is_confirmed_not_trusted(rig: Rig) -> None:
    # PX4 validates the mission asynchronously: ACCEPTED (mode not entered), then
    # TEMPORARILY_REJECTED; the bridge must keep at it until the heartbeat shows Mission.
    rig.fake.script.mission_check_rejections = 3
    await rig.vehicle.upload_mission([MissionItem(MavCmd.NAV_WAYPOINT, x=35.0, y=139.0, z=10)])
    await rig.vehicle.start_mission()
    assert rig.fake.custom_mode == MISSION
    assert rig.vehicle.telemetry.flight_mode.latest is not None
    assert rig.vehicle.telemetry.flight_mode.latest.mode is FlightMode.MISSION
    assert rig.fake.received_commands.count(SET_MODE) >= 3


async def test_mode_never_shown_raises(rig: Rig) -> None:
    rig.fake.script.mission_check_rejections = 100
    await rig.vehicle.upload_mission([MissionItem(MavCmd.NAV_WAYPOINT, x=35.0, y=139.0, z=10)])
    with pytest.raises(ModeNotConfirmed):
        await rig.vehicle.start_mission()


async def test_commands_on_a_lost_link_fail_at_once(rig: Rig) -> None:
    rig.fake.silent = True
    await rig.vehicle.telemetry.link.wait_for(lambda s: not s.connected, timeout_s=2)
    with pytest.raises(LinkLost):
        await rig.vehicle.arm()
    assert ARM not in rig.fake.received_commands
