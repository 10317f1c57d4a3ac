"""The event bus and ``/ws/events``: tenants see their own events and public ones only."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import warnings
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
import websockets

from fleet.service.app import create_app
from fleet.service.events import Event, EventBus
from fleet.service.settings import Settings
from tests.service.conftest import TokenMaker
from tests.service.helpers import delivery_body


async def test_bus_filters_per_tenant_and_drops_oldest_when_full() -> None:
    bus = EventBus(queue_size=2)
    async with bus.subscribe(operator_id=1) as mine, bus.subscribe(operator_id=2) as theirs:
        bus.emit("mission.state", 1, mission_id=10)
        bus.emit("mission.state", 2, mission_id=20)
        bus.emit("zone.changed", None, zone_id=5)
        bus.emit("mission.state", 1, mission_id=11)
        await asyncio.sleep(0)  # let call_soon_threadsafe deliveries run
        got = [await anext(mine), await anext(mine)]
        assert [e.data for e in got] == [{"zone_id": 5}, {"mission_id": 11}]
        assert mine.dropped == 1
        assert (await anext(theirs)).data == {"mission_id": 20}
    assert bus.subscriber_count == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _Server(uvicorn.Server):
    """uvicorn with an event set once it listens."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@pytest.fixture
async def live_server(settings: Settings) -> AsyncIterator[str]:
    """The app served by a real uvicorn on a loopback port (WebSockets need a server)."""
    app = create_app(settings)
    port = _free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    await server.ready.wait()
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    await task
    # uvicorn can leave a closed connection's transport to the garbage collector; collect it
    # here so its ResourceWarning is not blamed on whichever test runs next.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


async def test_ws_streams_own_events_only(live_server: str, auth: TokenMaker) -> None:
    acme, rival = auth("acme", "viewer"), auth("rival", "dispatcher")
    acme_token = acme["Authorization"].split()[1]
    async with websockets.connect(f"ws://{live_server}/ws/events?token={acme_token}") as ws:
        hello = json.loads(await ws.recv())
        assert hello["kind"] == "hello"
        async with httpx.AsyncClient(base_url=f"http://{live_server}") as http:
            await http.post("/missions/deliveries", json=delivery_body(), headers=rival)
            await http.post(
                "/missions/deliveries", json=delivery_body(), headers=auth("acme", "dispatcher")
            )
            event = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert event["kind"] == "mission.state"
        assert event["data"]["state"] == "requested"
        mine = (
            await httpx.AsyncClient(base_url=f"http://{live_server}").get("/missions", headers=acme)
        ).json()
        assert event["data"]["mission_id"] == mine[0]["id"]


async def test_ws_without_a_valid_token_is_closed(live_server: str) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus):
        async with websockets.connect(f"ws://{live_server}/ws/events?token=nope") as ws:
            await ws.recv()


def test_event_json_has_kind_time_and_data() -> None:
    event = Event("x", None, {"a": 1})
    assert set(event.to_json()) == {"kind", "time", "data"}
