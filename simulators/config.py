"""Per-vehicle autopilot settings, named after the PX4 parameters they stand for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FailsafeAction(Enum):
    """What the vehicle does on a failsafe (PX4's NAV_DLL_ACT / GF_ACTION / battery actions)."""

    NONE = "none"
    WARN = "warn"
    HOLD = "hold"
    RTL = "rtl"
    LAND = "land"


@dataclass(frozen=True, slots=True)
class AutopilotConfig:
    """Autopilot settings; sim-time values scale with the speedup, wall-time ones do not.

    Attributes:
        takeoff_alt_m: MIS_TAKEOFF_ALT, takeoff altitude above home when none is given.
        rtl_alt_m: RTL_RETURN_ALT, return altitude above home.
        rtl_descend_alt_m: RTL_DESCEND_ALT, where RTL stops its descent over home before landing.
        rtl_land_delay_s: RTL_LAND_DELAY, how long it waits there (negative: forever).
        cruise_speed_mps: MPC_XY_CRUISE, horizontal speed in auto modes.
        takeoff_speed_mps: MPC_TKO_SPEED, climb rate of a take-off.
        max_climb_mps / max_descent_mps: MPC_Z_VEL_MAX_UP / MPC_Z_VEL_MAX_DN.
        acceptance_radius_m: NAV_ACC_RAD, horizontal waypoint acceptance radius.
        alt_acceptance_m: NAV_MC_ALT_RAD, vertical acceptance.
        land_speed_mps: MPC_LAND_SPEED, the last metres of a landing (above 10 m it descends at
            max_descent_mps, blended down to this below 5 m, as PX4's MPC_LAND_ALT1/ALT2).
        disarm_after_land_s: COM_DISARM_LAND (sim time; 0 or less: never).
        disarm_preflight_s: COM_DISARM_PRFLT: armed on the ground without take-off (sim time,
            as PX4 SITL counts it under PX4_SIM_SPEED_FACTOR; 0 or less: never).
        low_battery: BAT_LOW_THR (fraction); critical_battery: BAT_CRIT_THR.
        low_battery_action / critical_battery_action: what each level triggers in the air.
        datalink_loss_action: NAV_DLL_ACT; datalink_timeout_wall_s: COM_DL_LOSS_T.
        geofence_action: GF_ACTION.
        mission_check_wall_s: how long PX4's asynchronous mission check takes after upload
            (0: done at once, as PX4 SITL on the ground showed; a mode change asked for while
            it runs is accepted, then rejected once it ends, as PX4 does then).
    """

    takeoff_alt_m: float = 2.5
    rtl_alt_m: float = 30.0
    rtl_descend_alt_m: float = 10.0
    rtl_land_delay_s: float = 0.0
    cruise_speed_mps: float = 5.0
    takeoff_speed_mps: float = 1.5
    max_climb_mps: float = 3.0
    max_descent_mps: float = 1.5
    acceptance_radius_m: float = 2.0
    alt_acceptance_m: float = 0.8
    land_speed_mps: float = 0.7
    disarm_after_land_s: float = 2.0
    disarm_preflight_s: float = 10.0
    low_battery: float = 0.15
    critical_battery: float = 0.07
    low_battery_action: FailsafeAction = FailsafeAction.RTL
    critical_battery_action: FailsafeAction = FailsafeAction.LAND
    datalink_loss_action: FailsafeAction = FailsafeAction.NONE
    datalink_timeout_wall_s: float = 10.0
    geofence_action: FailsafeAction = FailsafeAction.HOLD
    mission_check_wall_s: float = 0.0
