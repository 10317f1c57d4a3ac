"""PX4 flight modes as HEARTBEAT carries them (``px4_custom_mode.h``).

``custom_mode`` packs the main mode in bits 16-23 and the auto sub mode in bits 24-31; the low 16
bits are reserved (zero). ``base_mode`` carries MAV_MODE_FLAG bits.

>>> custom_mode_of(FlightMode.MISSION) == (4 << 16) | (4 << 24)
True
>>> flight_mode_from_custom(custom_mode_of(FlightMode.RTL))
<FlightMode.RTL: 'rtl'>
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


class AutoSubMode(IntEnum):
    """PX4_CUSTOM_SUB_MODE_AUTO."""

    READY = 1
    TAKEOFF = 2
    LOITER = 3
    MISSION = 4
    RTL = 5
    LAND = 6


class FlightMode(Enum):
    """The PX4 modes the simulator flies."""

    MANUAL = "manual"
    POSCTL = "posctl"
    HOLD = "hold"
    TAKEOFF = "takeoff"
    MISSION = "mission"
    RTL = "rtl"
    LAND = "land"


_ENCODING: dict[FlightMode, tuple[int, int]] = {
    FlightMode.MANUAL: (MainMode.MANUAL, 0),
    FlightMode.POSCTL: (MainMode.POSCTL, 0),
    FlightMode.HOLD: (MainMode.AUTO, AutoSubMode.LOITER),
    FlightMode.TAKEOFF: (MainMode.AUTO, AutoSubMode.TAKEOFF),
    FlightMode.MISSION: (MainMode.AUTO, AutoSubMode.MISSION),
    FlightMode.RTL: (MainMode.AUTO, AutoSubMode.RTL),
    FlightMode.LAND: (MainMode.AUTO, AutoSubMode.LAND),
}
_DECODING = {value: mode for mode, value in _ENCODING.items()}

# MAV_MODE_FLAG bits
FLAG_CUSTOM_MODE_ENABLED = 1
FLAG_AUTO_ENABLED = 4
FLAG_GUIDED_ENABLED = 8
FLAG_STABILIZE_ENABLED = 16
FLAG_MANUAL_INPUT_ENABLED = 64
FLAG_SAFETY_ARMED = 128


def custom_mode_of(mode: FlightMode) -> int:
    """Return HEARTBEAT.custom_mode for ``mode``."""
    main, sub = _ENCODING[mode]
    return (main << 16) | (sub << 24)


def flight_mode_from_custom(custom_mode: int) -> FlightMode | None:
    """Return the mode packed in ``custom_mode``, or None for one the simulator does not fly."""
    return flight_mode_from_main_sub((custom_mode >> 16) & 0xFF, (custom_mode >> 24) & 0xFF)


def flight_mode_from_main_sub(main: int, sub: int) -> FlightMode | None:
    """Return the mode for a DO_SET_MODE main/sub pair (sub ignored outside AUTO)."""
    if main != MainMode.AUTO:
        sub = 0
    if main in (MainMode.ALTCTL, MainMode.STABILIZED):
        main = MainMode.POSCTL
    return _DECODING.get((main, sub))


def base_mode_of(mode: FlightMode, armed: bool) -> int:
    """Return HEARTBEAT.base_mode flags as PX4 sets them."""
    flags = FLAG_CUSTOM_MODE_ENABLED | FLAG_MANUAL_INPUT_ENABLED | FLAG_STABILIZE_ENABLED
    if _ENCODING[mode][0] == MainMode.AUTO:
        flags |= FLAG_AUTO_ENABLED | FLAG_GUIDED_ENABLED
    elif mode is FlightMode.POSCTL:
        flags |= FLAG_GUIDED_ENABLED
    if armed:
        flags |= FLAG_SAFETY_ARMED
    return flags
