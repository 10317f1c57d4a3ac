"""The dashboard in a real browser: headless Chromium renders the vehicles the API returns.

The app is served by uvicorn on a free port in 39000-39999; Chromium loads the page with a
bearer token in the URL fragment, lets its scripts fetch ``/vehicles`` (``--virtual-time-budget``
runs them to completion) and dumps the DOM, which must hold each vehicle on the map and in the
table. Skipped with the reason when ``/usr/bin/chromium`` is absent (CI installs it:
``apt-get install -y chromium``).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from fleet.dashboard import DASHBOARD_PATH
from fleet.service.app import create_app
from fleet.service.operators import ensure_operator
from fleet.service.security import Principal, Role, mint_token
from fleet.service.settings import Settings
from fleet.storage.db import make_engine, make_session_factory, migrate
from fleet.storage.tables import Telemetry

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


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


def _token(settings: Settings) -> str:
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with make_session_factory(engine)() as session:
            op = ensure_operator(session, "dash-test", actor="test")
            assert op.id is not None
            return mint_token(settings, Principal("test:admin", op.id, op.name, Role.ADMIN))
    finally:
        engine.dispose()


def _app(settings: Settings) -> FastAPI:
    return create_app(settings)  # the service mounts the dashboard itself


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, str, Settings]]:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/dash.sqlite3")
    token = await asyncio.to_thread(_token, settings)
    sock = _listening_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_app(settings), log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}", token, settings
    finally:
        server.should_exit = True
        await task
        sock.close()


async def _register(base: str, token: str, settings: Settings) -> list[str]:
    names = ["drone-alpha", "robot-bravo"]
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30.0) as api:
        dock = (
            await api.post("/docks", json={"name": "d1", "lon_deg": 139.767, "lat_deg": 35.681})
        ).json()
        ids = []
        for name, kind in zip(names, ["multicopter", "ground_robot"], strict=True):
            body = {
                "name": name,
                "kind": kind,
                "mavlink_url": "udpin://0.0.0.0:14550",
                "system_id": len(ids) + 1,
                "home_dock_id": dock["id"],
            }
            response = await api.post("/vehicles", json=body)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:  # the latest telemetry, as the runner writes it
        for k, vid in enumerate(ids):
            session.add(
                Telemetry(
                    vehicle_id=vid,
                    time=datetime.now(UTC),
                    lon_deg=139.767 + 0.002 * k,
                    lat_deg=35.681 + 0.001 * k,
                    alt_amsl_m=40.0,
                    battery_fraction=0.8,
                )
            )
        session.commit()
    engine.dispose()
    return names


async def _dump_dom(url: str, profile: Path) -> str:
    assert CHROMIUM is not None
    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=15000",
        "--dump-dom",
        url,
    ]
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


async def test_the_page_renders_the_vehicles_from_the_api(
    served: tuple[str, str, Settings], tmp_path: Path
) -> None:
    base, token, settings = served
    names = await _register(base, token, settings)
    dom = await _dump_dom(f"{base}{DASHBOARD_PATH}/#token={token}", tmp_path / "chromium")
    assert 'id="map"' in dom
    for name in names:
        assert f">{name}</text>" in dom  # a labelled marker on the SVG map
        assert f"<td>{name}</td>" in dom  # a row in the vehicle table
    assert dom.count("data-vehicle-id=") == len(names)


async def test_without_a_token_the_page_asks_for_one(
    served: tuple[str, str, Settings], tmp_path: Path
) -> None:
    base, _token, _settings = served
    dom = await _dump_dom(f"{base}{DASHBOARD_PATH}/", tmp_path / "chromium")
    assert "token needed" in dom
    assert "data-vehicle-id=" not in dom
