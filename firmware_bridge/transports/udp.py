"""UDP transports: ``udpin`` (bind, reply to each sender) and ``udpout`` (fixed peer)."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Any

from firmware_bridge.errors import TransportError
from firmware_bridge.transports.base import Receiver

_MAX_PEERS = 65536  # a bound on remembered senders, so spoofed floods cannot grow memory


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, owner: UdpTransport) -> None:
        self._owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._owner.on_datagram(data, addr)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a vanished peer: UDP carries on.
        self._owner.errors += 1


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
        self._transport: asyncio.DatagramTransport | None = None
        self._peers: dict[tuple[Any, ...], None] = {}

    async def start(self, receiver: Receiver) -> None:
        """Bind (udpin) or connect (udpout) the socket and start receiving."""
        self._receiver = receiver
        loop = asyncio.get_running_loop()
        addr = (self.host, self.port)
        local, remote = (addr, None) if self.listen else (None, addr)
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Protocol(self), local_addr=local, remote_addr=remote
            )
        except OSError as exc:
            mode = "bind" if self.listen else "reach"
            raise TransportError(f"cannot {mode} UDP {self.host}:{self.port}: {exc}") from exc
        self._transport = transport

    @property
    def local_port(self) -> int:
        """The port the socket is bound to (useful when bound to port 0)."""
        assert self._transport is not None
        return int(self._transport.get_extra_info("sockname")[1])

    def on_datagram(self, data: bytes, addr: tuple[Any, ...]) -> None:
        """Record the sender and hand the datagram to the receiver."""
        if self.listen and addr not in self._peers and len(self._peers) < _MAX_PEERS:
            self._peers[addr] = None
        if self._receiver is not None:
            self._receiver(data, addr)

    def send(self, data: bytes, peer: Hashable | None = None) -> None:
        """Send to ``peer`` (udpin), to the fixed peer (udpout) or to every known peer."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if not self.listen:
            transport.sendto(data)
        elif isinstance(peer, tuple):
            transport.sendto(data, peer)
        else:
            for addr in self._peers:
                transport.sendto(data, addr)

    async def aclose(self) -> None:
        """Close the socket."""
        self._receiver = None
        if self._transport is not None:
            self._transport.close()
