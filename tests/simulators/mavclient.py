"""A minimal asyncio MAVLink ground station for the simulator tests (raw pymavlink, real UDP)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

GCS_SYSID, GCS_COMPID = 245, 190


class MavClient(asyncio.DatagramProtocol):
    """Receives every message into a queue; sends to the last vehicle address seen."""

    def __init__(self) -> None:
        self.mav = mavlink.MAVLink(None, srcSystem=GCS_SYSID, srcComponent=GCS_COMPID)
        self.mav.robust_parsing = True
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.history: list[Any] = []
        self.transport: asyncio.DatagramTransport | None = None
        self.peer: tuple[str, int] | None = None
        self.drop_outgoing: Callable[[Any], bool] = lambda msg: False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.peer = addr
        self.mav.buf, self.mav.buf_index = bytearray(), 0
        self.mav.expected_length = mavlink.HEADER_LEN_V1 + 2
        for msg in self.mav.parse_buffer(data) or []:
            if msg.get_type() != "BAD_DATA":
                self.queue.put_nowait(msg)
                self.history.append(msg)

    def send(self, msg: Any, addr: tuple[str, int] | None = None) -> None:
        """Send one message to ``addr`` (default: the vehicle that last spoke)."""
        if self.drop_outgoing(msg):
            return
        buf = msg.pack(self.mav)
        self.mav.seq = (self.mav.seq + 1) & 0xFF
        assert self.transport is not None
        self.transport.sendto(buf, addr or self.peer)

    def command(self, sysid: int, command: int, *params: float) -> None:
        """COMMAND_LONG with params 1..7 (missing ones are 0)."""
        p = [*params, *([0.0] * (7 - len(params)))]
        self.send(mavlink.MAVLink_command_long_message(sysid, 1, command, 0, *p))

    async def expect(
        self,
        kind: str | tuple[str, ...],
        where: Callable[[Any], bool] = lambda m: True,
        timeout_s: float = 5.0,
    ) -> Any:
        """The next message of type ``kind`` (or one of them) matching ``where``.

        Raises:
            TimeoutError: none came within ``timeout_s``.
        """
        kinds = (kind,) if isinstance(kind, str) else kind
        async with asyncio.timeout(timeout_s):
            while True:
                msg = await self.queue.get()
                if msg.get_type() in kinds and where(msg):
                    return msg

    async def seen(
        self, kind: str, where: Callable[[Any], bool] = lambda m: True, timeout_s: float = 5.0
    ) -> Any:
        """Like :meth:`expect`, but also matches what already arrived (the history)."""
        for msg in self.history:
            if msg.get_type() == kind and where(msg):
                return msg
        return await self.expect(kind, where, timeout_s)

    async def messages(self, duration_s: float) -> list[Any]:
        """Everything received during ``duration_s``."""
        out: list[Any] = []
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(duration_s):
                while True:
                    out.append(await self.queue.get())
        return out

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


@contextlib.asynccontextmanager
async def mav_client(port: int = 0) -> AsyncIterator[MavClient]:
    """A client bound to 127.0.0.1:``port`` (0: any free port)."""
    loop = asyncio.get_running_loop()
    client = MavClient()
    await loop.create_datagram_endpoint(lambda: client, local_addr=("127.0.0.1", port))
    try:
        yield client
    finally:
        client.close()


def item(
    seq: int,
    command: int = mavlink.MAV_CMD_NAV_WAYPOINT,
    lat_deg: float = 0.0,
    lon_deg: float = 0.0,
    z: float = 0.0,
    params: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0),
    mission_type: int = mavlink.MAV_MISSION_TYPE_MISSION,
    frame: int = mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
    sysid: int = 1,
) -> Any:
    """A MISSION_ITEM_INT addressed to ``sysid``."""
    return mavlink.MAVLink_mission_item_int_message(
        sysid, 1, seq, frame, command, 0, 1, *params,
        round(lat_deg * 1e7), round(lon_deg * 1e7), z, mission_type,
    )  # fmt: skip


async def upload(
    client: MavClient, items: list[Any], mission_type: int = 0, sysid: int = 1, retry_s: float = 0
) -> int:
    """Upload ``items``; returns MISSION_ACK.type. With ``retry_s``, resend on silence."""
    count_msg = mavlink.MAVLink_mission_count_message(sysid, 1, len(items), mission_type)
    client.send(count_msg)
    last: Any = count_msg
    top = -1  # resend on silence the highest item requested, never a late duplicate's
    while True:
        try:
            msg = await client.expect(
                ("MISSION_REQUEST_INT", "MISSION_ACK"),
                lambda m: m.mission_type == mission_type and m.get_srcSystem() == sysid,
                timeout_s=retry_s or 5.0,
            )
        except TimeoutError:
            if not retry_s:
                raise
            client.send(last)
            continue
        if msg.get_type() == "MISSION_ACK":
            return int(msg.type)
        client.send(items[msg.seq])
        if msg.seq >= top:
            top, last = msg.seq, items[msg.seq]


async def download(client: MavClient, mission_type: int = 0, sysid: int = 1) -> list[Any]:
    """Download a plan with MISSION_REQUEST_LIST / MISSION_REQUEST_INT."""
    client.send(mavlink.MAVLink_mission_request_list_message(sysid, 1, mission_type))
    count = await client.expect("MISSION_COUNT", lambda m: m.mission_type == mission_type)
    got = []
    for seq in range(count.count):
        client.send(mavlink.MAVLink_mission_request_int_message(sysid, 1, seq, mission_type))
        got.append(await client.expect("MISSION_ITEM_INT", _seq_is(seq)))
    client.send(mavlink.MAVLink_mission_ack_message(sysid, 1, 0, mission_type))
    return got


MISSION_MODE = (4 << 16) | (4 << 24)


async def start_mission(client: MavClient, sysid: int = 1, attempts: int = 5) -> int:
    """MISSION_START until the HEARTBEAT shows Mission mode (PX4 may reject it late).

    Returns:
        How many attempts it took.
    """
    for attempt in range(1, attempts + 1):
        client.command(sysid, mavlink.MAV_CMD_MISSION_START, 0, 0)
        reply = await client.expect(
            ("COMMAND_ACK", "HEARTBEAT"),
            _rejected_or_in_mission,
        )
        if reply.get_type() == "HEARTBEAT":
            return attempt
    raise AssertionError(f"vehicle {sysid} never entered Mission mode")


def _seq_is(seq: int) -> Callable[[Any], bool]:
    return lambda msg: bool(msg.seq == seq)


def _rejected_or_in_mission(msg: Any) -> bool:
    if msg.get_type() == "COMMAND_ACK":
        return bool(msg.result != mavlink.MAV_RESULT_ACCEPTED)
    return bool(msg.custom_mode == MISSION_MODE)
