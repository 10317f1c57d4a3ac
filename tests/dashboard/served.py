"""A running ``skyfleet`` service for the browser tests: simulated quads, a city, users.

The service as ``skyfleet serve`` builds it (its runner, and optionally the dispatch loop
beside it) with two simulated quads on loopback UDP (simulator port offsets 2900-2999), on a
clock running ``speedup`` times real time, served by uvicorn on a free port in 39000-39999.
It holds a small generated city around the
quads (a 6 x 5 grid of blocks, 12-90 m tall), a no-fly zone, a dock, both quads registered
(one named with HTML, to prove names are shown as text), and one user per role, each with the
password :data:`PASSWORD`.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from firmware_bridge.hub import HubConfig
from fleet.dispatch.loop import LoopSettings
from fleet.dispatch.service import dispatching
from fleet.runner.clock import ScaledClock
from fleet.runner.runner import MissionRunner, runner_factory
from fleet.service.app import create_app
from fleet.service.context import ServiceContext
from fleet.service.operators import ensure_operator
from fleet.service.security import Principal, Role, mint_token
from fleet.service.settings import Settings
from simulators import Swarm
from simulators.physics import VehicleKind

PORT_OFFSET = 2900
SECRET = "dashboard-test-secret-0123456789abcdef"
HOME = (139.6917, 35.6895)  # the quads' dock, south-west of the blocks
ZONE_CORNER = (HOME[0] + 0.0035, HOME[1] - 0.0012)  # a triangular no-fly zone's south-west
RATES_HZ = {33: 20.0, 0: 10.0, 42: 5.0, 245: 5.0}  # fixes, heartbeats, progress, landed state
PASSWORD = "correct horse battery"
USERS = {"dana": Role.DISPATCHER, "vic": Role.VIEWER, "ines": Role.INSPECTOR}
HTML_NAME = '<img src=x onerror="window.pwned=1">'
"""A vehicle name that would run script if the page parsed it as HTML."""


@dataclass
class Served:
    """Where the service answers, and what it holds."""

    base: str
    context: ServiceContext
    settings: Settings
    clock: ScaledClock
    admin_token: str
    vehicle_ids: dict[str, int]

    def token(self, role: Role, ttl_s: int | None = None) -> str:
        """A token of the test operator with ``role`` (lifetime ``ttl_s``)."""
        return _token(self.context, self.settings, role, ttl_s)


def _token(
    context: ServiceContext, settings: Settings, role: Role, ttl_s: int | None = None
) -> str:
    """Minted on the wall clock (what the service checks tokens against)."""
    with context.sessions() as session:
        op = ensure_operator(session, "dash-test", actor="test")
        assert op.id is not None
    principal = Principal(f"test:{role.value}", op.id, op.name, role)
    return mint_token(settings, principal, ttl_s=ttl_s)


def city_geojson(cols: int = 6, rows: int = 5) -> dict[str, Any]:
    """Blocks of 40 m x 30 m on a 70 m grid north-east of the quads' home, 12-90 m tall."""
    lon0, lat0 = HOME[0] + 0.0006, HOME[1] + 0.0004
    dlon, dlat = 70 / 90_500, 70 / 111_000
    w, h = 40 / 90_500, 30 / 111_000
    features = []
    for i in range(cols):
        for j in range(rows):
            x, y = lon0 + i * dlon, lat0 + j * dlat
            ring = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"height_m": 12 + (i * 7 + j * 13) % 79},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _listening_socket() -> socket.socket:
    for port in range(39000, 40000):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        sock.listen(64)  # connections queue from now on, before uvicorn accepts them
        return sock
    raise RuntimeError("no free TCP port in 39000-39999")


async def _populate(base: str, admin: str, gcs_url: str) -> dict[str, int]:
    headers = {"Authorization": f"Bearer {admin}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60.0) as api:
        files = {"file": ("blocks.geojson", json.dumps(city_geojson()), "application/geo+json")}
        assert (await api.post("/buildings", files=files)).status_code == 201
        lon, lat = ZONE_CORNER
        zone = {
            "name": "heliport",
            "kind": "no_fly",
            "polygon": [[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat + 0.0008], [lon, lat]],
        }
        assert (await api.post("/zones", json=zone)).status_code == 201, "zone"
        for name, role in USERS.items():
            user = {"username": name, "password": PASSWORD, "role": role.value}
            assert (await api.post("/users", json=user)).status_code == 201
        dock = {"name": "pad-1", "lon_deg": HOME[0], "lat_deg": HOME[1]}
        dock_id = (await api.post("/docks", json=dock)).json()["id"]
        ids = {}
        for system_id, name in enumerate(["drone-1", HTML_NAME], start=1):
            body = {
                "name": name,
                "kind": "multicopter",
                "mavlink_url": gcs_url,
                "system_id": system_id,
                "home_dock_id": dock_id,
            }
            response = await api.post("/vehicles", json=body)
            assert response.status_code == 201, response.text
            ids[name] = response.json()["id"]
        return ids


@asynccontextmanager
async def served(
    db: Path, port_offset: int = PORT_OFFSET, speedup: float = 1.0, dispatch: bool = False
) -> AsyncIterator[Served]:
    """The service with its simulated fleet, answering HTTP until the block ends.

    Args:
        db: the SQLite file.
        port_offset: the simulators' port offset (2900-2999).
        speedup: simulated seconds per wall second (service clock and simulators alike).
        dispatch: run the dispatch loop, which schedules and approves what is booked.
    """
    clock = ScaledClock(datetime.now(UTC).replace(microsecond=0), speedup)
    hub = HubConfig(heartbeat_timeout_s=3.0)
    factory = runner_factory(clock=clock, hub_config=hub, message_rates_hz=RATES_HZ)
    if dispatch:
        factory = dispatching(factory, loop_settings=LoopSettings(settle_s=0.2, tick_s=2.0))
    settings = Settings(env="test", database_url=f"sqlite:///{db}", secret_key=SECRET)
    app = create_app(settings, runner_factory=factory, clock=clock.now)
    swarm = Swarm(
        2, VehicleKind.QUAD, home_lon_lat=HOME, speedup=speedup, port_offset=port_offset,
        home_amsl_m=0.0,
    )  # fmt: skip
    sock = _listening_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    async with swarm, app.router.lifespan_context(app), asyncio.TaskGroup() as tasks:
        ticker = tasks.create_task(swarm.run())
        context: ServiceContext = app.state.context
        assert isinstance(context.runner, MissionRunner)
        await context.runner.wait_ready()
        serving = tasks.create_task(server.serve(sockets=[sock]))
        try:
            admin = _token(context, settings, Role.ADMIN)
            gcs_url = f"udpin://127.0.0.1:{14550 + port_offset}"
            ids = await _populate(base, admin, gcs_url)
            yield Served(base, context, settings, clock, admin, ids)
        finally:
            server.should_exit = True
            await serving
            sock.close()
            ticker.cancel()
