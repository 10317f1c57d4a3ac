"""The fast MAVLink 2 framing is byte-identical to pymavlink's for every message we send."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymavlink.dialects.v20 import common as mavlink

from simulators.wire import encode, x25_crc

M = mavlink
SAMPLES: list[Any] = [
    M.MAVLink_heartbeat_message(2, 12, 93, (4 << 16) | (3 << 24), 3, 3),
    M.MAVLink_attitude_message(123, 0.1, -0.2, 3.0, 0.0, 0.0, 0.0),
    M.MAVLink_global_position_int_message(5, 356895000, 1396917000, 40000, 0, 12, -3, 0, 9000),
    M.MAVLink_sys_status_message(*range(1, 14), 0, 0, 0),
    M.MAVLink_gps_raw_int_message(
        1, 3, 356895000, 1396917000, 40000, 70, 100, 5, 9, 14, *([0] * 6)
    ),
    M.MAVLink_vfr_hud_message(1.5, 1.5, 90, 50, 40.0, 0.2),
    M.MAVLink_extended_sys_state_message(0, 2),
    M.MAVLink_mission_current_message(3, 7, 3, 1),
    M.MAVLink_mission_request_int_message(245, 190, 4, 1),
    M.MAVLink_mission_ack_message(245, 190, 0, 2),
    M.MAVLink_mission_count_message(245, 190, 12, 0),
    M.MAVLink_command_ack_message(176, 5, 0, 0, 245, 190),
    M.MAVLink_mission_item_reached_message(2),
    M.MAVLink_statustext_message(6, b"Mission finished, landed", 0, 0),
    M.MAVLink_param_value_message(b"MIS_TAKEOFF_ALT", 2.5, 9, 15, 5),
    M.MAVLink_mission_item_int_message(245, 190, 1, 6, 16, 0, 1, 0, 2, 0, 0, 356, 1396, 20.0, 0),
]


TEXT = {"STATUSTEXT", "PARAM_VALUE"}  # char arrays: pymavlink packs these (None here)


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: m.get_type())
def test_frames_match_pymavlink(msg: Any) -> None:
    mav = mavlink.MAVLink(None, srcSystem=7, srcComponent=1)
    mav.seq = 42
    expected = None if msg.get_type() in TEXT else msg.pack(mav)
    assert encode(msg, seq=42, sysid=7, compid=1) == expected


def test_array_messages_fall_back_to_pymavlink() -> None:
    msg = M.MAVLink_battery_status_message(
        0, 0, 1, 0, [4000] * 10, 0, 0, 0, 90, 0, 0, [0] * 4, 0, 0
    )
    assert encode(msg, 0, 1, 1) is None


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=300))
def test_crc_matches_pymavlinks_x25(data: bytes) -> None:
    from pymavlink.generator.mavcrc import x25crc

    assert x25_crc(data) == x25crc(data).crc
