"""A running ``skyfleet`` service for the browser tests: simulated quads, a city, users.

The service (its runner, two simulated quads on loopback UDP, simulator port offset 2900) is
served by uvicorn on a free port in 39000-39999. It holds a small generated city around the
quads (a 6 x 5 grid of blocks, 12-90 m tall), a no-fly zone, a dock, both quads registered
(one named with HTML, to prove names are shown as text), and one user per role, each with the
password :data:`PASSWORD`.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from fleet.service.operators import ensure_operator
from fleet.service.security import Principal, Role, mint_token
from tests.service.sim_service import HOME, SimService, sim_service

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-gl=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PORT_OFFSET = 2900
PASSWORD = "correct horse battery"
USERS = {"dana": Role.DISPATCHER, "vic": Role.VIEWER, "ines": Role.INSPECTOR}
HTML_NAME = '<img src=x onerror="window.pwned=1">'
"""A vehicle name that would run script if the page parsed it as HTML."""


@dataclass
class Served:
    """Where the service answers, and what it holds."""

    base: str
    service: SimService
    admin_token: str
    vehicle_ids: dict[str, int]

    def token(self, role: Role, ttl_s: int | None = None) -> str:
        """A token of the test operator with ``role`` (lifetime ``ttl_s``)."""
        with self.service.context.sessions() as session:
            op = ensure_operator(session, "dash-test", actor="test")
            assert op.id is not None
        principal = Principal(f"test:{role.value}", op.id, op.name, role)
        return mint_token(self.service.settings, principal, ttl_s=ttl_s)


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
        lon, lat = HOME[0] + 0.0035, HOME[1] - 0.0012
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
async def served(db: Path) -> AsyncIterator[Served]:
    """The service with its simulated fleet, answering HTTP until the block ends."""
    async with sim_service(db, PORT_OFFSET, count=2, speedup=1.0) as service:
        with service.context.sessions() as session:
            op = ensure_operator(session, "dash-test", actor="test")
            assert op.id is not None
        admin = mint_token(service.settings, Principal("test:admin", op.id, op.name, Role.ADMIN))
        sock = _listening_socket()
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(service.app, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            ids = await _populate(base, admin, service.gcs_url)
            yield Served(base, service, admin, ids)
        finally:
            server.should_exit = True
            await task
            sock.close()
