"""``skyfleet serve``'s dispatcher end to end: bookings over HTTP, nobody calls approve.

The service (SQLite file) with its in-process runner and the dispatch loop beside it (as
``skyfleet serve`` starts them, :func:`fleet.dispatch.service.dispatching`), two simulated quads
at one dock and a simulated rover at another (a free block of port offsets in 2700-2999), on a
scaled clock. A
delivery, a relay booked without a transfer point and an inspection are flown to ``completed``
by the dispatcher alone; a parcel no vehicle can carry and a window already past are failed
with the scheduler's reason; with dispatch off for the operator nothing is approved until it is
turned on again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from firmware_bridge.hub import HubConfig
from fleet.demo.simfleet import free_port_offset
from fleet.dispatch.loop import LoopSettings
from fleet.dispatch.service import dispatching
from fleet.runner.clock import ScaledClock
from fleet.runner.runner import MissionRunner, runner_factory
from fleet.service.app import create_app
from fleet.service.context import ServiceContext
from fleet.service.events import Event
from fleet.service.operators import ensure_operator
from fleet.service.security import Principal, Role, mint_token
from fleet.service.settings import Settings
from simulators import Swarm
from simulators.physics import VehicleKind
from tests.service.helpers import delivery_body, vehicle_body
from tests.service.test_city import TOWER

SECRET = "test-secret-key-0123456789abcdef"
SPEEDUP = 40.0
RATES_HZ = {33: 20.0, 0: 10.0, 42: 5.0, 245: 5.0}  # fixes, heartbeats, progress, landed state
HOME = (139.6917, 35.6895)  # the quads' dock (the tower stands ~1.2 km east)
ROBOT_DOCK = (HOME[0] + 0.0025, HOME[1] - 0.0005)
DROPOFF = {"lon_deg": HOME[0] + 0.0025, "lat_deg": HOME[1] + 0.0007}
NEAR = {"lon_deg": HOME[0] + 0.002, "lat_deg": HOME[1] - 0.0015}
AREA = [
    [HOME[0] + 0.0010, HOME[1] + 0.0015],
    [HOME[0] + 0.0020, HOME[1] + 0.0015],
    [HOME[0] + 0.0020, HOME[1] + 0.0022],
    [HOME[0] + 0.0010, HOME[1] + 0.0022],
]
TERMINAL = {"completed", "failed", "aborted", "cancelled"}


@dataclass
class Served:
    """The running service, an API client with an admin token, the service's bus."""

    context: ServiceContext
    runner: MissionRunner
    api: httpx.AsyncClient
    headers: dict[str, str]
    air_offset: int  # the quads' port offset; the rover's is two more


@asynccontextmanager
async def served(db: Path) -> AsyncIterator[Served]:
    """The app as ``skyfleet serve`` builds it (runner + dispatcher), with the simulators."""
    air_offset = free_port_offset(4, 2700, 2999)  # two quads, then the rover's swarm at +2
    clock = ScaledClock(datetime.now(UTC).replace(microsecond=0), SPEEDUP)
    factory = runner_factory(
        clock=clock, hub_config=HubConfig(heartbeat_timeout_s=3.0), message_rates_hz=RATES_HZ
    )
    loop = LoopSettings(settle_s=0.2, tick_s=5.0)
    settings = Settings(env="test", database_url=f"sqlite:///{db}", secret_key=SECRET)
    app = create_app(
        settings, runner_factory=dispatching(factory, loop_settings=loop), clock=clock.now
    )
    quads = Swarm(
        2, VehicleKind.QUAD, home_lon_lat=HOME, speedup=SPEEDUP, port_offset=air_offset,
        home_amsl_m=0.0,
    )  # fmt: skip
    rovers = Swarm(
        1, VehicleKind.ROVER, home_lon_lat=ROBOT_DOCK, speedup=SPEEDUP,
        port_offset=air_offset + 2, home_amsl_m=0.0,
    )  # fmt: skip
    async with quads, rovers, app.router.lifespan_context(app), asyncio.TaskGroup() as tg:
        ticks = [tg.create_task(quads.run()), tg.create_task(rovers.run())]
        context: ServiceContext = app.state.context
        runner = context.runner
        assert isinstance(runner, MissionRunner)
        await runner.wait_ready()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api:
            yield Served(context, runner, api, _headers(context, settings), air_offset)
        for tick in ticks:
            tick.cancel()


def _headers(context: ServiceContext, settings: Settings) -> dict[str, str]:
    with context.sessions() as session:
        row = ensure_operator(session, "acme", actor="test")
        assert row.id is not None
    principal = Principal("test:acme", row.id, "acme", Role.ADMIN, frozenset())
    return {"Authorization": f"Bearer {mint_token(settings, principal)}"}


async def _post(s: Served, path: str, **kw: Any) -> Any:
    response = await s.api.post(path, headers=s.headers, **kw)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _fleet(s: Served) -> None:
    """The tower, two camera quads at HOME, a rover at its own dock."""
    files = {"file": ("tower.geojson", json.dumps(TOWER), "application/geo+json")}
    await _post(s, "/buildings", files=files)
    air = await _post(s, "/docks", json={"name": "roof", "lon_deg": HOME[0], "lat_deg": HOME[1]})
    ground = {"name": "street", "lon_deg": ROBOT_DOCK[0], "lat_deg": ROBOT_DOCK[1]}
    street = await _post(s, "/docks", json=ground)
    air_url = f"udpin://127.0.0.1:{14550 + s.air_offset}"
    for k in (1, 2):
        body = vehicle_body(
            f"quad-{k}", mavlink_url=air_url, home_dock_id=air["id"], system_id=k,
            payload_capacity_kg=2.0, camera=True,
        )  # fmt: skip
        await _post(s, "/vehicles", json=body)
    body = vehicle_body(
        "rover", kind="ground_robot", mavlink_url=f"udpin://127.0.0.1:{14550 + s.air_offset + 2}",
        home_dock_id=street["id"], system_id=1, payload_capacity_kg=5.0,
    )  # fmt: skip
    await _post(s, "/vehicles", json=body)


def _delivery(now: datetime, **extra: Any) -> dict[str, Any]:
    body = {
        "pickup": {"lon_deg": HOME[0], "lat_deg": HOME[1]},
        "dropoff": NEAR,
        "payload_kg": 1.0,
        "earliest_pickup": now.isoformat(),
        "latest_delivery": (now + timedelta(hours=2)).isoformat(),
    }
    return delivery_body(**{**body, **extra})


async def _until_ended(events: AsyncIterator[Event], ids: set[int]) -> dict[int, str]:
    """Each mission's terminal state, from the bus (no polling)."""
    ended: dict[int, str] = {}
    async for event in events:
        if event.kind != "mission.state" or event.data.get("mission_id") not in ids:
            continue
        if event.data["state"] in TERMINAL:
            ended[int(event.data["mission_id"])] = str(event.data["state"])
            if ended.keys() == ids:
                return ended
    raise AssertionError("the event stream ended")


async def test_the_dispatcher_flies_bookings_to_completion_with_nobody_approving(
    tmp_path: Path,
) -> None:
    async with served(tmp_path / "db.sqlite3") as s, s.context.bus.subscribe() as events:
        await _fleet(s)
        now = s.runner.now()
        bookings = {
            "delivery": ("/missions/deliveries", _delivery(now)),
            "relay": (
                "/missions/deliveries",
                _delivery(now, dropoff=DROPOFF, relay_requested=True),
            ),
            "inspection": (
                "/missions/inspections",
                {
                    "target": {"type": "area", "polygon": AREA},
                    "gsd_cm_per_px": 1.0,
                    "window_start": now.isoformat(),
                    "window_end": (now + timedelta(hours=3)).isoformat(),
                },
            ),
            "heavy": ("/missions/deliveries", _delivery(now, payload_kg=50.0)),
            "past": (
                "/missions/deliveries",
                _delivery(
                    now - timedelta(hours=3),
                    latest_delivery=(now - timedelta(hours=2)).isoformat(),
                ),
            ),
        }
        ids = {
            name: (await _post(s, path, json=body))["id"] for name, (path, body) in bookings.items()
        }
        async with asyncio.timeout(150):
            ended = await _until_ended(events, set(ids.values()))
        got = {
            name: (await s.api.get(f"/missions/{k}", headers=s.headers)).json()
            for name, k in ids.items()
        }
        query = {"action": "mission.transition", "limit": 500}
        audit = (await s.api.get("/audit", params=query, headers=s.headers)).json()
    for name in ("delivery", "relay", "inspection"):
        assert ended[ids[name]] == "completed", (name, got[name]["state_reason"])
    for name in ("heavy", "past"):
        assert got[name]["state"] == "failed" and got[name]["state_reason"], got[name]
        assert "not scheduled" in got[name]["state_reason"]
    assert len({leg["vehicle_id"] for leg in got["relay"]["legs"]}) == 2  # a quad, the rover
    approvals = [e for e in audit if e["detail"]["to"] == "approved"]
    assert len(approvals) == 3 and {e["actor"] for e in approvals} == {"dispatcher"}


async def test_with_dispatch_off_nothing_is_approved_until_it_is_turned_on(tmp_path: Path) -> None:
    async with served(tmp_path / "db.sqlite3") as s, s.context.bus.subscribe() as events:
        await _fleet(s)
        off = await s.api.put("/operators/me/dispatch", json={"auto": False}, headers=s.headers)
        assert off.status_code == 200 and off.json()["auto"] is False
        mission = await _post(s, "/missions/deliveries", json=_delivery(s.runner.now()))
        async with asyncio.timeout(30):
            async for event in events:  # a cycle after the booking: it scheduled nothing
                if event.kind == "dispatch.cycle":
                    assert mission["id"] not in event.data["scheduled"]
                    break
        got = (await s.api.get(f"/missions/{mission['id']}", headers=s.headers)).json()
        assert got["state"] == "requested"
        on = await s.api.put("/operators/me/dispatch", json={"auto": True}, headers=s.headers)
        assert on.json()["auto"] is True
        async with asyncio.timeout(30):
            async for event in events:
                mine = event.kind == "mission.state" and event.data["mission_id"] == mission["id"]
                if mine and event.data["state"] == "approved":
                    break
