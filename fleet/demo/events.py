"""The service's events as the demo receives them: ``/ws/events`` over a real WebSocket.

Each message is ``{"kind", "time", "data"}`` (:mod:`fleet.service.routers.ws`). The demo waits
on this stream, never on a timer: for the dispatcher's first cycle to have booked what it can
before the shared clock starts, and for every booked mission to end.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import connect

TERMINAL_NAMES = frozenset({"completed", "failed", "aborted", "cancelled"})
OFF_NOMINAL = frozenset({"Nonconforming", "Contingent"})


@dataclass(frozen=True, slots=True)
class Message:
    """One event: its kind and data."""

    kind: str
    data: dict[str, Any]


@asynccontextmanager
async def subscribed(address: str, token: str) -> AsyncIterator[AsyncIterator[Message]]:
    """The events of the token's operator (and public ones) while the block runs."""
    async with connect(f"ws://{address}/ws/events?token={token}", max_size=None) as socket:

        async def messages() -> AsyncIterator[Message]:
            async for raw in socket:
                body = json.loads(raw)
                yield Message(str(body.get("kind")), dict(body.get("data") or {}))

        yield messages()


async def until_dispatched(events: AsyncIterator[Message], states: dict[int, str]) -> None:
    """Until the service's dispatcher ended a cycle with none of the missions of ``states``
    (id -> state, updated in place) still requested."""
    async for event in events:
        mission_id = event.data.get("mission_id")
        if event.kind == "mission.state" and mission_id in states:
            states[mission_id] = str(event.data.get("state"))
        elif event.kind == "dispatch.cycle" and "requested" not in states.values():
            return
