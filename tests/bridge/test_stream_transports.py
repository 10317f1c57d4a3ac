"""The byte-stream transports for real: TCP on loopback and a serial line (a pseudo-terminal)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Hashable

from firmware_bridge.hub import MavlinkHub
from firmware_bridge.mission_item import MavCmd, MissionItem
from firmware_bridge.transports import MemoryTransport
from tests.bridge.conftest import FAST
from tests.bridge.fake_px4 import FakePx4


class _Wire(MemoryTransport):
    """Lets the scripted PX4 write to a stream (TCP writer or a pty's master side)."""

    def __init__(self, write: object) -> None:
        super().__init__("vehicle")
        self._write = write

    def send(self, data: bytes, peer: Hashable | None = None) -> None:
        self._write(data)  # type: ignore[operator]


async def _fly_basics(hub: MavlinkHub, fake: FakePx4) -> None:
    vehicle = await hub.wait_vehicle(1, timeout_s=2)
    await vehicle.arm()
    assert fake.armed
    items = [MissionItem(MavCmd.NAV_WAYPOINT, x=35.0 + k * 1e-4, y=139.0, z=20) for k in range(5)]
    await vehicle.upload_mission(items)
    assert [round(i.x, 7) for i in await vehicle.download_mission()] == [
        round(i.x, 7) for i in items
    ]


async def test_tcpout_carries_commands_and_missions() -> None:
    fakes: list[FakePx4] = []
    writers: list[asyncio.StreamWriter] = []
    accepted = asyncio.Event()

    async def vehicle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        fake = FakePx4(_Wire(writer.write))
        fakes.append(fake)
        writers.append(writer)
        accepted.set()
        fake.heartbeat()
        while data := await reader.read(4096):
            fake._receive(data, "gcs")

    server = await asyncio.start_server(vehicle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, MavlinkHub.open(f"tcpout://127.0.0.1:{port}", FAST) as hub:
        await asyncio.wait_for(accepted.wait(), 2)
        await _fly_basics(hub, fakes[0])
    for writer in writers:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def test_serial_line_carries_commands_and_missions() -> None:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    loop = asyncio.get_running_loop()
    os.set_blocking(master, False)
    fake = FakePx4(_Wire(lambda data: os.write(master, data)))

    def readable() -> None:
        with contextlib.suppress(BlockingIOError):
            fake._receive(os.read(master, 4096), "gcs")

    loop.add_reader(master, readable)
    try:
        async with MavlinkHub.open(f"serial://{path}:57600", FAST) as hub:
            fake.heartbeat()
            await _fly_basics(hub, fake)
    finally:
        loop.remove_reader(master)
        os.close(master)
        os.close(slave)
