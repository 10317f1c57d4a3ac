"""A vehicle's message channel inside the hub: send to it, and await its replies.

Internal to the package. The hub routes every message from system ``target_system`` to
:meth:`Channel.dispatch`; protocol code opens :meth:`Channel.expect` for the message ids it
waits for and reads them from a queue, so nothing is polled and nothing leaks once the block ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

SendFn = Callable[[Any, Hashable | None], None]


class Channel:
    """Sending to one vehicle and waiting for its messages.

    Args:
        send: encodes a pymavlink message and writes it to ``peer``.
        mav: the connection's pymavlink ``MAVLink`` object (for its ``*_encode`` helpers).
        target_system: the vehicle's system id.
        target_component: the autopilot's component id.
    """

    def __init__(self, send: SendFn, mav: Any, target_system: int, target_component: int) -> None:
        self._send = send
        self.mav = mav
        self.target_system = target_system
        self.target_component = target_component
        self.own_system_id: int = mav.srcSystem
        self.peer: Hashable | None = None
        self.command_lock = asyncio.Lock()
        self.mission_lock = asyncio.Lock()
        self._waiters: dict[int, list[asyncio.Queue[Any]]] = {}

    def send(self, msg: Any) -> None:
        """Encode ``msg`` and send it to the vehicle's last known address."""
        self._send(msg, self.peer)

    def dispatch(self, msg: Any, msg_id: int) -> None:
        """Hand ``msg`` (of id ``msg_id``) to every open :meth:`expect` block waiting for it."""
        queues = self._waiters.get(msg_id)
        if queues:
            for queue in queues:
                queue.put_nowait(msg)

    @contextmanager
    def expect(self, *msg_ids: int) -> Iterator[asyncio.Queue[Any]]:
        """Collect the vehicle's messages with ``msg_ids`` in a queue while the block runs.

        Only ids in ``firmware_bridge.hub.CONSUMED_IDS`` are decoded on UDP links.
        """
        queue: asyncio.Queue[Any] = asyncio.Queue()
        for msg_id in msg_ids:
            self._waiters.setdefault(msg_id, []).append(queue)
        try:
            yield queue
        finally:
            for msg_id in msg_ids:
                self._waiters[msg_id].remove(queue)
                if not self._waiters[msg_id]:
                    del self._waiters[msg_id]
