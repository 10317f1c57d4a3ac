"""Buildings and route previews: the city the service plans over, and zones as obstacles."""

from __future__ import annotations

import math
from datetime import datetime

from shapely.geometry import Polygon
from sqlmodel import Session, col, or_, select

from airspace.city import City
from airspace.planner import Clearances, Planner
from airspace.route import AltitudeReference, Route
from airspace.zones import Zone, ZoneKind
from fleet.service.context import ServiceContext
from fleet.service.errors import Conflict
from fleet.storage.tables import ZoneRow

GROUND_CLEARANCES = Clearances(horizontal_m=2.0, vertical_m=0.0)
"""A robot drives along streets: 2 m from walls, and never over a roof."""


def use_city(context: ServiceContext, city: City) -> None:
    """Plan over ``city`` from now on (a new planner is prepared lazily per layer)."""
    context.city = city
    context.planner = Planner(city)
    context.ground_planner = Planner(city, GROUND_CLEARANCES)


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
