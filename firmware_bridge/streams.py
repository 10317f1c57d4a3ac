"""A telemetry stream: the latest value plus any number of async iterators over new values.

Iterating never needs a hand-written unsubscribe: ``async with stream.subscribe() as values``
detaches when the block ends, and ``async for value in stream`` detaches when the loop ends or
is broken out of (the generator is closed). A slow reader loses the oldest values, never blocks
the bridge (telemetry is latest-wins).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

T = TypeVar("T")
_CLOSED = object()


class Stream(Generic[T]):
    """Latest value and fan-out of one kind of telemetry event.

    Args:
        maxlen: values buffered per subscriber before the oldest is dropped.
    """

    def __init__(self, maxlen: int = 64) -> None:
        self.latest: T | None = None
        self._maxlen = maxlen
        self._queues: set[asyncio.Queue[object]] = set()
        self._closed = False

    def publish(self, value: T) -> None:
        """Record ``value`` as the latest and hand it to every subscriber."""
        self.latest = value
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(value)

    def close(self) -> None:
        """End every subscriber's iteration (the connection is closing)."""
        self._closed = True
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(_CLOSED)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[AsyncIterator[T]]:
        """Yield an iterator over the values published while the block runs."""
        queue: asyncio.Queue[object] = asyncio.Queue(self._maxlen)
        self._queues.add(queue)
        try:
            yield self._drain(queue)
        finally:
            self._queues.discard(queue)

    async def _drain(self, queue: asyncio.Queue[object]) -> AsyncIterator[T]:
        while not self._closed or not queue.empty():
            value = await queue.get()
            if value is _CLOSED:
                return
            yield value  # type: ignore[misc]

    async def __aiter__(self) -> AsyncIterator[T]:
        async with self.subscribe() as values:
            async for value in values:
                yield value

    async def wait_for(self, predicate: Callable[[T], bool], timeout_s: float) -> T:
        """Return the first value (the latest included) satisfying ``predicate``.

        Raises:
            TimeoutError: none did within ``timeout_s`` seconds.
        """
        async with self.subscribe() as values:
            if self.latest is not None and predicate(self.latest):
                return self.latest
            async with asyncio.timeout(timeout_s):
                async for value in values:
                    if predicate(value):
                        return value
        raise TimeoutError("stream closed before the condition held")
