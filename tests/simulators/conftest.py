"""Fixtures: a running swarm on test ports (offsets 1000-1999) and a raw MAVLink client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from simulators import Swarm
from tests.simulators.mavclient import MavClient, mav_client


@contextlib.asynccontextmanager
async def running(swarm: Swarm) -> AsyncIterator[Swarm]:
    """Open ``swarm`` and tick it in the background until the block ends."""
    async with swarm, asyncio.TaskGroup() as group:
        task = group.create_task(swarm.run())
        try:
            yield swarm
        finally:
            task.cancel()


@contextlib.asynccontextmanager
async def flying(swarm: Swarm, instance: int = 0) -> AsyncIterator[tuple[Swarm, MavClient]]:
    """The swarm running, and a client listening where vehicle ``instance`` sends first."""
    port = swarm.vehicles[instance].spec.api_ports[1]
    async with mav_client(port) as client, running(swarm):
        await client.expect("HEARTBEAT")
        yield swarm, client
