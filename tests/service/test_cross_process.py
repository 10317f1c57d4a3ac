"""Atomic reservation across processes: two real uvicorn service processes on one database
receive 50 simultaneous conflicting reservations; exactly one is accepted."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select

from fleet.service.operators import ensure_operator
from fleet.service.security import Principal, Role, mint_token
from fleet.service.settings import Settings
from fleet.storage.db import make_engine, make_session_factory
from fleet.storage.tables import IntentRow
from tests.service.conftest import SECRET, _empty_pg
from tests.service.helpers import volume

REQUESTS = 50


def _free_port() -> int:
    for _ in range(200):
        port = random.randint(38000, 38999)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 38000-38999")


async def _start(db_url: str) -> tuple[asyncio.subprocess.Process, str]:
    """Start the app factory under a real uvicorn subprocess; return it and its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "SKYFLEET_DATABASE_URL": db_url,
        "SKYFLEET_SECRET_KEY": SECRET,
        "SKYFLEET_ENV": "test",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "fleet.service.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "info",
        "--no-access-log",
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    async for line in process.stderr:  # wait for the startup line, not a fixed delay
        if b"Application startup complete" in line:
            return process, f"http://127.0.0.1:{port}"
    raise RuntimeError(f"the service process on port {port} exited before starting")


@asynccontextmanager
async def _services(db_url: str, count: int) -> AsyncIterator[list[str]]:
    """``count`` service processes on one database, started concurrently."""
    started = await asyncio.gather(*(_start(db_url) for _ in range(count)))
    try:
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            await process.wait()


def _headers(db_url: str, operators: int) -> list[dict[str, str]]:
    """Bearer headers of dispatchers of ``operators`` operators stored in ``db_url``."""
    settings = Settings(env="test", database_url=db_url, secret_key=SECRET)
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            rows = [
                ensure_operator(session, f"operator-{i}", actor="test") for i in range(operators)
            ]
    finally:
        engine.dispose()
    return [
        {
            "Authorization": "Bearer "
            + mint_token(settings, Principal(f"test:{r.name}", r.id or 0, r.name, Role.DISPATCHER))
        }
        for r in rows
    ]


async def _fifty_conflicting_bookings(db_url: str) -> None:
    operators = _headers(db_url, 5)
    headers = [operators[i % 5] for i in range(REQUESTS)]
    body = {"volumes": [volume(139.7, 35.69)]}
    async with _services(db_url, 2) as urls, httpx.AsyncClient(timeout=60) as http:
        responses = await asyncio.gather(
            *(
                http.post(f"{urls[i % 2]}/intents", json=body, headers=headers[i])
                for i in range(REQUESTS)
            )
        )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (REQUESTS - 1), codes
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            live = session.exec(select(IntentRow).where(col(IntentRow.live))).all()
    finally:
        engine.dispose()
    assert len(live) == 1


@pytest.mark.postgres
async def test_two_processes_on_postgresql_never_both_accept(
    pg_schema_url: str,
) -> None:
    """The advisory lock serialises reservations across processes."""
    _empty_pg(pg_schema_url)
    await _fifty_conflicting_bookings(pg_schema_url)


@pytest.mark.slow
async def test_two_processes_on_sqlite_never_both_accept(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """SQLite's write lock (BEGIN IMMEDIATE) does the same for processes sharing a file."""
    path = tmp_path / "shared.sqlite3"
    shutil.copyfile(sqlite_template, path)
    await _fifty_conflicting_bookings(f"sqlite:///{path}")
