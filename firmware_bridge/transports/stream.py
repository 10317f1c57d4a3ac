"""Byte-stream transports: ``tcpout`` (TCP client) and ``serial`` (POSIX tty, raw mode)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import tty
from collections.abc import Hashable

from firmware_bridge.errors import TransportError
from firmware_bridge.transports.base import Receiver

_READ_SIZE = 65536


class TcpTransport:
    """A TCP client connection to ``host:port`` (e.g. PX4 SITL's TCP MAVLink port)."""

    datagram = False

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None

    async def start(self, receiver: Receiver) -> None:
        """Connect and start reading."""
        try:
            reader, self._writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise TransportError(f"cannot connect TCP {self.host}:{self.port}: {exc}") from exc
        self._reader_task = asyncio.create_task(self._read(reader, receiver))

    async def _read(self, reader: asyncio.StreamReader, receiver: Receiver) -> None:
        peer = (self.host, self.port)
        while data := await reader.read(_READ_SIZE):
            receiver(data, peer)

    def send(self, data: bytes, peer: Hashable | None = None) -> None:
        """Write ``data`` to the connection."""
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(data)

    async def aclose(self) -> None:
        """Stop reading and close the connection."""
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()


class SerialTransport:
    """A serial port opened raw at a baud rate, read through the event loop (POSIX only)."""

    datagram = False

    def __init__(self, path: str, baudrate: int) -> None:
        self.path, self.baudrate = path, baudrate
        self._fd: int | None = None

    async def start(self, receiver: Receiver) -> None:
        """Open and configure the port, then read it whenever bytes are ready."""
        speed = getattr(termios, f"B{self.baudrate}", None)
        if speed is None:
            raise TransportError(f"serial {self.path}: unsupported baud rate {self.baudrate}")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            raise TransportError(f"cannot open serial port {self.path}: {exc}") from exc
        tty.setraw(fd)
        attrs = termios.tcgetattr(fd)
        attrs[4] = attrs[5] = speed
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
        self._fd = fd
        asyncio.get_running_loop().add_reader(fd, self._on_readable, receiver)

    def _on_readable(self, receiver: Receiver) -> None:
        assert self._fd is not None
        with contextlib.suppress(BlockingIOError):
            receiver(os.read(self._fd, _READ_SIZE), self.path)

    def send(self, data: bytes, peer: Hashable | None = None) -> None:
        """Write ``data`` (a full serial buffer drops the rest, as a radio would)."""
        if self._fd is not None:
            with contextlib.suppress(BlockingIOError):
                os.write(self._fd, data)

    async def aclose(self) -> None:
        """Stop reading and close the port."""
        if self._fd is not None:
            asyncio.get_running_loop().remove_reader(self._fd)
            os.close(self._fd)
            self._fd = None
