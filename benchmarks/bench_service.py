"""Command service figures: API throughput and latency, and a schemathesis run.

1. Throughput and p50/p99 latency of 50 concurrent clients doing mixed reads (missions,
   vehicles, intents) and bookings (deliveries, airspace reservations, about 1 in 3 requests)
   against a real ``uvicorn`` process, on SQLite and on PostgreSQL. Baseline in the same run:
   the same 50 clients on ``GET /flight_planning/v1/status`` (token check, no database), so the
   ratio shows what the database work costs.
2. ``schemathesis run`` over the full OpenAPI (examples, coverage, fuzzing and stateful
   phases) with an admin token holding the InterUSS scopes: generated requests, server errors
   and schema violations.

Usage::

    .venv/bin/python benchmarks/bench_service.py [--seconds 10] [--clients 50]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--max-examples 100]
        [--phases sqlite,postgresql,fuzz]

The service listens on the first free port in 38000-38999.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from fleet.service.operators import ensure_operator
from fleet.service.security import FLIGHT_PLANNING_SCOPES, Principal, Role, mint_token
from fleet.service.settings import Settings
from fleet.storage.db import make_engine, make_session_factory, migrate

SECRET = "bench-secret-key-0123456789abcdef-0123"
T0 = datetime(2031, 1, 1, tzinfo=UTC)


HTTP_PORTS = range(38000, 39000)
"""Where the benchmark's service listens (the first free port)."""


def _port() -> int:
    for port in HTTP_PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {HTTP_PORTS}")


@asynccontextmanager
async def serve(db_url: str) -> AsyncIterator[str]:
    """The service under uvicorn in a subprocess; yields its base URL once started."""
    async with spawn(db_url) as (url, process):
        assert process.stderr is not None
        async for line in process.stderr:
            if b"Application startup complete" in line:
                break
        drain = asyncio.create_task(_drain(process.stderr))
        try:
            yield url
        finally:
            drain.cancel()


@asynccontextmanager
async def spawn(
    db_url: str, extra_env: dict[str, str] | None = None
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """Start the service under uvicorn (no bridge); yields its base URL and the process,
    terminated when the block ends."""
    port = _port()
    env = {
        **os.environ,
        "SKYFLEET_DATABASE_URL": db_url,
        "SKYFLEET_SECRET_KEY": SECRET,
        "SKYFLEET_ENV": "test",
        "SKYFLEET_RUN_BRIDGE": "0",
        **(extra_env or {}),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "fleet.service.app:create_app",
        "--port",
        str(port),
        "--no-access-log",
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        await process.wait()


async def _drain(stream: asyncio.StreamReader) -> None:
    async for _ in stream:
        pass


def tokens(db_url: str, operators: int, scopes: frozenset[str] = frozenset()) -> list[str]:
    """Admin tokens of ``operators`` operators created in ``db_url``."""
    settings = Settings(env="test", database_url=db_url, secret_key=SECRET)
    engine = make_engine(db_url)
    migrate(engine)
    with make_session_factory(engine)() as session:
        rows = [ensure_operator(session, f"bench-{i}", actor="bench") for i in range(operators)]
    engine.dispose()
    return [
        mint_token(settings, Principal(f"bench:{r.name}", r.id or 0, r.name, Role.ADMIN, scopes))
        for r in rows
    ]


def _volume(rng: random.Random) -> dict[str, Any]:
    lon, lat = 139.70 + rng.random() * 0.05, 35.68 + rng.random() * 0.05
    start = T0 + timedelta(minutes=rng.randrange(0, 24 * 60))
    d = 0.0008
    return {
        "volume": {
            "outline_polygon": {
                "vertices": [
                    {"lng": lon - d, "lat": lat - d},
                    {"lng": lon + d, "lat": lat - d},
                    {"lng": lon + d, "lat": lat + d},
                    {"lng": lon - d, "lat": lat + d},
                ]
            },
            "altitude_lower": {"value": 90.0, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": 150.0, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": start.isoformat(), "format": "RFC3339"},
        "time_end": {"value": (start + timedelta(minutes=15)).isoformat(), "format": "RFC3339"},
    }


def _delivery(rng: random.Random) -> dict[str, Any]:
    start = T0 + timedelta(minutes=rng.randrange(0, 24 * 60))
    return {
        "pickup": {"lon_deg": 139.70 + rng.random() * 0.05, "lat_deg": 35.69},
        "dropoff": {"lon_deg": 139.70 + rng.random() * 0.05, "lat_deg": 35.70},
        "payload_kg": 1.0,
        "earliest_pickup": start.isoformat(),
        "latest_delivery": (start + timedelta(hours=1)).isoformat(),
    }


@dataclass
class Load:
    """What the clients measured."""

    latencies_s: list[float]
    statuses: dict[int, int]
    wall_s: float

    @property
    def rps(self) -> float:
        return len(self.latencies_s) / self.wall_s

    def pct_ms(self, q: float) -> float:
        return statistics.quantiles(self.latencies_s, n=100)[int(q) - 1] * 1000


async def run_clients(
    base: str, headers: list[dict[str, str]], clients: int, seconds: float, mixed: bool
) -> Load:
    """``clients`` concurrent clients for ``seconds``; mixed workload or the baseline call."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def client(i: int, http: httpx.AsyncClient) -> None:
        rng = random.Random(i)
        h = headers[i % len(headers)]
        while time.perf_counter() < deadline:
            method, path, body = (
                _request(rng) if mixed else ("GET", "/flight_planning/v1/status", None)
            )
            t = time.perf_counter()
            response = await http.request(method, path, json=body, headers=h)
            latencies.append(time.perf_counter() - t)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    start = time.perf_counter()
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        await asyncio.gather(*(client(i, http) for i in range(clients)))
    return Load(latencies, statuses, time.perf_counter() - start)


def _request(rng: random.Random) -> tuple[str, str, dict[str, Any] | None]:
    roll = rng.random()
    if roll < 0.2:
        return "POST", "/intents", {"volumes": [_volume(rng)]}
    if roll < 0.33:
        return "POST", "/missions/deliveries", _delivery(rng)
    path = rng.choice(["/missions?limit=50", "/vehicles", "/intents?limit=50", "/zones"])
    return "GET", path, None


def fresh_pg(url: str) -> tuple[str, str]:
    """A new schema on the PostgreSQL server at ``url``; returns (url with search_path, name)."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}", schema


def drop_pg(url: str, schema: str) -> None:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _libpq(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port or 5432} dbname={u.database} user={u.username}"


async def throughput(db_url: str, clients: int, seconds: float) -> tuple[Load, Load]:
    headers = [
        {"Authorization": f"Bearer {t}"}
        for t in tokens(db_url, 5, frozenset(FLIGHT_PLANNING_SCOPES))
    ]
    async with serve(db_url) as base:
        baseline = await run_clients(base, headers, clients, seconds, mixed=False)
        mixed = await run_clients(base, headers, clients, seconds, mixed=True)
    return baseline, mixed


def schemathesis(db_url: str, max_examples: int) -> dict[str, Any]:
    """Run the schemathesis CLI over the OpenAPI of a live service; parse its summary."""
    token = tokens(db_url, 1, frozenset(FLIGHT_PLANNING_SCOPES))[0]

    async def go() -> str:
        async with serve(db_url) as base:
            proc = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                f"{base}/openapi.json",
                "-H",
                f"Authorization: Bearer {token}",
                "--checks",
                "all",
                "--max-examples",
                str(max_examples),
                "--seed",
                "1",
                "--no-color",
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await proc.communicate()
            return out.decode(errors="replace")

    text = asyncio.run(go())
    Path(tempfile.gettempdir(), "skyfleet_schemathesis.log").write_text(text)
    generated = re.search(r"(\d+) generated", text)
    counts = {code: int(n) for code, n in re.findall(r"(ST\d+) [^:\n]+: (\d+)", text)}
    return {"generated": int(generated.group(1)) if generated else 0, "failures": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument(
        "--phases",
        default="sqlite,postgresql,fuzz",
        help="comma-separated subset of sqlite, postgresql, fuzz (default: all)",
    )
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    rows = []
    fuzz: dict[str, Any] = {"generated": 0, "failures": {}}
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in phases:
            sqlite_url = f"sqlite:///{tmp}/bench.sqlite3"
            load = asyncio.run(throughput(sqlite_url, args.clients, args.seconds))
            rows.append(("SQLite", *load))
        if "postgresql" in phases:
            pg_url, schema = fresh_pg(args.postgres)
            try:
                load = asyncio.run(throughput(pg_url, args.clients, args.seconds))
                rows.append(("PostgreSQL", *load))
            finally:
                drop_pg(args.postgres, schema)
        if "fuzz" in phases:
            fuzz = schemathesis(f"sqlite:///{tmp}/fuzz.sqlite3", args.max_examples)
    _report(rows, fuzz, args)


def _report(
    rows: list[tuple[str, Load, Load]], fuzz: dict[str, Any], args: argparse.Namespace
) -> None:
    print(
        f"## bench_service ({datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} CPUs, "
        f"{args.clients} clients x {args.seconds:.0f} s per phase)\n"
    )
    print(
        "| database | mixed req/s | p50 ms | p99 ms | baseline req/s | baseline p99 ms | "
        "mixed/baseline throughput | statuses |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, base, mixed in rows:
        print(
            f"| {name} | {mixed.rps:.0f} | {mixed.pct_ms(50):.1f} | {mixed.pct_ms(99):.1f} | "
            f"{base.rps:.0f} | {base.pct_ms(99):.1f} | {mixed.rps / base.rps:.2f} | "
            f"{dict(sorted(mixed.statuses.items()))} |"
        )
    failures = fuzz["failures"]
    print(
        f"\nschemathesis (--checks all, --max-examples {args.max_examples}): "
        f"{fuzz['generated']} generated test cases; server errors (ST101): "
        f"{failures.get('ST101', 0)}; response schema violations (ST108): "
        f"{failures.get('ST108', 0)}; all failure kinds: {failures}"
    )


if __name__ == "__main__":
    main()
