"""COMMAND_LONG / COMMAND_INT handling with COMMAND_ACK results as PX4 gives them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pymavlink.dialects.v20 import common as mavlink

from simulators.link import UdpLink
from simulators.physics import VehicleKind
from simulators.px4_modes import FlightMode, flight_mode_from_main_sub

if TYPE_CHECKING:
    from simulators.vehicle import SimVehicle

ACCEPTED: int = mavlink.MAV_RESULT_ACCEPTED
TEMPORARILY_REJECTED: int = mavlink.MAV_RESULT_TEMPORARILY_REJECTED
DENIED: int = mavlink.MAV_RESULT_DENIED
UNSUPPORTED: int = mavlink.MAV_RESULT_UNSUPPORTED
FORCE_MAGIC = 21196
_NEEDS_POSITION = {FlightMode.TAKEOFF, FlightMode.MISSION, FlightMode.RTL, FlightMode.HOLD}


class Command:
    """A COMMAND_LONG or COMMAND_INT with lat/lon in degrees and altitude as sent."""

    def __init__(self, msg: Any) -> None:
        self.command: int = msg.command
        self.src = (msg.get_srcSystem(), msg.get_srcComponent())
        self.params = [msg.param1, msg.param2, msg.param3, msg.param4]
        self.is_int = msg.get_type() == "COMMAND_INT"
        self.frame = msg.frame if self.is_int else mavlink.MAV_FRAME_GLOBAL
        if self.is_int:
            self.lat_deg, self.lon_deg, self.alt = msg.x * 1e-7, msg.y * 1e-7, msg.z
            self.params += [self.lat_deg, self.lon_deg, msg.z]
        else:
            self.lat_deg, self.lon_deg, self.alt = msg.param5, msg.param6, msg.param7
            self.params += [msg.param5, msg.param6, msg.param7]

    def p(self, n: int) -> float:
        """Param ``n`` (1-based)."""
        return float(self.params[n - 1])

    def i(self, n: int) -> int:
        """Param ``n`` as an integer (NaN, "unset" in MAVLink, reads as 0)."""
        value = self.p(n)
        return 0 if math.isnan(value) or math.isinf(value) else int(value)


def handle_command(v: SimVehicle, msg: Any, link: UdpLink) -> None:
    """Execute a command addressed to the vehicle and acknowledge it on ``link``."""
    cmd = Command(msg)
    handler = _HANDLERS.get(cmd.command)
    result = UNSUPPORTED if handler is None else handler(v, cmd, link)
    if result is not None:
        v.send_ack(link, msg, cmd.command, result)


def _arm_disarm(v: SimVehicle, cmd: Command, link: UdpLink) -> int:
    ap = v.autopilot
    force = cmd.i(2) == FORCE_MAGIC
    if cmd.p(1) >= 0.5:
        if v.mission_check_pending and ap.mode is FlightMode.MISSION and not force:
            return TEMPORARILY_REJECTED
        return ACCEPTED if force or ap.arm(v.now_s()) is None else TEMPORARILY_REJECTED
    if ap.in_air and not force:
        ap.say(4, "Disarming denied: not landed")
        return TEMPORARILY_REJECTED
    ap.disarm()
    return ACCEPTED


def _takeoff(v: SimVehicle, cmd: Command, link: UdpLink) -> int:
    ap = v.autopilot
    if ap.kind is VehicleKind.ROVER:
        return UNSUPPORTED
    if not ap.gps_ok:
        return TEMPORARILY_REJECTED
    alt_amsl = cmd.p(7)
    up = ap.config.takeoff_alt_m if math.isnan(alt_amsl) else alt_amsl - ap.home_amsl_m
    ap.takeoff_to(up)
    return ACCEPTED


def _set_mode(v: SimVehicle, cmd: Command, link: UdpLink) -> int | None:
    if not cmd.i(1) & 1:  # MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
        return UNSUPPORTED
    mode = flight_mode_from_main_sub(cmd.i(2), cmd.i(3))
    return _switch(v, mode, cmd, link)


def _switch(v: SimVehicle, mode: FlightMode | None, cmd: Command, link: UdpLink) -> int | None:
    ap = v.autopilot
    if mode is None or (ap.kind is VehicleKind.ROVER and mode in (FlightMode.TAKEOFF,)):
        return UNSUPPORTED
    if mode in _NEEDS_POSITION and not ap.gps_ok:
        ap.say(4, "Mode not available: no global position")
        return TEMPORARILY_REJECTED
    if mode is FlightMode.MISSION:
        return v.request_mission_mode(link, cmd.src, cmd.command)
    if mode is FlightMode.TAKEOFF:
        return (
            _takeoff(v, cmd, link)
            if cmd.command == mavlink.MAV_CMD_NAV_TAKEOFF
            else _enter(v, mode)
        )
    return _enter(v, mode)


def _enter(v: SimVehicle, mode: FlightMode) -> int:
    v.autopilot.set_mode(mode)
    return ACCEPTED


def _mission_start(v: SimVehicle, cmd: Command, link: UdpLink) -> int | None:
    first = cmd.i(1)
    if 0 < first < len(v.autopilot.mission.items):
        v.autopilot.mission.reset(first)
    return _switch(v, FlightMode.MISSION, cmd, link)


def _reposition(v: SimVehicle, cmd: Command, link: UdpLink) -> int:
    ap = v.autopilot
    if not ap.gps_ok:
        return TEMPORARILY_REJECTED
    if cmd.p(1) > 0:
        ap.speed_mps = cmd.p(1)
    north, east = ap.state.north_m, ap.state.east_m
    if not (math.isnan(cmd.lat_deg) or math.isnan(cmd.lon_deg)) and (cmd.lat_deg or cmd.lon_deg):
        north, east = ap.frame.to_north_east(cmd.lon_deg, cmd.lat_deg)
    up = ap.state.up_m
    if not math.isnan(cmd.alt):
        relative = cmd.frame in (
            mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT,
            mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
        )
        up = cmd.alt if relative else cmd.alt - ap.home_amsl_m
    ap.hold_at(north, east, up)
    return ACCEPTED


def _change_speed(v: SimVehicle, cmd: Command, link: UdpLink) -> int:
    if cmd.p(2) <= 0:
        return DENIED
    v.autopilot.speed_mps = cmd.p(2)
    return ACCEPTED


def _message_interval(v: SimVehicle, cmd: Command, link: UdpLink) -> int:
    return ACCEPTED if v.set_message_interval(link, cmd.i(1), cmd.p(2)) else DENIED


def _request_message(v: SimVehicle, cmd: Command, link: UdpLink) -> int | None:
    return ACCEPTED if v.send_requested(link, cmd.i(1)) else DENIED


def _autopilot_capabilities(v: SimVehicle, cmd: Command, link: UdpLink) -> int:
    v.send_requested(link, mavlink.MAVLINK_MSG_ID_AUTOPILOT_VERSION)
    return ACCEPTED


def _set_current(v: SimVehicle, cmd: Command, link: UdpLink) -> int:
    return ACCEPTED if v.set_mission_current(cmd.i(1)) else DENIED


def _camera(v: SimVehicle, cmd: Command, link: UdpLink) -> int:
    v.autopilot.capture(-1, cmd.command)
    return ACCEPTED


Handler = Callable[["SimVehicle", Command, UdpLink], "int | None"]
_HANDLERS: dict[int, Handler] = {
    mavlink.MAV_CMD_COMPONENT_ARM_DISARM: _arm_disarm,
    mavlink.MAV_CMD_NAV_TAKEOFF: lambda v, c, ln: _switch(v, FlightMode.TAKEOFF, c, ln),
    mavlink.MAV_CMD_NAV_LAND: lambda v, c, ln: _switch(v, FlightMode.LAND, c, ln),
    mavlink.MAV_CMD_NAV_RETURN_TO_LAUNCH: lambda v, c, ln: _switch(v, FlightMode.RTL, c, ln),
    mavlink.MAV_CMD_DO_SET_MODE: _set_mode,
    mavlink.MAV_CMD_MISSION_START: _mission_start,
    mavlink.MAV_CMD_DO_REPOSITION: _reposition,
    mavlink.MAV_CMD_DO_CHANGE_SPEED: _change_speed,
    mavlink.MAV_CMD_SET_MESSAGE_INTERVAL: _message_interval,
    mavlink.MAV_CMD_REQUEST_MESSAGE: _request_message,
    mavlink.MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES: _autopilot_capabilities,
    mavlink.MAV_CMD_DO_SET_MISSION_CURRENT: _set_current,
    mavlink.MAV_CMD_IMAGE_START_CAPTURE: _camera,
    mavlink.MAV_CMD_DO_DIGICAM_CONTROL: _camera,
}
