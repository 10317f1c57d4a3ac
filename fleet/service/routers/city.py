"""``/buildings`` (upload PLATEAU CityGML or GeoJSON) and ``/routes/preview``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from fleet.service.city_store import building_file, city_from_bytes, save_upload
from fleet.service.context import ServiceContext
from fleet.service.deps import Admin, Commander, ContextDep
from fleet.service.errors import BadRequest
from fleet.service.legs import route_to_json
from fleet.service.routes import preview_route, use_city
from fleet.service.schemas import ERRORS, AwareDatetime, Point, Strict
from fleet.storage.tables import BuildingFile

router = APIRouter(tags=["city"], responses=ERRORS)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
SUFFIXES = (".gml", ".xml", ".citygml", ".geojson", ".json")


class BuildingsLoaded(BaseModel):
    """What was imported."""

    name: str
    buildings: int


class RoutePreviewRequest(Strict):
    """From where to where, leaving when."""

    start: Point
    goal: Point
    departure: AwareDatetime


class RoutePreview(BaseModel):
    """A planned route: waypoints (lon, lat, altitude AMSL, time), length, duration."""

    waypoints: list[dict[str, Any]]
    length_m: float
    duration_s: float


@router.post("/buildings", response_model=BuildingsLoaded, status_code=201)
async def upload_buildings(file: UploadFile, context: ContextDep, admin: Admin) -> BuildingsLoaded:
    """Import a PLATEAU CityGML (.gml) or GeoJSON (.geojson) building file to plan over.

    The file is kept in the database (replacing the previous upload): a restarted service
    plans over it again."""
    name = Path(file.filename or "buildings").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise BadRequest(f"{name}: upload a .gml (CityGML) or .geojson file, not {suffix!r}")
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise BadRequest(f"{name}: larger than {MAX_UPLOAD_BYTES // 2**20} MiB")
    ground = context.settings.ground_amsl_m
    city = await run_in_threadpool(city_from_bytes, data, suffix, ground_amsl_m=ground, name=name)
    upload = building_file(
        name, suffix, data, len(city.buildings), operator_id=admin.operator_id, actor=admin.actor
    )
    await run_in_threadpool(_save, context, upload)
    use_city(context, city)
    return BuildingsLoaded(name=name, buildings=len(city.buildings))


def _save(context: ServiceContext, upload: BuildingFile) -> None:
    with context.sessions() as session:
        save_upload(session, upload, operator_id=upload.operator_id, now=context.clock())


@router.post("/routes/preview", response_model=RoutePreview)
async def route_preview(
    body: RoutePreviewRequest, context: ContextDep, _user: Commander
) -> RoutePreview:
    """Plan a 3D route clear of buildings and active zones (nothing is reserved)."""
    route = await run_in_threadpool(
        preview_route,
        context,
        (body.start.lon_deg, body.start.lat_deg),
        (body.goal.lon_deg, body.goal.lat_deg),
        body.departure,
    )
    return RoutePreview(
        waypoints=route_to_json(route)["waypoints"],
        length_m=route.length_m,
        duration_s=route.duration_s,
    )
