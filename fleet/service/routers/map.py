"""``/map``: the city, the zones and the live operational intents as GeoJSON for map clients.

What the dashboard draws in 3D: buildings extruded by their height above ground, zones with
their altitude band and window, and intent volumes whose W84 altitudes are turned into heights
above the ground beneath them (MapLibre's ``fill-extrusion`` measures from the ground). Any
reader of the operator may fetch them; the buildings are encoded once per loaded city.
"""

from __future__ import annotations

import json
import weakref
from typing import Any

import shapely
from fastapi import APIRouter, Response
from shapely.geometry import mapping
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from airspace.city import City
from airspace.errors import FrameError
from airspace.frames import geoid_height_m
from fleet.service.deps import ContextDep, CurrentUser, SessionDep
from fleet.service.schemas import ERRORS
from fleet.storage.tables import IntentRow, ZoneRow

router = APIRouter(prefix="/map", tags=["map"], responses=ERRORS)

GEOJSON = "application/geo+json"
_ENCODED: weakref.WeakKeyDictionary[City, bytes] = weakref.WeakKeyDictionary()
"""Each loaded city's buildings, encoded once: a city is immutable, uploads replace it."""


@router.get("/buildings.geojson", response_class=Response)
async def buildings(context: ContextDep, _user: CurrentUser) -> Response:
    """The city's buildings as a GeoJSON FeatureCollection: each footprint with ``id``,
    ``height_agl_m`` and ``ground_amsl_m``; ``bbox`` is [west, south, east, north]. An empty
    collection while the service has no city."""
    city = context.city
    if city is None:
        body = json.dumps({"type": "FeatureCollection", "features": [], "name": ""}).encode()
    else:
        body = await run_in_threadpool(_encoded, city)
    return Response(body, media_type=GEOJSON)


def _encoded(city: City) -> bytes:
    cached = _ENCODED.get(city)
    if cached is None:
        cached = _ENCODED[city] = json.dumps(buildings_collection(city)).encode()
    return cached


def buildings_collection(city: City) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of ``city``'s buildings (coordinates to ~1 cm)."""
    features = [
        {
            "type": "Feature",
            "id": index,
            "geometry": mapping(shapely.set_precision(b.footprint_lonlat, 1e-7)),
            "properties": {
                "id": b.id,
                "height_agl_m": round(b.height_agl_m, 2),
                "ground_amsl_m": round(b.ground_amsl_m, 2),
                "fallback_height": b.fallback_height,
            },
        }
        for index, b in enumerate(city.buildings)
    ]
    collection: dict[str, Any] = {"type": "FeatureCollection", "name": city.name}
    if city.buildings:
        bounds = shapely.total_bounds([b.footprint_lonlat for b in city.buildings])
        collection["bbox"] = [round(float(v), 7) for v in bounds]
    collection["features"] = features
    return collection


@router.get("/zones.geojson", response_class=Response)
def zones(session: SessionDep, _user: CurrentUser) -> Response:
    """Every zone (the airspace is shared) with ``kind``, ``name``, its altitude band above
    ground and its time window (``null``: always)."""
    features = [
        {
            "type": "Feature",
            "id": zone.id,
            "geometry": zone.geometry,
            "properties": {
                "zone_id": zone.id,
                "name": zone.name,
                "kind": zone.kind,
                "floor_agl_m": zone.floor_agl_m,
                "ceiling_agl_m": zone.ceiling_agl_m,
                "time_start": _iso(zone.time_start),
                "time_end": _iso(zone.time_end),
            },
        }
        for zone in session.exec(select(ZoneRow).order_by(col(ZoneRow.id)))
    ]
    return _collection(features)


@router.get("/intents.geojson", response_class=Response)
def intents(session: SessionDep, context: ContextDep, user: CurrentUser) -> Response:
    """The live operational intents' volumes (every operator's: the airspace is shared), each
    a polygon with ``floor_agl_m`` and ``ceiling_agl_m`` above the ground beneath it, its time
    span, the intent's state, and ``mission_id`` for the caller's own."""
    rows = session.exec(select(IntentRow).where(col(IntentRow.live)))
    features: list[dict[str, Any]] = []
    for row in rows:
        features.extend(_intent_features(row, context.city, row.operator_id == user.operator_id))
    return _collection(features)


def _intent_features(row: IntentRow, city: City | None, own: bool) -> list[dict[str, Any]]:
    details = row.f3548.get("details", {})
    features = []
    for k, volume4d in enumerate(details.get("volumes", [])):
        volume = volume4d.get("volume", {})
        vertices = volume.get("outline_polygon", {}).get("vertices", [])
        if len(vertices) < 3:
            continue  # a circle or an empty volume: not drawn
        ring = [[p["lng"], p["lat"]] for p in vertices]
        ring.append(ring[0])
        ground_w84_m = _ground_w84_m(city, ring)
        lower = volume.get("altitude_lower", {}).get("value", 0.0)
        upper = volume.get("altitude_upper", {}).get("value", 0.0)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "intent_id": row.id,
                    "volume": k,
                    "state": row.state,
                    "own": own,
                    "mission_id": row.mission_id if own else None,
                    "floor_agl_m": round(max(0.0, lower - ground_w84_m), 1),
                    "ceiling_agl_m": round(max(0.0, upper - ground_w84_m), 1),
                    "time_start": volume4d.get("time_start", {}).get("value"),
                    "time_end": volume4d.get("time_end", {}).get("value"),
                },
            }
        )
    return features


def _ground_w84_m(city: City | None, ring: list[list[float]]) -> float:
    """The WGS84 ellipsoid height of the ground at the ring's first vertex (the city's ground
    AMSL plus the geoid height; 0 m geoid outside Japan's geoid model)."""
    lon, lat = ring[0]
    ground_amsl_m = 0.0 if city is None else city.ground_amsl_m(lon, lat)
    try:
        return ground_amsl_m + geoid_height_m(lon, lat)
    except FrameError:
        return ground_amsl_m


def _collection(features: list[dict[str, Any]]) -> Response:
    body = json.dumps({"type": "FeatureCollection", "features": features})
    return Response(body, media_type=GEOJSON)


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())
