"""The dispatch loop in ``skyfleet serve``: started next to the mission runner.

:func:`dispatching` wraps a runner factory (:func:`fleet.runner.runner.runner_factory`) so the
app's lifespan starts the runner and then the dispatcher, which stops first. The dispatcher
learns where idle vehicles stand from the runner's bridge links (their latest position fix)
and writes under the runner's database lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fleet.dispatch.loop import DispatchLoop, running
from fleet.dispatch.pads import LonLat, Positions
from fleet.runner.runner import MissionRunner
from fleet.service.context import ServiceContext
from fleet.service.ports import RunnerFactory
from fleet.storage.tables import VehicleRow


def dispatching(factory: RunnerFactory, **options: Any) -> RunnerFactory:
    """``factory``'s runner with the service's dispatch loop beside it.

    Args:
        factory: builds the mission runner.
        options: passed to :class:`~fleet.dispatch.loop.DispatchLoop` (e.g. ``loop_settings``).
    """

    @asynccontextmanager
    async def with_dispatch(context: ServiceContext) -> AsyncIterator[object]:
        async with factory(context) as runner:
            if not isinstance(runner, MissionRunner):
                yield runner
                return
            loop = DispatchLoop(context, positions(runner), runner.db_lock, **options)
            async with running(loop):
                yield runner

    return with_dispatch


def positions(runner: MissionRunner) -> Positions:
    """Vehicle id -> its latest position fix on the runner's bridge link, if any."""
    links: dict[int, tuple[str, int]] = {}

    def where(vehicle_id: int) -> LonLat | None:
        if vehicle_id not in links:
            with runner.context.sessions() as session:
                row = session.get(VehicleRow, vehicle_id)
            if row is None:
                return None
            links[vehicle_id] = (row.mavlink_url, row.system_id)
        pool = runner.pool
        link = None if pool is None else pool.known(*links[vehicle_id])
        fix = None if link is None else link.telemetry.position.latest
        return None if fix is None else (fix.lon_deg, fix.lat_deg)

    return where
