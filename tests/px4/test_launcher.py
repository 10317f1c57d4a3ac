"""The PX4 SITL launcher starts real PX4 instances a client hears on the advertised ports."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymavlink import mavutil

from simulators.px4_sitl import SitlOptions, px4_sitl

pytestmark = pytest.mark.px4


def test_two_instances_heartbeat_on_their_own_ports(px4_folder: Path) -> None:
    with px4_sitl(SitlOptions(count=2), px4_folder) as instances:
        assert [i.system_id - i.index for i in instances] == [1, 1]
        for instance in instances:
            conn = mavutil.mavlink_connection(f"udpin:127.0.0.1:{instance.api_port}")
            try:
                hb = conn.wait_heartbeat(timeout=30)
                assert hb is not None, f"no heartbeat from {instance}: see {instance.log_path}"
                assert conn.target_system == instance.system_id
                assert hb.autopilot == mavutil.mavlink.MAV_AUTOPILOT_PX4
            finally:
                conn.close()
