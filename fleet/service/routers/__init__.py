"""The API routers, one module per resource; :data:`ROUTERS` lists them in mount order."""

from fastapi import APIRouter

from fleet.service.routers import (
    audit,
    auth,
    city,
    docks,
    flight_planning,
    health,
    intents,
    map,
    missions,
    operators,
    scheduling,
    users,
    vehicles,
    ws,
    zones,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    users.router,
    docks.router,
    vehicles.router,
    missions.router,
    operators.router,
    scheduling.router,
    zones.router,
    intents.router,
    ws.router,
    flight_planning.router,
    city.router,
    map.router,
    audit.router,
    health.router,  # last: a first /readyz walks (and so builds) every router above
)
