"""Telemetry messages as PX4 streams them, built into reused pymavlink message objects.

Default rates follow PX4's "normal" MAVLink mode (HEARTBEAT 1 Hz, ATTITUDE 15 Hz,
GLOBAL_POSITION_INT 5 Hz, VFR_HUD 4 Hz, SYS_STATUS / GPS_RAW_INT / EXTENDED_SYS_STATE /
MISSION_CURRENT 1 Hz, BATTERY_STATUS / HOME_POSITION 0.5 Hz); ``low`` rates serve big fleets.
Rates are per wall-clock second; the speedup only accelerates the vehicle.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from simulators.autopilot import Autopilot
from simulators.physics import VehicleKind
from simulators.px4_modes import FlightMode, base_mode_of, custom_mode_of

HEARTBEAT, SYS_STATUS, GPS_RAW_INT, ATTITUDE = 0, 1, 24, 30
GLOBAL_POSITION_INT, MISSION_CURRENT, VFR_HUD = 33, 42, 74
BATTERY_STATUS, AUTOPILOT_VERSION, HOME_POSITION, EXTENDED_SYS_STATE = 147, 148, 242, 245

PX4_RATES_HZ = {
    HEARTBEAT: 1.0, SYS_STATUS: 1.0, GPS_RAW_INT: 1.0, ATTITUDE: 15.0,
    GLOBAL_POSITION_INT: 5.0, MISSION_CURRENT: 1.0, VFR_HUD: 4.0, BATTERY_STATUS: 0.5,
    HOME_POSITION: 0.5, EXTENDED_SYS_STATE: 1.0,
}  # fmt: skip
LOW_RATES_HZ = {
    HEARTBEAT: 1.0, SYS_STATUS: 0.5, GPS_RAW_INT: 0.2, GLOBAL_POSITION_INT: 1.0,
    MISSION_CURRENT: 0.5, BATTERY_STATUS: 0.2, HOME_POSITION: 0.1, EXTENDED_SYS_STATE: 1.0,
}  # fmt: skip
RATE_TABLES = {"px4": PX4_RATES_HZ, "low": LOW_RATES_HZ}

_SENSORS = (
    mavlink.MAV_SYS_STATUS_SENSOR_3D_GYRO | mavlink.MAV_SYS_STATUS_SENSOR_3D_ACCEL
    | mavlink.MAV_SYS_STATUS_SENSOR_3D_MAG | mavlink.MAV_SYS_STATUS_SENSOR_ABSOLUTE_PRESSURE
    | mavlink.MAV_SYS_STATUS_SENSOR_GPS | mavlink.MAV_SYS_STATUS_AHRS
    | mavlink.MAV_SYS_STATUS_SENSOR_BATTERY | mavlink.MAV_SYS_STATUS_PREARM_CHECK
)  # fmt: skip
_CAPABILITIES = (
    mavlink.MAV_PROTOCOL_CAPABILITY_MISSION_FLOAT | mavlink.MAV_PROTOCOL_CAPABILITY_PARAM_FLOAT
    | mavlink.MAV_PROTOCOL_CAPABILITY_MISSION_INT | mavlink.MAV_PROTOCOL_CAPABILITY_COMMAND_INT
    | mavlink.MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_BYTEWISE
    | mavlink.MAV_PROTOCOL_CAPABILITY_SET_POSITION_TARGET_GLOBAL_INT
    | mavlink.MAV_PROTOCOL_CAPABILITY_MAVLINK2 | mavlink.MAV_PROTOCOL_CAPABILITY_MISSION_FENCE
    | mavlink.MAV_PROTOCOL_CAPABILITY_MISSION_RALLY
)  # fmt: skip
PX4_VERSION = (1 << 24) | (17 << 16) | (0 << 8) | 255  # 1.17.0 official


class Telemetry:
    """Builds each streamed message for one vehicle, reusing one object per message type."""

    def __init__(self, ap: Autopilot, sysid: int, boot_ms: Callable[[], int]) -> None:
        self.ap = ap
        self.sysid = sysid
        self._boot_ms = boot_ms
        self.mission_total = 0
        mav_type = (
            mavlink.MAV_TYPE_QUADROTOR
            if ap.kind is VehicleKind.QUAD
            else mavlink.MAV_TYPE_GROUND_ROVER
        )
        self._heartbeat = mavlink.MAVLink_heartbeat_message(mav_type, 12, 0, 0, 3, 3)
        self._sys = mavlink.MAVLink_sys_status_message(*([0] * 16))
        self._gps = mavlink.MAVLink_gps_raw_int_message(*([0] * 16))
        self._att = mavlink.MAVLink_attitude_message(*([0] * 7))
        self._gpi = mavlink.MAVLink_global_position_int_message(*([0] * 9))
        self._cur = mavlink.MAVLink_mission_current_message(0, 0, 1, 0)
        self._vfr = mavlink.MAVLink_vfr_hud_message(*([0] * 6))
        self._bat = mavlink.MAVLink_battery_status_message(
            0, 0, 1, 32767, [65535] * 10, 0, 0, 0, 100, 0, 0, [0] * 4, 0, 0
        )
        self._ext = mavlink.MAVLink_extended_sys_state_message(0, 1)
        self.builders: dict[int, Callable[[], Any]] = {
            HEARTBEAT: self.heartbeat, SYS_STATUS: self.sys_status, GPS_RAW_INT: self.gps_raw,
            ATTITUDE: self.attitude, GLOBAL_POSITION_INT: self.global_position,
            MISSION_CURRENT: self.mission_current, VFR_HUD: self.vfr_hud,
            BATTERY_STATUS: self.battery_status, HOME_POSITION: self.home_position,
            EXTENDED_SYS_STATE: self.extended_sys_state, AUTOPILOT_VERSION: self.autopilot_version,
        }  # fmt: skip

    def heartbeat(self) -> Any:
        ap, msg = self.ap, self._heartbeat
        msg.base_mode = base_mode_of(ap.mode, ap.armed)
        msg.custom_mode = custom_mode_of(ap.mode)
        msg.system_status = (
            mavlink.MAV_STATE_CRITICAL if ap.state.battery.remaining <= ap.config.critical_battery
            else mavlink.MAV_STATE_ACTIVE if ap.armed else mavlink.MAV_STATE_STANDBY
        )  # fmt: skip
        return msg

    def sys_status(self) -> Any:
        ap, msg = self.ap, self._sys
        battery = ap.state.battery
        health = _SENSORS
        if not ap.gps_ok:
            health &= ~mavlink.MAV_SYS_STATUS_SENSOR_GPS
        if battery.fault:
            health &= ~mavlink.MAV_SYS_STATUS_SENSOR_BATTERY
        if ap.arming_refusal() is not None:
            health &= ~mavlink.MAV_SYS_STATUS_PREARM_CHECK
        msg.onboard_control_sensors_present = msg.onboard_control_sensors_enabled = _SENSORS
        msg.onboard_control_sensors_health = health
        msg.load = 250
        msg.voltage_battery = int(battery.voltage_v * 1000)
        msg.current_battery = int(battery.current_a * 100)
        msg.battery_remaining = int(battery.remaining * 100)
        return msg

    def gps_raw(self) -> Any:
        ap, msg = self.ap, self._gps
        self._fill_position(msg)
        msg.time_usec = self._boot_ms() * 1000
        msg.fix_type = 3 if ap.gps_ok else 1
        msg.eph, msg.epv = (70, 100) if ap.gps_ok else (9999, 9999)
        msg.vel = int(ap.state.ground_speed_mps * 100)
        msg.cog = int(math.degrees(ap.state.yaw_rad) % 360 * 100)
        msg.satellites_visible = 14 if ap.gps_ok else 2
        return msg

    def attitude(self) -> Any:
        state, msg = self.ap.state, self._att
        msg.time_boot_ms = self._boot_ms()
        # a multicopter tilts into its acceleration; approximate with velocity
        msg.pitch = (
            -0.02 * state.ground_speed_mps if state.airframe.kind is VehicleKind.QUAD else 0.0
        )
        msg.roll = 0.0
        msg.yaw = (state.yaw_rad + math.pi) % (2 * math.pi) - math.pi
        return msg

    def global_position(self) -> Any:
        ap, msg = self.ap, self._gpi
        state = ap.state
        self._fill_position(msg)
        msg.time_boot_ms = self._boot_ms()
        msg.relative_alt = int(state.up_m * 1000)
        msg.vx, msg.vy = int(state.vn_mps * 100), int(state.ve_mps * 100)
        msg.vz = int(-state.vu_mps * 100)
        msg.hdg = int(math.degrees(state.yaw_rad) % 360 * 100)
        return msg

    def _fill_position(self, msg: Any) -> None:
        ap = self.ap
        lon, lat = ap.frame.to_lon_lat(ap.state.north_m, ap.state.east_m)
        msg.lat, msg.lon = round(lat * 1e7), round(lon * 1e7)
        msg.alt = int((ap.home_amsl_m + ap.state.up_m) * 1000)

    def mission_current(self) -> Any:
        ap, msg = self.ap, self._cur
        msg.seq = ap.mission.current
        msg.total = len(ap.mission.items) if ap.mission.items else 65535
        msg.mission_state = ap.mission.state_code(ap.mode is FlightMode.MISSION)
        msg.mission_mode = 1 if ap.mode is FlightMode.MISSION else 2
        return msg

    def vfr_hud(self) -> Any:
        state, msg = self.ap.state, self._vfr
        msg.groundspeed = msg.airspeed = state.ground_speed_mps
        msg.heading = int(math.degrees(state.yaw_rad) % 360)
        msg.throttle = 50 if self.ap.armed else 0
        msg.alt = self.ap.home_amsl_m + state.up_m
        msg.climb = state.vu_mps
        return msg

    def battery_status(self) -> Any:
        ap, msg = self.ap, self._bat
        battery = ap.state.battery
        cell_mv = int(battery.voltage_v / battery.cells * 1000)
        msg.voltages = [cell_mv] * battery.cells + [65535] * (10 - battery.cells)
        msg.current_battery = int(battery.current_a * 100)
        msg.energy_consumed = int(battery.used_wh * 36)  # hJ
        msg.current_consumed = int(battery.used_wh / (battery.cells * 3.7) * 1000)
        msg.battery_remaining = int(battery.remaining * 100)
        msg.charge_state = _charge_state(ap)
        msg.fault_bitmask = mavlink.MAV_BATTERY_FAULT_CELL_FAIL if battery.fault else 0
        return msg

    def home_position(self) -> Any:
        ap = self.ap
        return mavlink.MAVLink_home_position_message(
            round(ap.frame.home_lat_deg * 1e7), round(ap.frame.home_lon_deg * 1e7),
            int(ap.home_amsl_m * 1000), 0.0, 0.0, 0.0, [1.0, 0.0, 0.0, 0.0], 0.0, 0.0, 0.0,
            self._boot_ms() * 1000,
        )  # fmt: skip

    def extended_sys_state(self) -> Any:
        self._ext.landed_state = self.ap.landed_state
        return self._ext

    def autopilot_version(self) -> Any:
        return mavlink.MAVLink_autopilot_version_message(
            _CAPABILITIES, PX4_VERSION, 0, 0, 0, [0] * 8, [0] * 8, [0] * 8, 0x26AC, 0x11,
            0x5346_0000 + self.sysid, [0] * 18,
        )  # fmt: skip

    def statustext(self, severity: int, text: str) -> Any:
        return mavlink.MAVLink_statustext_message(severity, text.encode()[:50], 0, 0)

    def item_reached(self, seq: int) -> Any:
        return mavlink.MAVLink_mission_item_reached_message(seq)


def _charge_state(ap: Autopilot) -> int:
    battery = ap.state.battery
    state: int = mavlink.MAV_BATTERY_CHARGE_STATE_OK
    if battery.fault:
        state = mavlink.MAV_BATTERY_CHARGE_STATE_FAILED
    elif battery.remaining <= ap.config.critical_battery:
        state = mavlink.MAV_BATTERY_CHARGE_STATE_CRITICAL
    elif battery.remaining <= ap.config.low_battery:
        state = mavlink.MAV_BATTERY_CHARGE_STATE_LOW
    return state
