"""The application factory: ``create_app(settings)`` returns a configured FastAPI app.

Nothing is opened at import time. The lifespan creates the engine, applies the shipped
migrations, and (when ``settings.run_bridge`` and a runner factory are given) starts the
in-process mission runner; it plans over the building file last uploaded (kept in the
database) or else ``settings.buildings_path``, whose planners it prepares in the background
(``GET /readyz`` answers 200 once they are). On shutdown it stops the runner and disposes
of the engine.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from airspace.city import load_city
from airspace.errors import DataError, PlanningError
from fleet.dashboard import mount as mount_dashboard
from fleet.errors import FleetError
from fleet.lifecycle import IllegalMissionTransition, MissionNotFound
from fleet.service.city_store import stored_city
from fleet.service.context import Clock, ServiceContext, utc_now
from fleet.service.errors import BadRequest, Conflict, NotFound, VehicleUnreachable
from fleet.service.events import EventBus
from fleet.service.ports import RunnerFactory, VehicleCommandPort
from fleet.service.routers import ROUTERS
from fleet.service.routes import keep_city_prepared, use_city
from fleet.service.settings import Settings
from fleet.storage.db import make_engine, make_session_factory, migrate

_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (MissionNotFound, 404),
    (Conflict, 409),
    (IllegalMissionTransition, 409),
    (VehicleUnreachable, 409),
    (BadRequest, 400),
    (DataError, 400),
    (PlanningError, 422),
    (FleetError, 400),
)


def create_app(
    settings: Settings | None = None,
    *,
    runner_factory: RunnerFactory | None = None,
    vehicle_port: VehicleCommandPort | None = None,
    bus: EventBus | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """Build the skyfleet command service.

    Args:
        settings: configuration (default: read from ``SKYFLEET_*`` environment variables).
        runner_factory: builds the in-process mission runner, entered by the lifespan when
            ``settings.run_bridge`` is true.
        vehicle_port: where vehicle commands go (default: none attached, commands get 503,
            unless the runner installs itself).
        bus: the event bus (default: a new one); pass one to publish from outside the app.
        clock: the time source.

    Returns:
        The app, with the web dashboard at ``/dashboard/``; ``app.state.context`` holds the
        :class:`ServiceContext` while it runs.
    """
    config = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context = await run_in_threadpool(_open, config, clock)
        context.bus = bus or context.bus
        if vehicle_port is not None:
            context.vehicle_port = vehicle_port
        app.state.context = context
        try:
            async with keep_city_prepared(context):  # in the background: /readyz tells when
                if runner_factory is not None and config.run_bridge:
                    async with runner_factory(context) as runner:
                        context.runner = runner
                        yield
                else:
                    yield
        finally:
            context.engine.dispose()

    app = FastAPI(
        title="skyfleet command service",
        version="0.1.0",
        summary="Book, deconflict, schedule and fly drone and ground-robot fleets.",
        lifespan=lifespan,
    )
    for router in ROUTERS:
        app.include_router(router)
    _install_error_handlers(app)
    mount_dashboard(app)
    return app


def _open(settings: Settings, clock: Clock) -> ServiceContext:
    engine = make_engine(settings.database_url)
    migrate(engine)
    context = ServiceContext(settings, engine, make_session_factory(engine), clock=clock)
    with context.sessions() as session:
        # an upload is newer than the configured file
        stored = stored_city(session, ground_amsl_m=settings.ground_amsl_m)
    if stored is not None:
        use_city(context, stored[1])
    elif settings.buildings_path:
        use_city(context, load_city(settings.buildings_path, ground_amsl_m=settings.ground_amsl_m))
    return context


def _install_error_handlers(app: FastAPI) -> None:
    for error_type, status_code in _STATUS:
        app.add_exception_handler(error_type, _handler(status_code))
    app.add_exception_handler(RequestValidationError, _validation_error)


async def _validation_error(_request: Request, exc: Exception) -> Response:
    """FastAPI's 422 body, written ASCII-safe: the echoed input may hold lone surrogates."""
    assert isinstance(exc, RequestValidationError)
    body = {"detail": jsonable_encoder(exc.errors())}
    text = json.dumps(body, ensure_ascii=True, default=str)
    return Response(text, status_code=422, media_type="application/json")


def _handler(status_code: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status_code)

    return handle
