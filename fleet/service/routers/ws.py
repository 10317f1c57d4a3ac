"""``/ws/events``: a WebSocket stream of telemetry and state changes for the caller's tenant.

Authenticate with ``?token=<bearer token>`` (browsers cannot set headers on a WebSocket) or an
``Authorization: Bearer`` header. Each message is ``{"kind", "time", "data"}``.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from fleet.service.context import ServiceContext
from fleet.service.events import Subscription
from fleet.service.security import TokenError, read_token

router = APIRouter(tags=["events"])


@router.websocket("/ws/events")
async def events(websocket: WebSocket) -> None:
    """Stream the events the caller's operator may see until the client disconnects."""
    context: ServiceContext = websocket.app.state.context
    token = websocket.query_params.get("token") or _bearer(websocket)
    try:
        principal = read_token(context.settings, token or "")
    except TokenError as exc:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason=str(exc)[:120])
        return
    await websocket.accept()
    async with context.bus.subscribe(principal.operator_id) as subscription:
        await websocket.send_json({"kind": "hello", "data": {"operator_id": principal.operator_id}})
        with suppress(WebSocketDisconnect):
            async with asyncio.TaskGroup() as tasks:
                forward = tasks.create_task(_forward(websocket, subscription))
                await _until_disconnect(websocket)
                forward.cancel()


async def _forward(websocket: WebSocket, subscription: Subscription) -> None:
    async for event in subscription:
        await websocket.send_json(event.to_json())


async def _until_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) client messages until the client goes away."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


def _bearer(websocket: WebSocket) -> str | None:
    header = websocket.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value if scheme.lower() == "bearer" and value else None
