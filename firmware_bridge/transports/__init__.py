"""Byte transports under a MAVLink connection: UDP, TCP, serial and in-memory.

Every transport implements :class:`~firmware_bridge.transports.base.Transport`; the hub feeds
what arrives to one parser and sends replies to the peer a vehicle last spoke from.
"""

from firmware_bridge.transports.base import Receiver, Transport
from firmware_bridge.transports.memory import MemoryTransport, memory_pair
from firmware_bridge.transports.open import open_transport

__all__ = ["MemoryTransport", "Receiver", "Transport", "memory_pair", "open_transport"]
