"""``skyfleet demo``: the whole job on embedded defaults, the demo as a client of the service.

A city (generated, or ``--buildings``) and the scenario's fleet as simulated PX4 vehicles on
loopback MAVLink; the command service as ``skyfleet serve`` runs it (runner and dispatcher, a
SQLite file in a temporary folder) under uvicorn on a loopback port, sharing a scaled clock
with the simulators. Then only HTTP and the WebSocket: the docks, vehicles and bookings are
posted with a bearer token, the service's dispatcher schedules, plans, reserves and flies them,
and the demo follows ``/ws/events`` until every booked mission has ended. The summary is
measured on what flew: the service's database and the simulators' own tracks.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
from rich.console import Console

from airspace.city import City, generate_city, load_city
from fleet.cli.token import mint_cli_token
from fleet.demo.booking import OPERATOR, book_scenario
from fleet.demo.events import subscribed, until_dispatched
from fleet.demo.geo import Footprint, LocalFrame
from fleet.demo.progress import follow_missions
from fleet.demo.report import DemoReport
from fleet.demo.scenario import ScenarioSize, generate_scenario
from fleet.demo.service import served, write_city
from fleet.demo.simfleet import SimFleetConfig, free_port_offset, gcs_url, sim_fleet, vehicle_specs
from fleet.demo.summary import Run, summarise
from fleet.demo.tracks import TrackPoint, record
from fleet.runner.clock import ScaledClock
from fleet.service.settings import Settings


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
    if options.buildings is not None:  # on the ground the service will load it on
        return load_city(options.buildings, ground_amsl_m=Settings().ground_amsl_m)
    return generate_city(seed=options.seed, n_buildings=options.n_buildings)


def footprints_of(city: City) -> list[Footprint]:
    """The city's buildings as the demo's measurements see them."""
    return [
        Footprint(b.footprint_lonlat, b.ground_amsl_m, b.height_agl_m)  # type: ignore[arg-type]
        for b in city.buildings
    ]


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
    # Held until the dispatcher's first cycle is done: bookings and plans share one time
    # origin, however long planning takes on a busy machine.
    clock = ScaledClock(datetime.now(UTC).replace(microsecond=0), options.speedup, running=False)
    offset = free_port_offset(len(scenario.vehicles), *options.port_range)
    specs = vehicle_specs(
        scenario.vehicles,
        scenario.docks,
        city.ground_amsl_m,
        SimFleetConfig(options.speedup, offset),
    )
    tracks: dict[str, list[TrackPoint]] = {}
    off_nominal: list[dict[str, object]] = []
    with TemporaryDirectory(prefix="skyfleet-demo-") as tmp:
        buildings = options.buildings or write_city(city, Path(tmp) / "city.geojson")
        settings = Settings(
            database_url=f"sqlite:///{tmp}/skyfleet.sqlite3",
            run_bridge=True,
            buildings_path=str(buildings),
        )
        token = await asyncio.to_thread(
            mint_cli_token, OPERATOR, "admin", [], False, "demo:dispatcher", 0, settings
        )
        async with (
            sim_fleet(specs) as fleet,
            served(settings, clock) as address,
            subscribed(address, token) as events,
            asyncio.TaskGroup() as tg,
        ):
            names = {v.id: sim for v, sim in zip(scenario.vehicles, fleet.vehicles, strict=True)}
            sampling = tg.create_task(record(names, clock, tracks), name="demo-tracks")
            t0 = time.monotonic()
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(
                base_url=f"http://{address}", headers=headers, timeout=60.0
            ) as api:
                booked = await book_scenario(api, scenario, clock.now(), gcs_url(offset))
            console.print(f"booked through the API: {len(booked.mission_ids)} missions")
            states = dict.fromkeys(booked.mission_ids.values(), "requested")
            await until_dispatched(events, states)
            clock.run()
            console.print(
                "scheduled, and the first sorties booked, by the service's dispatcher "
                f"({time.monotonic() - t0:.1f} s)"
            )
            deadline_s = options.time_limit_s - (time.monotonic() - wall0)
            await follow_missions(events, states, console, deadline_s, clock, off_nominal)
            sampling.cancel()
        run = Run(settings.database_url, tracks, clock.elapsed_s(), wall0, off_nominal)
        return await asyncio.to_thread(summarise, run, footprints, frame, scenario, options)
