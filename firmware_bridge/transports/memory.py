"""In-memory transport for tests: two connected ends, optional seeded packet loss."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Hashable

from firmware_bridge.errors import TransportError
from firmware_bridge.transports.base import Receiver


class MemoryTransport:
    """One end of an in-memory link; :func:`memory_pair` makes two connected ends.

    Args:
        name: this end's peer identity as seen by the other end.
        loss: probability in [0, 1) that a sent chunk is dropped.
        rng: the random source for ``loss`` (seed it for reproducible tests).
    """

    datagram = True

    def __init__(self, name: str, loss: float = 0.0, rng: random.Random | None = None) -> None:
        self.name = name
        self.loss = loss
        self._rng = rng or random.Random(0)
        self._receiver: Receiver | None = None
        self._other: MemoryTransport | None = None
        self.sent_chunks = 0

    def connect(self, other: MemoryTransport) -> None:
        """Wire this end to ``other`` (and back)."""
        self._other, other._other = other, self

    async def start(self, receiver: Receiver) -> None:
        """Start delivering what the other end sends to ``receiver``."""
        self._receiver = receiver

    def send(self, data: bytes, peer: Hashable | None = None) -> None:
        """Deliver ``data`` to the other end on the next loop iteration (unless lost)."""
        if self._other is None:
            raise TransportError(f"memory transport {self.name!r} is not connected")
        self.sent_chunks += 1
        if self.loss and self._rng.random() < self.loss:
            return
        asyncio.get_running_loop().call_soon(self._other.deliver, bytes(data), self.name)

    def deliver(self, data: bytes, peer: Hashable) -> None:
        """Hand ``data`` to this end's receiver, as if it had arrived from ``peer``."""
        if self._receiver is not None:
            self._receiver(data, peer)

    async def aclose(self) -> None:
        """Stop delivering."""
        self._receiver = None


def memory_pair(loss: float = 0.0, seed: int = 0) -> tuple[MemoryTransport, MemoryTransport]:
    """Return two connected ends (``"gcs"`` and ``"vehicle"``) dropping ``loss`` of chunks."""
    rng = random.Random(seed)
    gcs = MemoryTransport("gcs", loss, rng)
    vehicle = MemoryTransport("vehicle", loss, rng)
    gcs.connect(vehicle)
    return gcs, vehicle
