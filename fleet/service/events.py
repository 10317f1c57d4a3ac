"""In-process event bus: telemetry and state changes fanned out to WebSocket clients.

Publishing never blocks: each subscriber has a bounded queue and a slow subscriber loses its
oldest events (counted in ``Subscription.dropped``) rather than stalling the publisher.
Subscriptions are context managers, so nobody has to remember to unsubscribe::

    async with bus.subscribe(operator_id=3) as events:
        async for event in events:
            ...
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fleet.storage.tables import MissionRow


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened.

    ``operator_id`` is the tenant allowed to see it; ``None`` means every tenant (e.g. an
    airspace restriction).
    """

    kind: str
    operator_id: int | None
    data: dict[str, Any]
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        """The event as sent over ``/ws/events``."""
        return {"kind": self.kind, "time": self.time.isoformat(), "data": self.data}


class Subscription:
    """One subscriber's queue; iterate it to receive events."""

    def __init__(self, operator_id: int | None, maxsize: int) -> None:
        self.operator_id = operator_id
        self.dropped = 0
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self._loop = asyncio.get_running_loop()

    def wants(self, event: Event) -> bool:
        """Whether this subscriber may see ``event`` (``operator_id=None`` sees everything)."""
        if self.operator_id is None or event.operator_id is None:
            return True
        return event.operator_id == self.operator_id

    def offer(self, event: Event) -> None:
        """Queue ``event`` from any thread, dropping the oldest one when full."""
        self._loop.call_soon_threadsafe(self._put, event)

    def _put(self, event: Event) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        return await self._queue.get()


class EventBus:
    """Fan-out of :class:`Event` to subscribers, filtered per tenant."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._queue_size = queue_size
        self._subscribers: set[Subscription] = set()

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every subscriber allowed to see it (thread-safe, non-blocking).

        Args:
            event: the event.
        """
        for subscriber in list(self._subscribers):
            if subscriber.wants(event):
                subscriber.offer(event)

    def emit(self, kind: str, operator_id: int | None, **data: Any) -> None:
        """Shorthand for ``publish(Event(kind, operator_id, data))``."""
        self.publish(Event(kind, operator_id, data))

    def publish_mission_state(self, mission: MissionRow) -> None:
        """Publish a ``mission.state`` event for ``mission``'s current state."""
        self.emit(
            "mission.state",
            mission.operator_id,
            mission_id=mission.id,
            state=mission.state,
            reason=mission.state_reason,
            vehicle_id=mission.vehicle_id,
        )

    @asynccontextmanager
    async def subscribe(self, operator_id: int | None = None) -> AsyncIterator[Subscription]:
        """Receive events of tenant ``operator_id`` (and public ones) while the block runs.

        Args:
            operator_id: the tenant; ``None`` receives every event.

        Yields:
            The subscription, an async iterator of events.
        """
        subscription = Subscription(operator_id, self._queue_size)
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        """How many subscriptions are open."""
        return len(self._subscribers)


EventSink = Callable[[Event], None]
