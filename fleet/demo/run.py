"""``skyfleet demo``: the whole job in one process on embedded defaults.

A city (generated, or ``--buildings``), the scenario's fleet as simulated PX4 vehicles on
loopback MAVLink, the command service (FastAPI app on a SQLite file in a temporary folder, with
the in-process mission runner), bookings made through its HTTP API with a bearer token, then
scheduling by the fleet scheduler, dispatch as vehicles come back (plan, fix, reserve,
approve), flights with time acceleration, and the summary
measured on what flew.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
from fastapi import FastAPI
from rich.console import Console

from airspace.city import City, generate_city, load_city
from firmware_bridge.hub import HubConfig
from fleet.demo.booking import Booked, book_scenario
from fleet.demo.geo import Footprint, LocalFrame
from fleet.demo.progress import follow_missions
from fleet.demo.report import DemoReport
from fleet.demo.scenario import Scenario, ScenarioSize, generate_scenario
from fleet.demo.simfleet import SimFleetConfig, free_port_offset, gcs_url, sim_fleet, vehicle_specs
from fleet.demo.steps import mint_demo_token, summarise
from fleet.dispatch.service import dispatching
from fleet.runner.clock import ScaledClock
from fleet.runner.runner import MissionRunner, runner_factory
from fleet.service.app import create_app
from fleet.service.context import ServiceContext
from fleet.service.events import Event
from fleet.service.routes import use_city
from fleet.service.settings import Settings

MESSAGE_RATES_HZ = {
    33: 20.0,  # GLOBAL_POSITION_INT: tracks sampled every 2.5 s of simulated time at x50
    0: 10.0,  # HEARTBEAT: arming and mode changes confirmed within 5 simulated seconds
    42: 5.0,  # MISSION_CURRENT
    245: 5.0,  # EXTENDED_SYS_STATE (landed state)
}
"""Wall-time rates the runner asks the simulated vehicles for (SET_MESSAGE_INTERVAL)."""
HEARTBEAT_TIMEOUT_S = 6.0  # the 2-core machine is shared: tolerate a busy event loop


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What ``skyfleet demo`` was asked to do."""

    buildings: Path | None = None
    report: Path | None = None
    plot: Path | None = None
    seed: int = 7
    speedup: float = 50.0
    size: ScenarioSize = field(default_factory=ScenarioSize)
    n_buildings: int = 1200
    port_range: tuple[int, int] = (5000, 9999)
    time_limit_s: float = 112.0


def load_demo_city(options: DemoOptions) -> City:
    """The city of the run: the given building file, or a generated district."""
    if options.buildings is not None:
        return load_city(options.buildings)
    return generate_city(seed=options.seed, n_buildings=options.n_buildings)


def footprints_of(city: City) -> list[Footprint]:
    """The city's buildings as the demo's measurements see them."""
    return [
        Footprint(b.footprint_lonlat, b.ground_amsl_m, b.height_agl_m)  # type: ignore[arg-type]
        for b in city.buildings
    ]


@asynccontextmanager
async def running_service(
    settings: Settings, clock: ScaledClock, city: City
) -> AsyncIterator[tuple[FastAPI, ServiceContext, MissionRunner]]:
    """The app with its lifespan entered (database migrated, runner and dispatcher started)."""
    hub = HubConfig(heartbeat_timeout_s=HEARTBEAT_TIMEOUT_S)
    factory = runner_factory(clock=clock, hub_config=hub, message_rates_hz=MESSAGE_RATES_HZ)
    app = create_app(settings, runner_factory=dispatching(factory), clock=clock.now)
    async with app.router.lifespan_context(app):
        context: ServiceContext = app.state.context
        use_city(context, city)
        runner = context.runner
        assert isinstance(runner, MissionRunner)
        await runner.wait_ready()
        yield app, context, runner


async def run_demo(options: DemoOptions, console: Console) -> DemoReport:
    """Run the demo and return its report (also written/plotted when asked).

    Raises:
        fleet.demo.booking.BookingError: the API refused a booking.
        simulators.errors.PortInUse: the simulated fleet could not bind its ports.
    """
    wall0 = time.monotonic()
    city = await asyncio.to_thread(load_demo_city, options)
    footprints = footprints_of(city)
    frame = LocalFrame(city.frame.lon0_deg, city.frame.lat0_deg)
    scenario = generate_scenario(footprints, frame, options.seed, options.size)
    console.print(
        f"city: {city.name or options.buildings} ({len(city.buildings)} buildings); fleet: "
        f"{len(scenario.vehicles)} vehicles at {len(scenario.docks)} docks; bookings: "
        f"{len(scenario.deliveries)} deliveries, {len(scenario.inspections)} inspections"
    )
    # Held until the dispatch is done: bookings and plans share one time origin, however long
    # planning takes on a busy machine.
    clock = ScaledClock(datetime.now(UTC).replace(microsecond=0), options.speedup, running=False)
    offset = free_port_offset(len(scenario.vehicles), *options.port_range)
    sim = SimFleetConfig(options.speedup, offset)
    ground = city.ground_amsl_m(scenario.docks[0].lon_deg, scenario.docks[0].lat_deg)
    specs = vehicle_specs(scenario.vehicles, scenario.docks, ground, sim)
    with TemporaryDirectory(prefix="skyfleet-demo-") as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/skyfleet.sqlite3", run_bridge=True)
        async with (
            sim_fleet(specs),
            running_service(settings, clock, city) as (app, ctx, runner),
            ctx.bus.subscribe() as events,
        ):
            t0 = time.monotonic()
            booked = await _book(app, ctx, settings, scenario, clock, offset)
            console.print(f"booked through the API: {len(booked.mission_ids)} missions")
            ids = set(booked.mission_ids.values())
            await _until_dispatched(events, ids)
            clock.run()
            console.print(
                f"scheduled and first sorties dispatched by the service "
                f"({time.monotonic() - t0:.1f} s)"
            )
            deadline_s = options.time_limit_s - (time.monotonic() - wall0)
            await follow_missions(ctx, events, ids, console, deadline_s, clock)
        report = await asyncio.to_thread(
            summarise,
            ctx,
            runner,
            city,
            footprints,
            frame,
            scenario,
            options,
            wall0,
        )
    return report


async def _book(
    app: FastAPI,
    ctx: ServiceContext,
    settings: Settings,
    scenario: Scenario,
    clock: ScaledClock,
    offset: int,
) -> Booked:
    token = await asyncio.to_thread(mint_demo_token, ctx, settings)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://demo", headers=headers
    ) as api:
        return await book_scenario(api, scenario, clock.now(), gcs_url(offset))


async def _until_dispatched(events: AsyncIterator[Event], ids: set[int]) -> None:
    """Until the service's dispatcher ended a cycle with none of ``ids`` still requested."""
    waiting = set(ids)
    async for event in events:
        if event.kind == "mission.state" and event.data.get("mission_id") in waiting:
            if event.data.get("state") != "requested":
                waiting.discard(int(event.data["mission_id"]))
        elif event.kind == "dispatch.cycle" and not waiting:
            return
