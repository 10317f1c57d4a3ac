"""UDP transports: ``udpin`` (bind, reply to each sender) and ``udpout`` (fixed peer).

A fleet sends thousands of small datagrams a second to one socket. asyncio's datagram
transport reads one datagram per event-loop wake-up; this transport drains the socket on each
wake-up instead (up to a bound, so other tasks still run), which keeps the loop's per-datagram
overhead small. Sending is non-blocking; a full send buffer drops the datagram, as UDP may.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Hashable
from typing import Any

from firmware_bridge.errors import TransportError
from firmware_bridge.transports.base import Receiver

# Room for a fleet's bursts while the process is not scheduled: the kernel charges about 1 KiB
# per small datagram, so 4 MiB (Linux's usual rmem_max, which caps it) holds ~0.3 s of 500
# PX4s. A bridge that cannot keep up at all loses telemetry rather than queueing it forever.
_RECEIVE_BUFFER_BYTES = 4 << 20
_MAX_DATAGRAM = 65535
_DRAIN_BATCH = 256  # datagrams read per wake-up before yielding to other tasks
_MAX_PEERS = 65536  # a bound on remembered senders, so spoofed floods cannot grow memory


class UdpTransport:
    """A UDP socket, listening (``udpin``) or sending to a fixed peer (``udpout``).

    Args:
        host: bind address for ``udpin``, peer address for ``udpout``.
        port: bind port for ``udpin``, peer port for ``udpout``.
        listen: ``True`` for ``udpin``.
    """

    datagram = True

    def __init__(self, host: str, port: int, *, listen: bool) -> None:
        self.host, self.port, self.listen = host, port, listen
        self.errors = 0
        self._receiver: Receiver | None = None
        self._sock: socket.socket | None = None
        self._peers: dict[tuple[Any, ...], None] = {}

    async def start(self, receiver: Receiver) -> None:
        """Bind (udpin) or connect (udpout) the socket and start receiving."""
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)
            family, _, _, _, addr = infos[0]
            sock = socket.socket(family, socket.SOCK_DGRAM)
        except OSError as exc:
            raise TransportError(f"cannot resolve UDP {self.host}:{self.port}: {exc}") from exc
        try:
            sock.setblocking(False)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER_BYTES)
            if self.listen:
                sock.bind(addr)
            else:
                sock.connect(addr)
        except OSError as exc:
            sock.close()
            mode = "bind" if self.listen else "reach"
            raise TransportError(f"cannot {mode} UDP {self.host}:{self.port}: {exc}") from exc
        self._sock, self._receiver = sock, receiver
        loop.add_reader(sock.fileno(), self._drain)

    @property
    def local_port(self) -> int:
        """The port the socket is bound to (useful when bound to port 0)."""
        assert self._sock is not None
        return int(self._sock.getsockname()[1])

    def _drain(self) -> None:
        sock, receiver = self._sock, self._receiver
        if sock is None or receiver is None:
            return
        recvfrom, peers, listen = sock.recvfrom, self._peers, self.listen
        for _ in range(_DRAIN_BATCH):
            try:
                data, addr = recvfrom(_MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # ICMP port unreachable from a vanished peer: UDP carries on
                self.errors += 1
                continue
            if listen and addr not in peers and len(peers) < _MAX_PEERS:
                peers[addr] = None
            receiver(data, addr)

    def send(self, data: bytes, peer: Hashable | None = None) -> None:
        """Send to ``peer`` (udpin), to the fixed peer (udpout) or to every known peer."""
        sock = self._sock
        if sock is None:
            return
        try:
            if not self.listen:
                sock.send(data)
            elif isinstance(peer, tuple):
                sock.sendto(data, peer)
            else:
                for addr in self._peers:
                    sock.sendto(data, addr)
        except (BlockingIOError, InterruptedError):
            self.errors += 1  # send buffer full: dropped, as a radio or UDP would
        except OSError:
            self.errors += 1  # e.g. the udpout peer is not listening yet

    async def aclose(self) -> None:
        """Close the socket."""
        self._receiver = None
        if self._sock is not None:
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
