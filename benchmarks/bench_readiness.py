"""Fresh service readiness: time to alive and ready, first route against the steady state.

A real ``uvicorn`` process of the service (SQLite, no bridge) with
``SKYFLEET_BUILDINGS_PATH`` set to the Shinjuku PLATEAU set (4,731 buildings; read from
``SKYFLEET_SHARED_DATA`` or ``../shared/data``) is started ``--runs`` times. For each start:

- time to alive: process start to the first ``GET /healthz`` 200 (the city is loaded before
  the app accepts requests);
- time to ready: process start to the first ``GET /readyz`` 200 (the planner prepared in the
  background), probed every ``--probe-ms`` as an orchestrator's readiness probe does;
- first route: ``POST /routes/preview`` latency of the first route after ready.

Then, on the last start, ``--routes`` more previews of the same kind of pairs give the
steady-state p50/p95; the figure is the ratio first route / steady p95 (goal: <= 2). The same
run also times one route asked at alive, before ready, on a further fresh start: what a
client got before readiness existed (the planner built lazily on the first route).

Usage::

    .venv/bin/python benchmarks/bench_readiness.py [--runs 3] [--routes 60] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from bench_planner import DATA, SHINJUKU, sample_pairs
from bench_service import _drain, spawn, tokens

from airspace.city import City, load_city

T0 = datetime(2031, 1, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Start:
    """One fresh start: seconds from process start to alive and to ready."""

    alive_s: float
    ready_s: float


@asynccontextmanager
async def fresh_service(db_url: str, buildings: Path) -> AsyncIterator[tuple[str, float]]:
    """A new service process; yields its base URL and the ``perf_counter`` of its start."""
    started = time.perf_counter()
    async with spawn(db_url, {"SKYFLEET_BUILDINGS_PATH": str(buildings)}) as (url, process):
        assert process.stderr is not None
        drain = asyncio.create_task(_drain(process.stderr))
        try:
            yield url, started
        finally:
            drain.cancel()


async def probe(api: httpx.AsyncClient, path: str, started: float, every_s: float) -> float:
    """Seconds from ``started`` until ``path`` answers 200 (a probe every ``every_s``)."""
    while True:
        try:
            if (await api.get(path)).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass  # not listening yet
        await asyncio.sleep(every_s)  # a probe's period, as an orchestrator's


def bodies(city: City, n: int, seed: int) -> list[dict[str, object]]:
    """Route preview requests between seeded open-ground pairs 300 m - 2.5 km apart."""
    out: list[dict[str, object]] = []
    for a, b in sample_pairs(city, n, seed):
        (lon_a, lat_a), (lon_b, lat_b) = (city.frame.to_lonlat(*map(float, p)) for p in (a, b))
        out.append(
            {
                "start": {"lon_deg": lon_a, "lat_deg": lat_a},
                "goal": {"lon_deg": lon_b, "lat_deg": lat_b},
                "departure": T0.isoformat(),
            }
        )
    return out


async def route_ms(api: httpx.AsyncClient, body: dict[str, object], token: str) -> float:
    """Wall milliseconds of one route preview (any answer but a server error counts)."""
    t = time.perf_counter()
    response = await api.post(
        "/routes/preview", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    took = (time.perf_counter() - t) * 1000.0
    if response.status_code >= 500:
        raise RuntimeError(f"route preview: {response.status_code} {response.text[:200]}")
    return took


async def run(args: argparse.Namespace) -> dict[str, object]:
    buildings = DATA / SHINJUKU
    city = load_city(buildings)
    requests = bodies(city, args.routes + args.runs + 1, args.seed)
    starts: list[Start] = []
    firsts: list[float] = []
    steady: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        (token,) = tokens(db_url, 1)
        async with httpx.AsyncClient(timeout=120) as api:
            for k in range(args.runs):
                async with fresh_service(db_url, buildings) as (url, started):
                    api.base_url = httpx.URL(url)
                    alive = await probe(api, "/healthz", started, args.probe_ms / 1000)
                    ready = await probe(api, "/readyz", started, args.probe_ms / 1000)
                    starts.append(Start(alive, ready))
                    firsts.append(await route_ms(api, requests[k], token))
                    if k == args.runs - 1:
                        for body in requests[args.runs + 1 :]:
                            steady.append(await route_ms(api, body, token))
            async with fresh_service(db_url, buildings) as (url, started):
                api.base_url = httpx.URL(url)
                alive = await probe(api, "/healthz", started, args.probe_ms / 1000)
                before_ready = await route_ms(api, requests[args.runs], token)
    p95 = float(np.percentile(steady, 95))
    return {
        "buildings": len(city.buildings),
        "starts": starts,
        "firsts_ms": firsts,
        "steady_p50_ms": statistics.median(steady),
        "steady_p95_ms": p95,
        "ratio": max(firsts) / p95,
        "before_ready_ms": before_ready,
    }


def markdown(args: argparse.Namespace, r: dict[str, object]) -> str:
    starts: list[Start] = r["starts"]  # type: ignore[assignment]
    firsts: list[float] = r["firsts_ms"]  # type: ignore[assignment]
    alive = ", ".join(f"{s.alive_s:.1f}" for s in starts)
    ready = ", ".join(f"{s.ready_s:.1f}" for s in starts)
    first = ", ".join(f"{f:.0f}" for f in firsts)
    return "\n".join(
        [
            f"### Readiness: fresh service on Shinjuku ({datetime.now(UTC):%Y-%m-%d}, "
            f"{platform.machine()}, {os.cpu_count()} cores shared)",
            "",
            f"`bench_readiness.py --runs {args.runs} --routes {args.routes} --seed {args.seed}`"
            f": uvicorn process, SQLite, no bridge, {r['buildings']:,} buildings.",
            "",
            "| figure | value | goal |",
            "|---|---|---|",
            f"| time to alive (`/healthz` 200), s, per start | {alive} | |",
            f"| time to ready (`/readyz` 200), s, per start | {ready} | |",
            f"| first route after ready, ms, per start | {first} | |",
            f"| steady state ({args.routes} routes), p50 / p95 ms | "
            f"{r['steady_p50_ms']:.0f} / {r['steady_p95_ms']:.0f} | |",
            f"| worst first route / steady p95 | {r['ratio']:.2f} | <= 2 |",
            f"| baseline: a route asked at alive, before ready, ms | "
            f"{r['before_ready_ms']:.0f} | |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh starts (default 3)")
    parser.add_argument("--routes", type=int, default=60, help="steady-state routes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--probe-ms", type=float, default=50.0, help="probe period")
    args = parser.parse_args()
    print(markdown(args, asyncio.run(run(args))))


if __name__ == "__main__":
    main()
