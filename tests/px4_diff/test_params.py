"""The parameter protocol: read all, read one, set one, unknown names.

The simulator does not carry PX4's ~1,000 parameters; it must carry, with PX4's default values,
those that change its behaviour and that MAVSDK, QGroundControl or the bridge set.
"""

from __future__ import annotations

import math
from pathlib import Path

from tests.px4_diff.harness import Target, run_both

# name -> is an INT32 parameter; every one of them changes how the simulator flies
BEHAVIOUR_PARAMS = {
    "MIS_TAKEOFF_ALT": False,
    "RTL_RETURN_ALT": False,
    "RTL_DESCEND_ALT": False,
    "RTL_LAND_DELAY": False,
    "COM_DISARM_PRFLT": False,
    "COM_DISARM_LAND": False,
    "MPC_XY_CRUISE": False,
    "MPC_TKO_SPEED": False,
    "MPC_LAND_SPEED": False,
    "MPC_Z_VEL_MAX_UP": False,
    "MPC_Z_VEL_MAX_DN": False,
    "NAV_ACC_RAD": False,
    "NAV_MC_ALT_RAD": False,
    "BAT_LOW_THR": False,
    "BAT_CRIT_THR": False,
    "COM_DL_LOSS_T": True,
    "NAV_DLL_ACT": True,
    "GF_ACTION": True,
    "MAV_SYS_ID": True,
}
NEW_VALUES = {"MIS_TAKEOFF_ALT": 7.5, "NAV_DLL_ACT": 2, "COM_DISARM_LAND": 4.0}


async def _params(v: Target) -> None:
    every = await v.param_list(timeout_s=20.0)
    v.trace.results["listed"] = sorted(n for n in BEHAVIOUR_PARAMS if n in every)
    v.trace.results["count_at_least_behaviour"] = len(every) >= len(BEHAVIOUR_PARAMS)
    for name in BEHAVIOUR_PARAMS:
        value = await v.param_read(name)
        v.trace.results[f"read {name}"] = None if value is None else round(value, 3)
    for name, value in NEW_VALUES.items():
        is_int = BEHAVIOUR_PARAMS[name]
        v.trace.results[f"set {name}"] = await v.param_set(name, value, is_int)
        v.trace.results[f"reread {name}"] = await v.param_read(name)
    # bad input: an INT32 PARAM_SET for a REAL32 parameter, a value out of its range
    v.trace.results["set float as int"] = await v.param_set("MPC_LAND_SPEED", 1, is_int=True)
    v.trace.results["reread float as int"] = await v.param_read("MPC_LAND_SPEED")
    v.trace.results["set out of range"] = await v.param_set("NAV_ACC_RAD", -3.0)
    v.trace.results["reread out of range"] = await v.param_read("NAV_ACC_RAD")
    v.trace.results["read unknown"] = await v.param_read("SKYFLEET_NOPE")
    v.trace.results["set unknown"] = await v.param_set("SKYFLEET_NOPE", 1.0)


async def test_parameters_that_change_behaviour_match_px4(px4_folder: Path) -> None:
    sim, px4 = await run_both(_params, px4_folder)
    differ = {
        key: (px4.results[key], got)
        for key, got in sim.results.items()
        if key != "read MAV_SYS_ID" and not _same(got, px4.results[key])
    }
    assert not differ, f"name: (PX4, simulator) {differ}"
    assert px4.results["listed"] == sorted(BEHAVIOUR_PARAMS), "PX4 lacks a parameter"


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-4)
    return a == b
