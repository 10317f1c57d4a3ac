"""The MAVLink mission protocol (mission, geofence and rally plans), both directions.

Upload: MISSION_COUNT, then one MISSION_ITEM_INT per MISSION_REQUEST(_INT), until MISSION_ACK.
Download: MISSION_REQUEST_LIST -> MISSION_COUNT, MISSION_REQUEST_INT(seq) -> MISSION_ITEM_INT,
then our MISSION_ACK. Each wait has the protocol's timeout (1.5 s by default, as QGroundControl
and MAVSDK use) and the last message is retransmitted on timeout up to ``retries`` times; any
answer that makes progress resets the retry budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.channel import Channel
from firmware_bridge.errors import MissionTransferError
from firmware_bridge.mission_item import MavFrame, MissionItem, MissionType

_GLOBAL_FRAMES = frozenset(
    {
        MavFrame.GLOBAL,
        MavFrame.GLOBAL_RELATIVE_ALT,
        MavFrame.GLOBAL_INT,
        MavFrame.GLOBAL_RELATIVE_ALT_INT,
        MavFrame.GLOBAL_TERRAIN_ALT,
        MavFrame.GLOBAL_TERRAIN_ALT_INT,
    }
)
_REQUEST_IDS = (mavlink.MAVLINK_MSG_ID_MISSION_REQUEST_INT, mavlink.MAVLINK_MSG_ID_MISSION_REQUEST)
_ACK_ID = mavlink.MAVLINK_MSG_ID_MISSION_ACK
_COUNT_ID = mavlink.MAVLINK_MSG_ID_MISSION_COUNT
_ITEM_INT_ID = mavlink.MAVLINK_MSG_ID_MISSION_ITEM_INT
MISSION_IDS = frozenset({*_REQUEST_IDS, _ACK_ID, _COUNT_ID, _ITEM_INT_ID})


class MissionResult(IntEnum):
    """MAV_MISSION_RESULT of MISSION_ACK (the values skyfleet names; others pass through)."""

    ACCEPTED = 0
    ERROR = 1
    UNSUPPORTED_FRAME = 2
    UNSUPPORTED = 3
    NO_SPACE = 4
    INVALID = 5
    INVALID_SEQUENCE = 13
    DENIED = 14
    OPERATION_CANCELLED = 15


@dataclass(frozen=True, slots=True)
class MissionPolicy:
    """Timing of the mission protocol: per-message timeout and retransmissions."""

    timeout_s: float = 1.5
    retries: int = 5


def encode_item(channel: Channel, seq: int, item: MissionItem, mission_type: int) -> Any:
    """Return the MISSION_ITEM_INT for ``item`` at ``seq`` (lat/lon as degE7 in global frames)."""
    if item.frame in _GLOBAL_FRAMES:
        x, y = round(item.x * 1e7), round(item.y * 1e7)
    else:
        x, y = round(item.x), round(item.y)
    return channel.mav.mission_item_int_encode(
        channel.target_system,
        channel.target_component,
        seq,
        int(item.frame),
        int(item.command),
        1 if seq == 0 else 0,
        int(item.autocontinue),
        item.param1,
        item.param2,
        item.param3,
        item.param4,
        x,
        y,
        item.z,
        mission_type,
    )


def decode_item(msg: Any) -> MissionItem:
    """Return the :class:`MissionItem` a MISSION_ITEM_INT carries."""
    scale = 1e-7 if msg.frame in _GLOBAL_FRAMES else 1.0
    return MissionItem(
        command=msg.command,
        frame=msg.frame,
        param1=msg.param1,
        param2=msg.param2,
        param3=msg.param3,
        param4=msg.param4,
        x=msg.x * scale,
        y=msg.y * scale,
        z=msg.z,
        autocontinue=bool(msg.autocontinue),
    )


async def upload(
    channel: Channel, items: Sequence[MissionItem], mission_type: int, policy: MissionPolicy
) -> None:
    """Upload ``items`` as the vehicle's plan of ``mission_type``.

    Raises:
        MissionTransferError: a MISSION_ACK other than ACCEPTED, or no answer after the retries.
    """
    what = MissionType(mission_type).name.lower()
    count = channel.mav.mission_count_encode(
        channel.target_system, channel.target_component, len(items), mission_type
    )
    async with channel.mission_lock:
        with channel.expect(*_REQUEST_IDS, _ACK_ID) as inbox:
            last = count
            top = -1  # the highest item requested: what the vehicle awaits, or its last one
            channel.send(last)
            while True:
                msg = await _next(channel, inbox, mission_type, policy, last, what)
                if _id_of(msg) == _ACK_ID:
                    _check_ack(msg, what)
                    return
                if 0 <= msg.seq < len(items):
                    item = encode_item(channel, msg.seq, items[msg.seq], mission_type)
                    channel.send(item)
                    # a late duplicate request for an earlier item is answered but is not what
                    # silence resends: after the last item only that one makes a vehicle repeat
                    # a lost ACK, an earlier one would be ignored until the retries ran out
                    if msg.seq >= top:
                        top, last = msg.seq, item


async def download(channel: Channel, mission_type: int, policy: MissionPolicy) -> list[MissionItem]:
    """Download the vehicle's plan of ``mission_type``.

    Raises:
        MissionTransferError: the vehicle refused, or did not answer after the retries.
    """
    what = MissionType(mission_type).name.lower()
    target = (channel.target_system, channel.target_component)
    async with channel.mission_lock:
        with channel.expect(_COUNT_ID, _ITEM_INT_ID, _ACK_ID) as inbox:
            request = channel.mav.mission_request_list_encode(*target, mission_type)
            channel.send(request)
            count_msg = await _until(channel, inbox, mission_type, policy, request, what, _COUNT_ID)
            items: list[MissionItem] = []
            for seq in range(count_msg.count):
                request = channel.mav.mission_request_int_encode(*target, seq, mission_type)
                channel.send(request)
                item = await _until(channel, inbox, mission_type, policy, request, what, seq=seq)
                items.append(decode_item(item))
            channel.send(channel.mav.mission_ack_encode(*target, 0, mission_type))
    return items


async def clear(channel: Channel, mission_type: int, policy: MissionPolicy) -> None:
    """Clear the vehicle's plan of ``mission_type`` (MISSION_CLEAR_ALL)."""
    what = MissionType(mission_type).name.lower()
    target = (channel.target_system, channel.target_component)
    async with channel.mission_lock:
        with channel.expect(_ACK_ID) as inbox:
            request = channel.mav.mission_clear_all_encode(*target, mission_type)
            channel.send(request)
            ack = await _until(channel, inbox, mission_type, policy, request, what, _ACK_ID)
            _check_ack(ack, what)


async def _until(
    channel: Channel,
    inbox: asyncio.Queue[Any],
    mission_type: int,
    policy: MissionPolicy,
    request: Any,
    what: str,
    msg_id: int = _ITEM_INT_ID,
    seq: int | None = None,
) -> Any:
    while True:
        msg = await _next(channel, inbox, mission_type, policy, request, what)
        if _id_of(msg) == _ACK_ID and msg_id != _ACK_ID:
            _check_ack(msg, what)  # a refusal ends the download
            continue
        if _id_of(msg) == msg_id and (seq is None or msg.seq == seq):
            return msg


async def _next(
    channel: Channel,
    inbox: asyncio.Queue[Any],
    mission_type: int,
    policy: MissionPolicy,
    last: Any,
    what: str,
) -> Any:
    """Return the next message of this plan type, resending ``last`` on each timeout."""
    for _ in range(policy.retries + 1):
        try:
            while True:
                msg = await asyncio.wait_for(inbox.get(), policy.timeout_s)
                if getattr(msg, "mission_type", 0) == mission_type:
                    return msg
        except TimeoutError:
            channel.send(last)
    raise MissionTransferError(
        f"{what} transfer with system {channel.target_system} timed out: no answer within "
        f"{policy.timeout_s} s after {policy.retries} retransmissions"
    )


def _check_ack(msg: Any, what: str) -> None:
    if msg.type != MissionResult.ACCEPTED:
        name = mavlink.enums["MAV_MISSION_RESULT"].get(msg.type)
        label = name.name if name is not None else str(msg.type)
        raise MissionTransferError(
            f"{what} transfer refused by the vehicle: {label}", result=msg.type
        )


def _id_of(msg: Any) -> int:
    return int(msg._header.msgId)
