"""The service with its in-process runner and simulated vehicles on loopback UDP, for tests.

Each test passes its own simulator port offset (this directory uses 1500-1999); the bridge
listens on the simulators' ground-station port ``14550 + offset``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from firmware_bridge.hub import HubConfig
from fleet.runner.clock import ScaledClock
from fleet.runner.runner import MissionRunner, runner_factory
from fleet.service.app import create_app
from fleet.service.context import ServiceContext
from fleet.service.settings import Settings
from simulators import Swarm
from simulators.physics import VehicleKind

SECRET = "test-secret-key-0123456789abcdef"
HOME = (139.6917, 35.6895)
GROUND_AMSL_M = 40.0


@dataclass
class SimService:
    """A running app, its context and runner, and the simulated vehicles."""

    app: FastAPI
    context: ServiceContext
    runner: MissionRunner
    swarm: Swarm
    settings: Settings

    @property
    def gcs_url(self) -> str:
        """The connection URL that sees every simulated vehicle."""
        return f"udpin://127.0.0.1:{14550 + self.swarm.vehicles[0].spec.port_offset}"


@asynccontextmanager
async def sim_service(
    db: Path | str,
    port_offset: int,
    count: int = 1,
    speedup: float = 20.0,
    kind: VehicleKind = VehicleKind.QUAD,
    home_amsl_m: float = GROUND_AMSL_M,
    **options: Any,
) -> AsyncIterator[SimService]:
    """The app on a database with its runner (scaled clock) and ``count`` simulated quads.

    Args:
        db: a SQLite file, or a database URL (e.g. the ``db_url`` fixture's PostgreSQL).
        port_offset: the simulators' port offset.
        count: simulated vehicles (system ids 1..count), 5 m apart from :data:`HOME`.
        kind: quads or rovers.
        speedup: simulated seconds per wall second (clock and simulators alike).
        home_amsl_m: the vehicles' ground above sea level; where the service plans the routes
            (approval) it must be the city's ground there (0 for the GeoJSON test buildings).
        options: passed to the runner (e.g. ``conformance_settings``).
    """
    clock = ScaledClock(datetime.now(UTC).replace(microsecond=0), speedup)
    hub = HubConfig(heartbeat_timeout_s=3.0)
    factory = runner_factory(clock=clock, hub_config=hub, **options)
    url = f"sqlite:///{db}" if isinstance(db, Path) else db
    settings = Settings(env="test", database_url=url, secret_key=SECRET)
    app = create_app(settings, runner_factory=factory, clock=clock.now)
    swarm = Swarm(
        count, kind, home_lon_lat=HOME, speedup=speedup, port_offset=port_offset,
        home_amsl_m=home_amsl_m,
    )  # fmt: skip
    async with swarm, app.router.lifespan_context(app), asyncio.TaskGroup() as tg:
        ticker = tg.create_task(swarm.run())
        context: ServiceContext = app.state.context
        runner = context.runner
        assert isinstance(runner, MissionRunner)
        await runner.wait_ready()
        yield SimService(app, context, runner, swarm, settings)
        ticker.cancel()
