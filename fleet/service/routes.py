"""Buildings and route previews: the city the service plans over, and zones as obstacles.

A city is prepared in the background (:func:`keep_city_prepared`, entered by the app's
lifespan): every layer of the air and ground planners and the lookups a first query would
otherwise build, so the first route after ``/readyz`` says ready costs what later ones do.
Until then routes are still planned, building what they need on the way.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import shapely
from shapely.geometry import Polygon
from sqlmodel import Session, col, or_, select

from airspace.city import City
from airspace.errors import PlanningError
from airspace.planner import Clearances, Planner
from airspace.route import AltitudeReference, Route
from airspace.zones import Zone, ZoneKind
from fleet.service.context import ServiceContext
from fleet.service.errors import Conflict
from fleet.service.events import Event
from fleet.storage.tables import ZoneRow

GROUND_CLEARANCES = Clearances(horizontal_m=2.0, vertical_m=0.0)
"""A robot drives along streets: 2 m from walls, and never over a roof."""


def use_city(context: ServiceContext, city: City) -> None:
    """Plan over ``city`` from now on; its planners are prepared in the background
    (``city.loaded`` on the event bus wakes :func:`keep_city_prepared`)."""
    context.city_prepared = False
    context.city = city
    context.planner = Planner(city)
    context.ground_planner = Planner(city, GROUND_CLEARANCES)
    context.bus.emit("city.loaded", None, buildings=len(city.buildings))


def prepare_city(context: ServiceContext) -> bool:
    """Prepare the planners of the current city (blocking; run it in a thread).

    Builds every layer of the air planner's band, the ground planner's street level, and
    plans one route across the city on each, so the lazily built lookups exist too.

    Returns:
        Whether ``context.city_prepared`` was set (``False``: another city came meanwhile).
    """
    planner, ground, city = context.planner, context.ground_planner, context.city
    if planner is None or ground is None or city is None:
        return False
    with ThreadPoolExecutor(1) as pool:  # the two overlap (shapely releases the GIL): -25 %
        street = pool.submit(ground.layer, ground.ground_high_amsl_m)
        planner.prepare()
        street.result()
    if city.buildings:
        _warm_up(planner, ground, city)
    if context.planner is not planner:
        return False
    context.city_prepared = True
    return True


def _warm_up(planner: Planner, ground: Planner, city: City) -> None:
    """Plan once across the city, corner to corner just outside its buildings (a city
    where that finds no route is warmed as far as the search went)."""
    min_x, min_y, max_x, max_y = shapely.total_bounds(city.footprints_local)
    west, south = city.frame.to_lonlat(float(min_x) - 20.0, float(min_y) - 20.0)
    east, north = city.frame.to_lonlat(float(max_x) + 20.0, float(max_y) + 20.0)
    start, goal = (west, south, 0.0), (east, north, 0.0)
    departure = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(hours=1)
    for p, kw in ((planner, {}), (ground, {"min_cruise_agl_m": 0.0, "cruise_agl_m": 0.0})):
        try:
            p.plan(start, goal, departure=departure, **kw)  # type: ignore[arg-type]
        except (PlanningError, ValueError):
            continue


@asynccontextmanager
async def keep_city_prepared(context: ServiceContext) -> AsyncIterator[None]:
    """While the block runs, prepare each city the service is given, in a thread.

    A ``city.prepared`` event (bus) follows each preparation.
    """
    async with context.bus.subscribe() as events, asyncio.TaskGroup() as tg:
        task = tg.create_task(_prepare_each(context, events), name="prepare-city")
        try:
            yield
        finally:
            task.cancel()


async def _prepare_each(context: ServiceContext, events: AsyncIterator[Event]) -> None:
    while True:
        if not context.city_prepared and context.city is not None:
            started = time.perf_counter()
            if await asyncio.to_thread(prepare_city, context):
                took_s = round(time.perf_counter() - started, 3)
                buildings = len(context.city.buildings)
                context.bus.emit("city.prepared", None, buildings=buildings, took_s=took_s)
                continue
        async for event in events:
            if event.kind == "city.loaded":
                break


def active_zones(session: Session, departure: datetime) -> list[Zone]:
    """Stored zones not over before ``departure``, as planner zones."""
    query = select(ZoneRow).where(
        or_(col(ZoneRow.time_end).is_(None), col(ZoneRow.time_end) > departure)
    )
    return [
        Zone(
            id=str(z.id),
            kind=ZoneKind(z.kind),
            polygon_lonlat=Polygon(z.geometry["coordinates"][0]),
            floor_m=z.floor_agl_m if z.floor_agl_m > 0 else -math.inf,
            ceiling_m=z.ceiling_agl_m,
            altitude_reference=AltitudeReference.AGL,
            start=z.time_start,
            end=z.time_end,
            name=z.name,
        )
        for z in session.exec(query)
    ]


def preview_route(
    context: ServiceContext,
    start: tuple[float, float],
    goal: tuple[float, float],
    departure: datetime,
) -> Route:
    """Plan a route over the loaded city around the active zones.

    Raises:
        Conflict: no buildings are loaded yet.
        PlanningError: no route exists (the message says why).
    """
    if context.planner is None:
        raise Conflict(
            "no buildings loaded: upload a CityGML or GeoJSON file to POST /buildings "
            "or set SKYFLEET_BUILDINGS_PATH"
        )
    with context.sessions() as session:
        zones = active_zones(session, departure)
    return context.planner.plan(
        (start[0], start[1], 0.0), (goal[0], goal[1], 0.0), departure=departure, zones=zones
    )
