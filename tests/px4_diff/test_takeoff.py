"""Take-off and land on the simulator and on PX4: with param7 (AMSL), without (MIS_TAKEOFF_ALT).

Compared: the ACK results, exactly; the flight-mode and landed-state sequences from arming,
exactly; the altitude held after the take-off (median of the last 2 s) within 2 m of PX4's (PX4's
EKF height on SIH settles up to 1.7 m below its target, from run to run); the
simulated time from arming to Hold and from Land to disarmed within 40 % of PX4's (PX4 spools
up, ramps its climb and runs its land detector; the simulator models them roughly).
"""

from __future__ import annotations

import math
from pathlib import Path

from pymavlink.dialects.v20 import common as mavlink

from tests.px4_diff.harness import Scenario, Target, Trace, run_both

ALT_TOLERANCE_M = 2.0  # PX4's EKF height on SIH settles up to 1.7 m off its target, run to run
TIME_TOLERANCE = 0.4


def _takeoff_and_land(target_up_m: float | None) -> Scenario:
    async def scenario(v: Target) -> None:
        v.trace.results["arm"] = await v.arm()
        param7 = math.nan if target_up_m is None else v.home_amsl_m + target_up_m
        v.trace.results["takeoff"] = await v.command(
            mavlink.MAV_CMD_NAV_TAKEOFF, math.nan, 0, 0, math.nan, math.nan, math.nan, param7
        )
        await v.wait_mode("TAKEOFF", timeout_s=10.0)
        await v.wait_mode("HOLD", armed=True, timeout_s=40.0)
        v.mark("held")
        for _ in range(3):  # hover 2-3 s (10-15 s simulated), then land
            await v.wait("HEARTBEAT", timeout_s=5.0)
        v.mark("hovered")
        v.trace.results["land"] = await v.command(mavlink.MAV_CMD_NAV_LAND)
        v.mark("land")
        await v.wait_disarmed(timeout_s=60.0)
        v.mark("disarmed")

    return scenario


def _compare(sim: Trace, px4: Trace, expected_up_m: float) -> None:
    report = f"\n{sim}\n{px4}"
    assert {k: sim.results[k] for k in px4.results} == px4.results, report
    assert abs(px4.alt_at("hovered", 2.0) - expected_up_m) < ALT_TOLERANCE_M, report
    assert abs(sim.alt_at("hovered", 2.0) - px4.alt_at("hovered", 2.0)) < ALT_TOLERANCE_M, report
    assert sim.mode_sequence("armed") == px4.mode_sequence("armed"), report
    assert sim.landed_sequence("armed") == px4.landed_sequence("armed"), report
    for first, second in (("armed", "held"), ("land", "disarmed")):
        px4_s, sim_s = px4.between(first, second), sim.between(first, second)
        assert abs(sim_s - px4_s) <= TIME_TOLERANCE * px4_s, f"{first}->{second}{report}"


async def test_takeoff_to_param7_amsl(px4_folder: Path) -> None:
    sim, px4 = await run_both(_takeoff_and_land(8.0), px4_folder)
    _compare(sim, px4, 8.0)


async def test_takeoff_without_altitude_climbs_to_mis_takeoff_alt(px4_folder: Path) -> None:
    """The MAVSDK set_takeoff_altitude(10) + takeoff() case (issue 13)."""
    sim, px4 = await run_both(_takeoff_and_land(None), px4_folder, {"MIS_TAKEOFF_ALT": 10.0})
    _compare(sim, px4, 10.0)
