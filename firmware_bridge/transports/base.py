"""The transport interface: bytes in (with the sender's address), bytes out (to a peer)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Protocol

# Called with (bytes, peer) for every chunk read; ``peer`` identifies the sender (an address).
Receiver = Callable[[bytes, Hashable], None]


class Transport(Protocol):
    """What the hub needs from a link.

    ``datagram`` says whether every received chunk holds whole MAVLink packets (UDP, memory)
    or is an arbitrary slice of a byte stream (TCP, serial).
    """

    datagram: bool

    async def start(self, receiver: Receiver) -> None:
        """Open the link and start delivering received bytes to ``receiver``."""
        ...

    def send(self, data: bytes, peer: Hashable | None = None) -> None:
        """Send ``data`` to ``peer`` (``None``: to every peer known to the link)."""
        ...

    async def aclose(self) -> None:
        """Close the link; nothing is delivered afterwards."""
        ...
