"""Booking to in-flight latency with 50 simulated vehicles (issue 6), through skyfleet serve.

The demo's wiring (``skyfleet demo``): a generated city, 50 PX4-like simulated vehicles in
process on loopback MAVLink (46 quads, 4 ground robots at 3 docks, port offset in 6000-6999),
the command service as ``skyfleet serve`` runs it (runner and dispatcher; a throw-away
PostgreSQL database, or SQLite) under uvicorn on loopback, time x50.

Each of N deliveries is booked, one at a time, over HTTP (``POST /missions/deliveries``) with its
earliest pickup "now"; the service's dispatcher (:mod:`fleet.dispatch`) schedules it (after the
burst-settling pause of its loop, ``LoopSettings.settle_s`` of wall time), plans, fixes against
the live intents, reserves and approves it; the runner uploads, arms and starts it. The wall time
from the booking request to the ``in_flight`` event (read from ``/ws/events``, never polled) is
split into: HTTP booking, approval (booked -> ``approved``: settle, schedule, plan, reserve) and
runner (approved -> in_flight: wait for the departure, the approval's 60 s lead = 1.2 s wall at
x50, upload, arm, take-off; plus, when the scheduler put the delivery on a vehicle still flying,
the wait for that vehicle). Run:

    .venv/bin/python benchmarks/bench_booking_latency.py --bookings 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
import numpy as np
import psycopg

from airspace.city import generate_city
from fleet.cli.token import mint_cli_token
from fleet.demo.booking import OPERATOR, book_scenario, delivery_body
from fleet.demo.events import Message, subscribed
from fleet.demo.geo import LocalFrame
from fleet.demo.run import footprints_of
from fleet.demo.scenario import Scenario, ScenarioSize, generate_scenario
from fleet.demo.service import served, write_city
from fleet.demo.simfleet import SimFleetConfig, free_port_offset, gcs_url, sim_fleet, vehicle_specs
from fleet.runner.clock import ScaledClock
from fleet.service.settings import Settings

SPEEDUP = 50.0
LEAD_WALL_S = 60.0 / SPEEDUP  # the approval's departure lead, in wall time
WAIT_S = 30.0  # per booking: in_flight must come within this wall time, or it is counted missed


@dataclass(frozen=True, slots=True)
class Sample:
    """One booking's wall times (seconds) and its outcome."""

    book_s: float
    approve_s: float
    run_s: float | None  # approved -> in_flight; None when it never got there
    outcome: str


async def _until_state(
    events: AsyncIterator[Message], mission_id: int, states: set[str]
) -> tuple[str, str]:
    """Read the event stream until the mission reaches one of ``states``; it and its reason."""
    async for event in events:
        if event.kind == "mission.state" and event.data.get("mission_id") == mission_id:
            state = str(event.data["state"])
            if state in states:
                return state, str(event.data.get("reason") or "")
    raise RuntimeError("the event stream ended")


async def _one(
    api: httpx.AsyncClient,
    events: AsyncIterator[Message],
    clock: ScaledClock,
    body: dict[str, object],
) -> Sample:
    now = clock.now()
    body = {
        **body,
        "earliest_pickup": now.isoformat(),
        "latest_delivery": (now + timedelta(hours=1)).isoformat(),
    }
    t0 = time.monotonic()
    response = await api.post("/missions/deliveries", json=body)
    response.raise_for_status()
    mission_id = int(response.json()["id"])
    t1 = time.monotonic()
    ends = {"approved", "in_flight", "failed", "aborted"}
    try:
        async with asyncio.timeout(WAIT_S):
            state, reason = await _until_state(events, mission_id, ends)
            t2 = time.monotonic()
            if state not in ("approved", "in_flight"):
                return Sample(t1 - t0, t2 - t1, None, f"{state}: {reason[:160]}")
            state, reason = await _until_state(events, mission_id, ends - {"approved"})
    except TimeoutError:
        return Sample(t1 - t0, time.monotonic() - t1, None, "timeout")
    t3 = time.monotonic()
    if state != "in_flight":
        return Sample(t1 - t0, t2 - t1, None, f"{state}: {reason[:160]}")
    return Sample(t1 - t0, t2 - t1, t3 - t2, state)


@contextmanager
def _database(tmp: str, postgres: str | None) -> Iterator[str]:
    """A SQLite file in ``tmp``, or a fresh database on the PostgreSQL server (dropped after)."""
    if postgres is None:
        yield f"sqlite:///{tmp}/s.sqlite3"
        return
    name = f"skyfleet_bench_booking_{os.getpid()}"
    with psycopg.connect(f"postgresql://{postgres}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield f"postgresql+psycopg://{postgres}/{name}"
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def run(bookings: int, seed: int, postgres: str | None) -> list[Sample]:
    """Book ``bookings`` deliveries one by one on the 50-vehicle fleet; their samples.

    ``postgres``: ``user@host:port`` of a PostgreSQL server, or ``None`` for SQLite.
    """
    city = await asyncio.to_thread(generate_city, seed=seed, n_buildings=1200)
    frame = LocalFrame(city.frame.lon0_deg, city.frame.lat0_deg)
    size = ScenarioSize(drones=46, robots=4, docks=3, deliveries=bookings, inspections=0)
    scenario: Scenario = generate_scenario(footprints_of(city), frame, seed, size)
    clock = ScaledClock(datetime.now(UTC).replace(microsecond=0), SPEEDUP)
    offset = free_port_offset(len(scenario.vehicles), 6000, 6999)
    ground = city.ground_amsl_m(scenario.docks[0].lon_deg, scenario.docks[0].lat_deg)
    specs = vehicle_specs(
        scenario.vehicles, scenario.docks, ground, SimFleetConfig(SPEEDUP, offset)
    )
    fleet_only = replace(scenario, deliveries=scenario.deliveries[:0], inspections=())
    with TemporaryDirectory(prefix="skyfleet-bench-") as tmp, _database(tmp, postgres) as url:
        buildings = write_city(city, Path(tmp) / "city.geojson")
        settings = Settings(database_url=url, run_bridge=True, buildings_path=str(buildings))
        token = await asyncio.to_thread(
            mint_cli_token, OPERATOR, "admin", [], False, "bench:dispatcher", 0, settings
        )
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            sim_fleet(specs),
            served(settings, clock) as address,
            subscribed(address, token) as events,
            httpx.AsyncClient(base_url=f"http://{address}", headers=headers, timeout=60.0) as api,
        ):
            await book_scenario(api, fleet_only, clock.now(), gcs_url(offset))
            return [
                await _one(api, events, clock, delivery_body(d, clock.now()))
                for d in scenario.deliveries
            ]


def _ms(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q) * 1000:,.0f} ms" if values else "-"


def report(samples: list[Sample]) -> str:
    """The Markdown block of a run."""
    flown = [s for s in samples if s.run_s is not None]
    total = [s.book_s + s.approve_s + (s.run_s or 0.0) for s in flown]
    book = [s.book_s for s in flown]
    approve = [s.approve_s for s in flown]
    runner = [s.run_s or 0.0 for s in flown]
    outcomes: dict[str, int] = {}
    for s in samples:
        kind = s.outcome.split(":")[0]
        outcomes[kind] = outcomes.get(kind, 0) + 1
    lines = [
        f"reached in_flight: {len(flown)} of {len(samples)} ({outcomes})",
        "",
        "| figure | booking -> in_flight | HTTP booking | approval (schedule+plan+reserve) "
        "| runner (approved -> in_flight) |",
        "|---|---|---|---|---|",
    ]
    for name, q in (("p50", 50), ("p95", 95), ("max", 100)):
        parts = [_ms(v, q) for v in (total, book, approve, runner)]
        lines.append(f"| {name} | " + " | ".join(parts) + " |")
    table_end = len(lines)
    lines += [f"- {s.outcome}" for s in samples if s.run_s is None]
    if flown:
        share = sum(approve) / sum(total)
        ratio = np.median(approve) / np.median(runner)
        lines += [
            f"- approval share of the total: {share:.0%}; median approval / median runner "
            f"part: {ratio:.2f}x",
            f"- the runner part includes the planned departure lead ({LEAD_WALL_S * 1000:.0f} ms "
            f"wall = 60 simulated s at x{SPEEDUP:.0f}); net of it, runner p50 "
            f"{(np.median(runner) - LEAD_WALL_S) * 1000:,.0f} ms (upload, arm, take-off)",
        ]
    return "\n".join([*lines[:table_end], "", *lines[table_end:]])


def main() -> None:
    """Parse the arguments, run, print the Markdown block."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--postgres",
        default="postgres@127.0.0.1:5432",
        help="PostgreSQL server for a throw-away database; 'none' for SQLite",
    )
    args = parser.parse_args()
    postgres = None if args.postgres == "none" else args.postgres
    wall0 = time.monotonic()
    samples = asyncio.run(run(args.bookings, args.seed, postgres))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, ")
    wall_s = time.monotonic() - wall0
    print(f"database {'PostgreSQL' if postgres else 'SQLite'}, load {load}, wall {wall_s:.0f} s\n")
    print(report(samples))


if __name__ == "__main__":
    main()
