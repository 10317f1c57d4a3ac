"""`skyfleet fly` on real PX4 SITL at real time, stock parameters (COM_DISARM_PRFLT 10 s).

The command switches to Mission mode before arming, so PX4 starts the mission at once instead
of disarming a vehicle armed without a take-off; a plan whose RTL is written in a global frame
(PX4 refuses the upload: MAV_MISSION_UNSUPPORTED) is sent in MAV_FRAME_MISSION.
"""

from __future__ import annotations

import time
from pathlib import Path

from firmware_bridge.mission_item import MavCmd, MavFrame, MissionItem
from fleet.cli.fly import fly
from fleet.qgc_plan import QgcPlan, write_plan
from simulators.px4_sitl import SitlOptions, px4_sitl

M_PER_DEG_LAT = 111_320.0


async def test_a_plan_is_flown_to_its_landing_on_px4(px4_folder: Path, tmp_path: Path) -> None:
    options = SitlOptions(count=1, speed_factor=1.0)
    lat, lon = options.home_lat_deg, options.home_lon_deg
    north = lat + 10.0 / M_PER_DEG_LAT
    rel = MavFrame.GLOBAL_RELATIVE_ALT
    items = (
        MissionItem(MavCmd.NAV_TAKEOFF, rel, x=lat, y=lon, z=5.0),
        MissionItem(MavCmd.DO_CHANGE_SPEED, rel, param1=1.0, param2=3.0, param3=-1.0),
        MissionItem(MavCmd.NAV_WAYPOINT, rel, x=north, y=lon, z=5.0),
        MissionItem(MavCmd.NAV_LAND, rel, x=north, y=lon, z=0.0),
    )
    plan = tmp_path / "hop.plan"
    write_plan(QgcPlan(items), plan)
    lines: list[str] = []
    with px4_sitl(options, px4_folder) as [instance]:
        started_s = time.monotonic()
        code = await fly(instance.url, plan, instance.system_id, 30.0, 150.0, lines.append)
        took_s = time.monotonic() - started_s
    print(f"skyfleet fly on PX4: exit {code} after {took_s:.0f} s")
    assert code == 0, "\n".join(lines)
    assert "armed" in lines and "disarmed" in lines
    assert lines.index("mission started") < lines.index("landed and disarmed: mission complete")
