"""Booking to in-flight latency with 50 simulated vehicles (issue 6).

The demo's wiring (``skyfleet demo``): a generated city, 50 PX4-like simulated vehicles in
process on loopback MAVLink (46 quads, 4 ground robots at 3 docks, port offset in 6000-6999),
the command service app (a throw-away PostgreSQL database, or SQLite) with the in-process
mission runner, time x50.

Each of N deliveries is booked, one at a time, through the HTTP API
(``POST /missions/deliveries`` over ``httpx.ASGITransport``) with its earliest pickup "now";
the demo's pipeline approves it (:func:`fleet.demo.steps.schedule_booked`: the fleet scheduler
over the requested missions, then :func:`fleet.demo.dispatch.dispatcher_for`: plan, fix against
the live intents, reserve and approve through :func:`fleet.service.approval.book_legs`); the
runner uploads, arms and starts it. The wall time from the booking request to the
``mission.state = in_flight`` event (read from the event bus, never polled) is split into: HTTP
booking, approval (schedule + plan + reserve + approve) and runner (approved -> in_flight: wait
for the departure, 20 simulated s = 0.4 s wall at x50, upload, arm, take-off; plus, when the
scheduler put the delivery on a vehicle still flying, the wait for that vehicle). Run:

    .venv/bin/python benchmarks/bench_booking_latency.py --bookings 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from tempfile import TemporaryDirectory

import httpx
import numpy as np
import psycopg

from airspace.city import City, generate_city
from fleet.demo.booking import book_scenario, delivery_body
from fleet.demo.dispatch import Dispatcher, dispatcher_for
from fleet.demo.geo import LocalFrame
from fleet.demo.run import footprints_of, running_service
from fleet.demo.scenario import Scenario, ScenarioSize, generate_scenario
from fleet.demo.simfleet import SimFleetConfig, free_port_offset, gcs_url, sim_fleet, vehicle_specs
from fleet.demo.steps import leg_tools, mint_demo_token, schedule_booked
from fleet.runner.clock import ScaledClock
from fleet.service.context import ServiceContext
from fleet.service.events import Event
from fleet.service.settings import Settings

SPEEDUP = 50.0
LEAD_WALL_S = 20.0 / SPEEDUP  # the dispatcher's departure lead after approval, in wall time
WAIT_S = 30.0  # per booking: in_flight must come within this wall time, or it is counted missed


@dataclass(frozen=True, slots=True)
class Sample:
    """One booking's wall times (seconds) and its outcome."""

    book_s: float
    approve_s: float
    run_s: float | None  # approved -> in_flight; None when it never got there
    outcome: str


@dataclass
class Desk:
    """The demo's long-lived dispatcher; one ``dispatch_ready`` at a time (bookings and
    landings both call it)."""

    dispatcher: Dispatcher
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def dispatch_ready(self) -> None:
        async with self.lock:
            await self.dispatcher.dispatch_ready()

    def queued(self, mission_id: int) -> bool:
        """Whether the mission's sortie still waits for a vehicle that is flying."""
        queues = self.dispatcher.queues.values()
        return any(mission_id in sortie.mission_ids for q in queues for sortie in q)


async def _approve(
    ctx: ServiceContext, city: City, clock: ScaledClock, desk: Desk, mission_id: int
) -> str | None:
    """Schedule the requested missions, queue the plan's sorties on the dispatcher and dispatch
    what is ready; why the mission cannot fly, or None (approved, or queued for its vehicle)."""
    placed, left = await asyncio.to_thread(schedule_booked, ctx, city, clock)
    for sortie in placed:
        for v in (sortie.vehicle_id, sortie.robot_id):
            if v is not None:
                desk.dispatcher.queues.setdefault(v, deque()).append(sortie)
    await desk.dispatch_ready()
    if mission_id in left:
        return f"refused: {left[mission_id][:160]}"
    if mission_id in desk.dispatcher.failures:
        return f"failed: {desk.dispatcher.failures[mission_id][:160]}"
    return None


async def _observe(desk: Desk, events: AsyncIterator[Event]) -> None:
    """Free the dispatcher's vehicles as the runner reports them back, and dispatch the sorties
    that waited for them."""
    async for event in events:
        if desk.dispatcher.observe(event):
            await desk.dispatch_ready()


async def _until_state(events: object, mission_id: int, states: set[str]) -> tuple[str, str]:
    """Iterate the bus until the mission reaches one of ``states``; returns it and its reason."""
    while True:
        event = await anext(events)  # type: ignore[call-overload]
        if event.kind == "mission.state" and event.data.get("mission_id") == mission_id:
            state = str(event.data["state"])
            if state in states:
                return state, str(event.data.get("reason") or "")


async def _one(
    api: httpx.AsyncClient,
    ctx: ServiceContext,
    city: City,
    clock: ScaledClock,
    desk: Desk,
    body: dict[str, object],
) -> Sample:
    now = clock.now()
    body = {
        **body,
        "earliest_pickup": now.isoformat(),
        "latest_delivery": (now + timedelta(hours=1)).isoformat(),
    }
    async with ctx.bus.subscribe() as events:
        t0 = time.monotonic()
        response = await api.post("/missions/deliveries", json=body)
        response.raise_for_status()
        mission_id = int(response.json()["id"])
        t1 = time.monotonic()
        refused = await _approve(ctx, city, clock, desk, mission_id)
        t2 = time.monotonic()
        if refused is not None:
            return Sample(t1 - t0, t2 - t1, None, refused)
        queued = " (waited for its vehicle)" if desk.queued(mission_id) else ""
        try:
            async with asyncio.timeout(WAIT_S):
                ends = {"in_flight", "failed", "aborted"}
                state, reason = await _until_state(events, mission_id, ends)
        except TimeoutError:
            return Sample(t1 - t0, t2 - t1, None, "timeout" + queued)
        t3 = time.monotonic()
        if state != "in_flight":
            return Sample(t1 - t0, t2 - t1, None, f"{state}: {reason[:160]}")
        return Sample(t1 - t0, t2 - t1, t3 - t2, state + queued)


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
        settings = Settings(database_url=url, run_bridge=True)
        async with sim_fleet(specs), running_service(settings, clock) as (app, ctx, runner):
            tools = await asyncio.to_thread(leg_tools, ctx, city)
            token = await asyncio.to_thread(mint_demo_token, ctx, settings)
            headers = {"Authorization": f"Bearer {token}"}
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", headers=headers
            ) as api:
                await book_scenario(api, fleet_only, clock.now(), gcs_url(offset))
                desk = Desk(dispatcher_for(tools, [], runner, clock.now))
                samples = []
                async with ctx.bus.subscribe() as landings, asyncio.TaskGroup() as tg:
                    watcher = tg.create_task(_observe(desk, landings))
                    for d in scenario.deliveries:
                        body = delivery_body(d, clock.now())
                        samples.append(await _one(api, ctx, city, clock, desk, body))
                    watcher.cancel()
    return samples


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
            f"wall = 20 simulated s at x{SPEEDUP:.0f}); net of it, runner p50 "
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
