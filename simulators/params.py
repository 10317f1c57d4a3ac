"""PX4 parameters over PARAM_REQUEST_LIST / PARAM_REQUEST_READ / PARAM_SET.

The table holds the parameters that change the simulator's behaviour (a PARAM_SET changes it
at once, as in PX4) and a few that clients read; a name it lacks is answered as PX4 answers an
unknown name: with nothing.

PX4 packs integer parameters byte-for-byte into PARAM_VALUE's float field
(MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_BYTEWISE); :func:`wire_value` does the same.

>>> import struct
>>> struct.unpack("<i", struct.pack("<f", wire_value(7, INT32)))[0]
7
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from simulators.config import AutopilotConfig, FailsafeAction

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


# PX4 parameters that change the simulator's behaviour: name -> AutopilotConfig field (REAL32)
CONFIG_FIELDS = {
    "MIS_TAKEOFF_ALT": "takeoff_alt_m",
    "RTL_RETURN_ALT": "rtl_alt_m",
    "RTL_DESCEND_ALT": "rtl_descend_alt_m",
    "RTL_LAND_DELAY": "rtl_land_delay_s",
    "NAV_ACC_RAD": "acceptance_radius_m",
    "NAV_MC_ALT_RAD": "alt_acceptance_m",
    "MPC_XY_CRUISE": "cruise_speed_mps",
    "MPC_TKO_SPEED": "takeoff_speed_mps",
    "MPC_LAND_SPEED": "land_speed_mps",
    "MPC_Z_VEL_MAX_UP": "max_climb_mps",
    "MPC_Z_VEL_MAX_DN": "max_descent_mps",
    "COM_DISARM_LAND": "disarm_after_land_s",
    "COM_DISARM_PRFLT": "disarm_preflight_s",
    "BAT_LOW_THR": "low_battery",
    "BAT_CRIT_THR": "critical_battery",
}
_DLL_CODES = {"none": 0, "warn": 0, "hold": 1, "rtl": 2, "land": 3}
_GF_CODES = {"none": 0, "warn": 1, "hold": 2, "rtl": 3, "land": 5}
_DLL_ACTIONS = {
    0: FailsafeAction.NONE,
    1: FailsafeAction.HOLD,
    2: FailsafeAction.RTL,
    3: FailsafeAction.LAND,
}
_GF_ACTIONS = {
    0: FailsafeAction.NONE, 1: FailsafeAction.WARN, 2: FailsafeAction.HOLD,
    3: FailsafeAction.RTL, 5: FailsafeAction.LAND,
}  # fmt: skip


def default_params(
    config: AutopilotConfig, sysid: int, speedup: float = 1.0
) -> dict[str, tuple[float, int]]:
    """The parameter table: name -> (value, MAV_PARAM_TYPE).

    COM_DL_LOSS_T counts simulated seconds, as PX4 SITL's rcS scales it by
    PX4_SIM_SPEED_FACTOR: the same wall-clock timeout reads ``speedup`` times larger.
    """
    table: dict[str, tuple[float, int]] = {
        "MAV_SYS_ID": (sysid, INT32),
        "SYS_HITL": (0, INT32),
        "CAL_ACC0_ID": (1310988, INT32),
        "CAL_GYRO0_ID": (1310988, INT32),
        "CAL_MAG0_ID": (197388, INT32),
    }
    for name, attribute in CONFIG_FIELDS.items():
        table[name] = (float(getattr(config, attribute)), REAL32)
    table["COM_DL_LOSS_T"] = (round(config.datalink_timeout_wall_s * speedup), INT32)
    table["NAV_DLL_ACT"] = (_DLL_CODES[config.datalink_loss_action.value], INT32)
    table["GF_ACTION"] = (_GF_CODES[config.geofence_action.value], INT32)
    return table


def config_from_params(
    values: dict[str, tuple[float, int]], config: AutopilotConfig, speedup: float = 1.0
) -> AutopilotConfig:
    """``config`` with what the parameter table says (the inverse of :func:`default_params`)."""
    changes: dict[str, Any] = {
        attribute: float(values[name][0]) for name, attribute in CONFIG_FIELDS.items()
    }
    changes["datalink_timeout_wall_s"] = values["COM_DL_LOSS_T"][0] / speedup
    changes["datalink_loss_action"] = _DLL_ACTIONS.get(
        int(values["NAV_DLL_ACT"][0]), config.datalink_loss_action
    )
    changes["geofence_action"] = _GF_ACTIONS.get(
        int(values["GF_ACTION"][0]), config.geofence_action
    )
    return replace(config, **changes)


class ParamTable:
    """Answers the parameter protocol from a fixed-size table."""

    def __init__(
        self,
        values: dict[str, tuple[float, int]],
        on_change: Callable[[dict[str, tuple[float, int]]], None] | None = None,
    ) -> None:
        self.values = dict(values)
        self.names = list(values)
        self._on_change = on_change

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
        """Apply a PARAM_SET; returns the name when known and of the parameter's type."""
        name = _param_id(msg.param_id)
        if name not in self.values:
            return None
        _, param_type = self.values[name]
        if msg.param_type != param_type:
            return None  # PX4 ignores a set of the wrong type: no PARAM_VALUE, value kept
        self.values[name] = (host_value(msg.param_value, param_type), param_type)
        if self._on_change is not None:
            self._on_change(self.values)
        return name


def _param_id(raw: Any) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    return str(raw).rstrip("\x00")
