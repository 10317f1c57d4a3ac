"""The MAVLink parameter protocol as PX4 speaks it (read and write one parameter).

PX4 sends integer parameters byte-for-byte in PARAM_VALUE's float field (the 4 bytes of the
int32 reinterpreted as a float32), not converted. So does it expect them in PARAM_SET.

>>> _host_value(_wire_value(7, INT32), INT32)
7
>>> _host_value(_wire_value(2.5, REAL32), REAL32)
2.5
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.channel import Channel
from firmware_bridge.errors import ParameterError

PARAM_VALUE_ID = mavlink.MAVLINK_MSG_ID_PARAM_VALUE
PARAM_IDS = frozenset({PARAM_VALUE_ID})
INT32: int = mavlink.MAV_PARAM_TYPE_INT32
REAL32: int = mavlink.MAV_PARAM_TYPE_REAL32
_INT_TYPES = frozenset(range(1, 7))  # UINT8 .. INT32: all carried byte-wise by PX4


@dataclass(frozen=True, slots=True)
class ParamPolicy:
    """Timing of the parameter protocol."""

    timeout_s: float = 1.0
    retries: int = 3


def _wire_value(value: float, param_type: int) -> float:
    if param_type in _INT_TYPES:
        return float(struct.unpack("<f", struct.pack("<i", int(value)))[0])
    return float(value)


def _host_value(wire: float, param_type: int) -> int | float:
    if param_type in _INT_TYPES:
        return int(struct.unpack("<i", struct.pack("<f", wire))[0])
    return float(struct.unpack("<f", struct.pack("<f", wire))[0])


def _name(msg: Any) -> str:
    raw = msg.param_id
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
    return text.rstrip("\x00")


async def read_param(channel: Channel, name: str, policy: ParamPolicy) -> int | float:
    """Read parameter ``name`` (PARAM_REQUEST_READ -> PARAM_VALUE).

    Raises:
        ParameterError: no PARAM_VALUE for ``name`` after the retries (unknown name or no link).
    """
    request = channel.mav.param_request_read_encode(
        channel.target_system, channel.target_component, name.encode("ascii"), -1
    )
    msg = await _exchange(channel, name, request, policy)
    return _host_value(msg.param_value, msg.param_type)


async def write_param(
    channel: Channel, name: str, value: int | float, policy: ParamPolicy
) -> int | float:
    """Set parameter ``name``: an ``int`` is sent as INT32, a ``float`` as REAL32.

    Returns:
        The value the vehicle reports back (it may clamp or refuse and keep the old value).

    Raises:
        ParameterError: no PARAM_VALUE echo for ``name`` after the retries.
    """
    param_type = INT32 if isinstance(value, int) else REAL32
    request = channel.mav.param_set_encode(
        channel.target_system,
        channel.target_component,
        name.encode("ascii"),
        _wire_value(value, param_type),
        param_type,
    )
    msg = await _exchange(channel, name, request, policy)
    return _host_value(msg.param_value, msg.param_type)


async def _exchange(channel: Channel, name: str, request: Any, policy: ParamPolicy) -> Any:
    if len(name) > 16:
        raise ParameterError(f"parameter name {name!r} is longer than MAVLink's 16 characters")
    with channel.expect(PARAM_VALUE_ID) as inbox:
        for _ in range(policy.retries + 1):
            channel.send(request)
            try:
                async with asyncio.timeout(policy.timeout_s):
                    while _name(msg := await inbox.get()) != name:
                        pass
            except TimeoutError:
                continue
            return msg
    raise ParameterError(
        f"system {channel.target_system}: no PARAM_VALUE for {name} after "
        f"{policy.retries + 1} requests"
    )
