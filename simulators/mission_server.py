"""The vehicle side of the MAVLink mission protocol, for mission, geofence and rally plans.

Upload: MISSION_COUNT -> MISSION_REQUEST_INT(seq) / MISSION_ITEM_INT ... -> MISSION_ACK; the
vehicle re-requests an item after 250 ms of silence and gives up after 5 s, as PX4 does.
Download: MISSION_REQUEST_LIST -> MISSION_COUNT, then MISSION_REQUEST_INT / MISSION_ITEM_INT
until the client's MISSION_ACK (a request from a client that did not ask for the list first is
ignored, as PX4 does). Also MISSION_CLEAR_ALL and MISSION_SET_CURRENT.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pymavlink.dialects.v20 import common as mavlink

from simulators.plan import MISSION_TYPES, PlanItem, item_result

RETRY_S = 0.25
TIMEOUT_S = 5.0
MAX_ITEMS = 500


class MessageSink(Protocol):
    """Where replies go: the link the request came on."""

    def send(self, msg: Any) -> None: ...


@dataclass
class _Upload:
    link: MessageSink
    partner: tuple[int, int]
    mission_type: int
    count: int
    items: list[PlanItem] = field(default_factory=list)
    last_rx_s: float = 0.0
    last_tx_s: float = 0.0


class MissionServer:
    """Runs at most one upload at a time; downloads are stateless request/reply."""

    def __init__(
        self,
        sysid: int,
        stored: Callable[[int], tuple[PlanItem, ...]],
        on_stored: Callable[[int, tuple[PlanItem, ...]], None],
        on_set_current: Callable[[int], bool],
    ) -> None:
        self.sysid = sysid
        self._stored = stored
        self._on_stored = on_stored
        self._on_set_current = on_set_current
        self._upload: _Upload | None = None
        self._finished: tuple[tuple[int, int], int, int] | None = None  # partner, type, count
        self._listed: set[tuple[tuple[int, int], int]] = set()  # (partner, type) downloading

    def handle(self, msg: Any, link: MessageSink, now_s: float) -> None:
        """Process one mission-protocol message addressed to this vehicle."""
        kind = msg.get_type()
        partner = (msg.get_srcSystem(), msg.get_srcComponent())
        if kind == "MISSION_COUNT":
            self._start_upload(msg, link, partner, now_s)
        elif kind in ("MISSION_ITEM_INT", "MISSION_ITEM"):
            self._receive_item(msg, link, partner, now_s)
        elif kind in ("MISSION_REQUEST_INT", "MISSION_REQUEST"):
            if (partner, msg.mission_type) in self._listed:  # PX4 ignores one out of a download
                self._send_item(msg, link, partner, as_int=kind == "MISSION_REQUEST_INT")
        elif kind == "MISSION_REQUEST_LIST":
            self._listed.add((partner, msg.mission_type))
            count = len(self._stored(msg.mission_type))
            link.send(mavlink.MAVLink_mission_count_message(*partner, count, msg.mission_type))
        elif kind == "MISSION_CLEAR_ALL":
            types = MISSION_TYPES if msg.mission_type == 255 else (msg.mission_type,)
            for mission_type in types:
                self._on_stored(mission_type, ())
            self._ack(link, partner, mavlink.MAV_MISSION_ACCEPTED, msg.mission_type)
        elif kind == "MISSION_SET_CURRENT" and not self._on_set_current(msg.seq):
            self._ack(link, partner, mavlink.MAV_MISSION_INVALID_SEQUENCE, 0)

    def poll(self, now_s: float) -> None:
        """Re-request the awaited item after silence; abandon a stalled upload."""
        up = self._upload
        if up is None:
            return
        if now_s - up.last_rx_s > TIMEOUT_S:
            self._upload = None
            self._ack(up.link, up.partner, mavlink.MAV_MISSION_OPERATION_CANCELLED, up.mission_type)
        elif now_s - up.last_tx_s > RETRY_S:
            self._request(up, now_s)

    def _start_upload(
        self, msg: Any, link: MessageSink, partner: tuple[int, int], now: float
    ) -> None:
        mission_type = msg.mission_type
        if mission_type not in MISSION_TYPES:
            self._ack(link, partner, mavlink.MAV_MISSION_UNSUPPORTED, mission_type)
            return
        if msg.count > MAX_ITEMS:
            self._ack(link, partner, mavlink.MAV_MISSION_NO_SPACE, mission_type)
            return
        if msg.count == 0:
            self._upload = None
            self._on_stored(mission_type, ())
            self._ack(link, partner, mavlink.MAV_MISSION_ACCEPTED, mission_type)
            return
        self._upload = _Upload(link, partner, mission_type, msg.count, last_rx_s=now)
        self._finished = None
        self._request(self._upload, now)

    def _request(self, up: _Upload, now_s: float) -> None:
        up.last_tx_s = now_s
        seq = len(up.items)
        up.link.send(mavlink.MAVLink_mission_request_int_message(*up.partner, seq, up.mission_type))

    def _receive_item(
        self, msg: Any, link: MessageSink, partner: tuple[int, int], now: float
    ) -> None:
        up = self._upload
        if up is None or up.partner != partner or msg.mission_type != up.mission_type:
            done = self._finished
            if done is not None and done[0] == partner and msg.seq == done[2] - 1:
                self._ack(link, partner, mavlink.MAV_MISSION_ACCEPTED, done[1])  # lost ACK
            return
        up.last_rx_s = now
        up.link = link
        if msg.seq != len(up.items):
            self._request(up, now)  # duplicate or out of order: ask again for the one we need
            return
        item, error = _parse_item(msg, up.mission_type)
        if error is not None:
            self._upload = None
            self._ack(link, partner, error, up.mission_type)
            return
        up.items.append(item)
        if len(up.items) < up.count:
            self._request(up, now)
            return
        self._upload = None
        self._finished = (partner, up.mission_type, up.count)
        self._on_stored(up.mission_type, tuple(up.items))
        self._ack(link, partner, mavlink.MAV_MISSION_ACCEPTED, up.mission_type)

    def _send_item(
        self, msg: Any, link: MessageSink, partner: tuple[int, int], as_int: bool
    ) -> None:
        items = self._stored(msg.mission_type)
        if not 0 <= msg.seq < len(items):
            self._ack(link, partner, mavlink.MAV_MISSION_INVALID_SEQUENCE, msg.mission_type)
            return
        link.send(_item_message(items[msg.seq], partner, as_int))

    def _ack(self, link: MessageSink, partner: tuple[int, int], result: int, mtype: int) -> None:
        link.send(mavlink.MAVLink_mission_ack_message(*partner, result, mtype))


def _parse_item(msg: Any, mission_type: int) -> tuple[PlanItem, int | None]:
    if msg.get_type() == "MISSION_ITEM":
        x, y = round(msg.x * 1e7), round(msg.y * 1e7)
    else:
        x, y = msg.x, msg.y
    item = PlanItem(
        seq=msg.seq, frame=msg.frame, command=msg.command,
        param1=msg.param1, param2=msg.param2, param3=msg.param3, param4=msg.param4,
        x=x, y=y, z=msg.z, autocontinue=msg.autocontinue, mission_type=mission_type,
    )  # fmt: skip
    result = item_result(msg.frame, msg.command, msg.param1)
    return item, None if result == mavlink.MAV_MISSION_ACCEPTED else result


def _item_message(item: PlanItem, partner: tuple[int, int], as_int: bool) -> Any:
    x: float = item.x
    y: float = item.y
    cls = mavlink.MAVLink_mission_item_int_message
    if not as_int:
        cls = mavlink.MAVLink_mission_item_message
        x, y = item.x * 1e-7, item.y * 1e-7
    return cls(
        *partner, item.seq, item.frame, item.command, 0, item.autocontinue,
        item.param1, item.param2, item.param3, item.param4, x, y, item.z, item.mission_type,
    )  # fmt: skip
