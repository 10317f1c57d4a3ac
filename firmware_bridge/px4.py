"""PX4 flight modes and their HEARTBEAT ``custom_mode`` encoding.

PX4 packs its mode in ``custom_mode`` as ``px4_custom_mode`` (commander/px4_custom_mode.h):
16 reserved bits, then the main mode in bits 16-23 and the sub mode in bits 24-31.

>>> hex(custom_mode_of(FlightMode.MISSION))
'0x4040000'
>>> decode_custom_mode(0x04040000)
<FlightMode.MISSION: 'mission'>
"""

from __future__ import annotations

from enum import Enum, IntEnum


class MainMode(IntEnum):
    """PX4_CUSTOM_MAIN_MODE."""

    MANUAL = 1
    ALTCTL = 2
    POSCTL = 3
    AUTO = 4
    ACRO = 5
    OFFBOARD = 6
    STABILIZED = 7
    RATTITUDE = 8
    TERMINATION = 9


class AutoSubMode(IntEnum):
    """PX4_CUSTOM_SUB_MODE_AUTO."""

    READY = 1
    TAKEOFF = 2
    LOITER = 3
    MISSION = 4
    RTL = 5
    LAND = 6
    FOLLOW_TARGET = 8
    PRECLAND = 9


class FlightMode(Enum):
    """A PX4 flight mode as users name it (QGroundControl/MAVSDK names)."""

    MANUAL = "manual"
    ALTITUDE = "altitude"
    POSITION = "position"
    ACRO = "acro"
    OFFBOARD = "offboard"
    STABILIZED = "stabilized"
    READY = "ready"
    TAKEOFF = "takeoff"
    HOLD = "hold"
    MISSION = "mission"
    RTL = "rtl"
    LAND = "land"
    FOLLOW_ME = "follow_me"
    PRECISION_LAND = "precision_land"
    TERMINATION = "termination"
    UNKNOWN = "unknown"


_MAIN_ONLY = {
    FlightMode.MANUAL: MainMode.MANUAL,
    FlightMode.ALTITUDE: MainMode.ALTCTL,
    FlightMode.POSITION: MainMode.POSCTL,
    FlightMode.ACRO: MainMode.ACRO,
    FlightMode.OFFBOARD: MainMode.OFFBOARD,
    FlightMode.STABILIZED: MainMode.STABILIZED,
    FlightMode.TERMINATION: MainMode.TERMINATION,
}
_AUTO = {
    FlightMode.READY: AutoSubMode.READY,
    FlightMode.TAKEOFF: AutoSubMode.TAKEOFF,
    FlightMode.HOLD: AutoSubMode.LOITER,
    FlightMode.MISSION: AutoSubMode.MISSION,
    FlightMode.RTL: AutoSubMode.RTL,
    FlightMode.LAND: AutoSubMode.LAND,
    FlightMode.FOLLOW_ME: AutoSubMode.FOLLOW_TARGET,
    FlightMode.PRECISION_LAND: AutoSubMode.PRECLAND,
}
_BY_MAIN: dict[int, FlightMode] = {int(main): mode for mode, main in _MAIN_ONLY.items()}
_BY_AUTO_SUB: dict[int, FlightMode] = {int(sub): mode for mode, sub in _AUTO.items()}

# base_mode flags of HEARTBEAT (MAV_MODE_FLAG).
MODE_FLAG_CUSTOM_MODE_ENABLED = 1
MODE_FLAG_SAFETY_ARMED = 128


def main_and_sub_mode(mode: FlightMode) -> tuple[int, int]:
    """Return PX4's ``(main_mode, sub_mode)`` for ``mode``.

    Args:
        mode: any mode but :attr:`FlightMode.UNKNOWN`.

    Returns:
        The pair sent as DO_SET_MODE's param2/param3.

    Raises:
        ValueError: ``mode`` is UNKNOWN.
    """
    if mode in _MAIN_ONLY:
        return int(_MAIN_ONLY[mode]), 0
    if mode in _AUTO:
        return int(MainMode.AUTO), int(_AUTO[mode])
    raise ValueError(f"flight mode {mode} has no PX4 encoding")


def custom_mode_of(mode: FlightMode) -> int:
    """Return the 32-bit HEARTBEAT ``custom_mode`` PX4 reports in ``mode``."""
    main, sub = main_and_sub_mode(mode)
    return (main << 16) | (sub << 24)


def decode_custom_mode(custom_mode: int) -> FlightMode:
    """Return the flight mode in a PX4 HEARTBEAT ``custom_mode`` (UNKNOWN when unnamed)."""
    main = (custom_mode >> 16) & 0xFF
    sub = (custom_mode >> 24) & 0xFF
    if main == MainMode.AUTO:
        return _BY_AUTO_SUB.get(sub, FlightMode.UNKNOWN)
    return _BY_MAIN.get(main, FlightMode.UNKNOWN)
