"""One MAVLink-over-UDP link of a simulated vehicle, with per-vehicle fault injection.

A link first sends to a configured remote address and then replies to the client that last
sent to it (PX4 SITL keeps the first one). Another autopilot's traffic is not a client: PX4
SITL's other links send to ports of the same range (its SIH display link to 19410 + i + offset).
Faults (packet loss, latency with jitter, a link drop for N seconds) apply to both directions.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any, cast

from pymavlink.dialects.v20 import common as mavlink

from simulators.wire import encode

Address = tuple[str, int]
_NOT_FOR_US = (mavlink.MAVLink_bad_data, mavlink.MAVLink_unknown)
_log = logging.getLogger(__name__)


class LinkFaults:
    """Link faults of one vehicle, changed at run time by tests and the CLI."""

    def __init__(self, seed: int = 0) -> None:
        self.loss = 0.0
        self.latency_s = 0.0
        self.jitter_s = 0.0
        self.down_until_s = float("-inf")
        self._rng = random.Random(seed)

    @property
    def active(self) -> bool:
        """True when any fault is configured (the fast path skips all of this)."""
        return self.loss > 0 or self.latency_s > 0 or self.jitter_s > 0 or self.down_until_s > 0

    def drops(self, now_s: float) -> bool:
        """Should this packet be lost?"""
        return now_s < self.down_until_s or (self.loss > 0 and self._rng.random() < self.loss)

    def delay_s(self) -> float:
        """Latency for this packet."""
        if self.jitter_s <= 0:
            return self.latency_s
        return max(0.0, self.latency_s + self._rng.uniform(-self.jitter_s, self.jitter_s))


class UdpLink(asyncio.DatagramProtocol):
    """A bound UDP socket speaking MAVLink 2 as system ``sysid``, component 1 (autopilot)."""

    def __init__(
        self,
        name: str,
        sysid: int,
        remote: Address | None,
        faults: LinkFaults,
        on_message: Callable[[Any, UdpLink], None],
        clock: Callable[[], float],
    ) -> None:
        self.name = name
        self.sysid = sysid
        self.remote = remote
        self.faults = faults
        self._on_message = on_message
        self._clock = clock
        self.mav = mavlink.MAVLink(None, srcSystem=sysid, srcComponent=1)
        self.mav.robust_parsing = True
        self.transport: asyncio.DatagramTransport | None = None
        # msgid -> [next due (wall s), interval s, builder]: mutable for a cheap hot loop
        self.schedule: dict[int, list[Any]] = {}
        self._batch: list[bytes] = []
        self.next_due_s = 0.0
        self.sent = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP port unreachable while nobody listens yet: PX4 keeps sending too

    def datagram_received(self, data: bytes, addr: Address) -> None:
        if self.faults.active:
            if self.faults.drops(self._clock()):
                return
            delay = self.faults.delay_s()
            if delay > 0:
                asyncio.get_running_loop().call_later(delay, self._receive, data, addr)
                return
        self._receive(data, addr)

    def _receive(self, data: bytes, addr: Address) -> None:
        # A UDP datagram carries whole frames: never let a broken frame swallow the next one.
        self.mav.buf = bytearray()
        self.mav.buf_index = 0
        self.mav.expected_length = mavlink.HEADER_LEN_V1 + 2
        try:
            messages = self.mav.parse_buffer(data) or []
        except Exception:  # pymavlink raises on some malformed input even when robust
            return
        # a message of a type this dialect lacks (pymavlink leaves its header at system 0,
        # component 0) cannot be a client talking to us: PX4 SITL's SIH display link sends
        # CURRENT_EVENT_SEQUENCE (411), and taken for a client it stole the link's remote
        messages = [m for m in messages if not isinstance(m, _NOT_FOR_US)]
        if any(_from_client(m, self.sysid) for m in messages):
            self.remote = addr  # reply to whoever talks to us, as PX4 does
        for msg in messages:
            try:
                self._on_message(msg, self)
            except Exception:  # a malformed request must never stop the vehicle
                _log.exception("%s link of sysid %d: cannot handle %s", self.name, self.sysid, msg)

    def send(self, msg: Any, batch: bool = False) -> None:
        """Encode ``msg`` with this link's sequence number and send it to the remote.

        With ``batch``, the frame waits for :meth:`flush`, which sends all waiting frames in one
        datagram as PX4 does with the messages of one cycle.
        """
        seq = self.mav.seq
        buf = encode(msg, seq, self.sysid, 1)
        if buf is None:
            buf = msg.pack(self.mav)
        self.mav.seq = (seq + 1) & 0xFF
        if batch:
            self._batch.append(buf)
        else:
            self.send_bytes(buf)

    def flush(self) -> None:
        """Send the batched frames as one datagram."""
        if self._batch:
            self.send_bytes(b"".join(self._batch))
            self._batch.clear()

    def send_bytes(self, buf: bytes) -> None:
        """Send raw bytes through the fault model."""
        if self.transport is None or self.remote is None:
            return
        self.sent += 1
        if self.faults.active:
            if self.faults.drops(self._clock()):
                return
            delay = self.faults.delay_s()
            if delay > 0:
                asyncio.get_running_loop().call_later(delay, self._sendto, buf, self.remote)
                return
        self.transport.sendto(buf, self.remote)

    def _sendto(self, buf: bytes, remote: Address | None) -> None:
        if self.transport is not None and remote is not None and not self.transport.is_closing():
            self.transport.sendto(buf, remote)

    def close(self) -> None:
        """Close the socket."""
        if self.transport is not None:
            self.transport.close()


def _from_client(msg: Any, sysid: int) -> bool:
    """A ground station / companion (not another autopilot's telemetry) or a message for us."""
    return bool(msg.get_srcComponent() != 1 or getattr(msg, "target_system", -1) == sysid)
