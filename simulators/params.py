"""A few PX4 parameters over PARAM_REQUEST_LIST / PARAM_REQUEST_READ / PARAM_SET.

PX4 packs integer parameters byte-for-byte into PARAM_VALUE's float field
(MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_BYTEWISE); :func:`wire_value` does the same.

>>> import struct
>>> struct.unpack("<i", struct.pack("<f", wire_value(7, INT32)))[0]
7
"""

from __future__ import annotations

import struct
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from simulators.config import AutopilotConfig

INT32 = mavlink.MAV_PARAM_TYPE_INT32
REAL32 = mavlink.MAV_PARAM_TYPE_REAL32


def wire_value(value: float, param_type: int) -> float:
    """Return the float PARAM_VALUE carries for ``value`` (ints packed byte-wise)."""
    if param_type == INT32:
        return float(struct.unpack("<f", struct.pack("<i", int(value)))[0])
    return float(value)


def host_value(wire: float, param_type: int) -> float:
    """Inverse of :func:`wire_value` (PARAM_SET from a client)."""
    if param_type == INT32:
        return float(struct.unpack("<i", struct.pack("<f", wire))[0])
    return wire


def default_params(config: AutopilotConfig, sysid: int) -> dict[str, tuple[float, int]]:
    """The parameter table: name -> (value, MAV_PARAM_TYPE)."""
    return {
        "MAV_SYS_ID": (sysid, INT32),
        "SYS_HITL": (0, INT32),
        "CAL_ACC0_ID": (1310988, INT32),
        "CAL_GYRO0_ID": (1310988, INT32),
        "CAL_MAG0_ID": (197388, INT32),
        "MIS_TAKEOFF_ALT": (config.takeoff_alt_m, REAL32),
        "RTL_RETURN_ALT": (config.rtl_alt_m, REAL32),
        "NAV_ACC_RAD": (config.acceptance_radius_m, REAL32),
        "MPC_LAND_SPEED": (config.land_speed_mps, REAL32),
        "COM_DISARM_LAND": (config.disarm_after_land_s, REAL32),
        "BAT_LOW_THR": (config.low_battery, REAL32),
        "BAT_CRIT_THR": (config.critical_battery, REAL32),
        "COM_DL_LOSS_T": (config.datalink_timeout_wall_s, INT32),
        "NAV_DLL_ACT": (_DLL_CODES[config.datalink_loss_action.value], INT32),
        "GF_ACTION": (_GF_CODES[config.geofence_action.value], INT32),
    }


_DLL_CODES = {"none": 0, "warn": 0, "hold": 1, "rtl": 2, "land": 3}
_GF_CODES = {"none": 0, "warn": 1, "hold": 2, "rtl": 3, "land": 5}


class ParamTable:
    """Answers the parameter protocol from a fixed-size table."""

    def __init__(self, values: dict[str, tuple[float, int]]) -> None:
        self.values = dict(values)
        self.names = list(values)

    def handle(self, msg: Any, link: Any) -> None:
        """Answer PARAM_REQUEST_LIST / PARAM_REQUEST_READ / PARAM_SET on ``link``."""
        kind = msg.get_type()
        if kind == "PARAM_REQUEST_LIST":
            for each in self.names:
                link.send(self.value_message(each))
            return
        name: str | None = None
        if kind == "PARAM_REQUEST_READ":
            name = self.lookup(msg)
        elif kind == "PARAM_SET":
            name = self.set(msg)
        if name is not None:
            link.send(self.value_message(name))

    def value_message(self, name: str) -> Any:
        """PARAM_VALUE for ``name`` (KeyError when unknown)."""
        value, param_type = self.values[name]
        return mavlink.MAVLink_param_value_message(
            name.encode(), wire_value(value, param_type), param_type,
            len(self.names), self.names.index(name),
        )  # fmt: skip

    def lookup(self, msg: Any) -> str | None:
        """Name a PARAM_REQUEST_READ asks for (by id, else by index)."""
        name = _param_id(msg.param_id)
        if msg.param_index >= 0 and not name:
            return self.names[msg.param_index] if msg.param_index < len(self.names) else None
        return name if name in self.values else None

    def set(self, msg: Any) -> str | None:
        """Apply a PARAM_SET; returns the name when known."""
        name = _param_id(msg.param_id)
        if name not in self.values:
            return None
        _, param_type = self.values[name]
        self.values[name] = (host_value(msg.param_value, param_type), param_type)
        return name


def _param_id(raw: Any) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    return str(raw).rstrip("\x00")
