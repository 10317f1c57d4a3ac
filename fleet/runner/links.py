"""Vehicle links: one bridge hub per connection URL, shared by every vehicle it carries.

Vehicles registered with the same URL (e.g. a whole simulated fleet seen on one ground-station
port) share one :class:`~firmware_bridge.hub.MavlinkHub`; each is found by its system id.
Hubs are opened on first use and closed when the pool's block ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from firmware_bridge.hub import HubConfig, MavlinkHub
from firmware_bridge.vehicle import Vehicle


class HubPool:
    """Opens hubs by URL on demand; use :meth:`open` to own their lifetime."""

    def __init__(self, stack: AsyncExitStack, config: HubConfig | None) -> None:
        self._stack = stack
        self._config = config
        self._hubs: dict[str, MavlinkHub] = {}
        self._lock = asyncio.Lock()

    @classmethod
    @asynccontextmanager
    async def open(cls, config: HubConfig | None = None) -> AsyncIterator[HubPool]:
        """A pool whose hubs are closed when the block ends."""
        async with AsyncExitStack() as stack:
            yield cls(stack, config)

    async def hub(self, url: str) -> MavlinkHub:
        """The hub for ``url``, opened on first use.

        Raises:
            firmware_bridge.errors.ConnectionUrlError, TransportError: bad URL or socket.
        """
        async with self._lock:
            if url not in self._hubs:
                self._hubs[url] = await self._stack.enter_async_context(
                    MavlinkHub.open(url, self._config)
                )
            return self._hubs[url]

    async def vehicle(self, url: str, system_id: int, timeout_s: float = 10.0) -> Vehicle:
        """The vehicle ``system_id`` on ``url``, once its first heartbeat has arrived.

        Raises:
            TimeoutError: it did not appear within ``timeout_s`` seconds.
        """
        hub = await self.hub(url)
        return await hub.wait_vehicle(system_id, timeout_s)

    def known(self, url: str, system_id: int) -> Vehicle | None:
        """The vehicle if its hub is open and it has been seen, else ``None``."""
        hub = self._hubs.get(url)
        return None if hub is None else hub.vehicle(system_id)
