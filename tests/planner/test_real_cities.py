"""Planning over the shared PLATEAU data: Osaka CityGML end to end, Shinjuku towers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import shapely

from airspace.city import City, load_city
from airspace.errors import PlanningError
from airspace.planner import Clearances, Planner, VehicleProfile
from airspace.verify import verify_route

pytestmark = pytest.mark.shared_data
T0 = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)


def _pairs(city: City, n: int, seed: int, lo_m: float, hi_m: float) -> list[tuple[float, ...]]:
    rng = np.random.default_rng(seed)
    near = shapely.union_all(shapely.buffer(city.footprints_local, 10.0))
    minx, miny, maxx, maxy = shapely.total_bounds(city.footprints_local)
    out: list[tuple[float, ...]] = []
    while len(out) < n:
        a, b = rng.uniform([minx, miny], [maxx, maxy], size=(2, 2))
        if lo_m <= np.hypot(*(a - b)) <= hi_m and not (
            shapely.intersects_xy(near, *a) or shapely.intersects_xy(near, *b)
        ):
            out.append((*city.frame.to_lonlat(*a), 0.0, *city.frame.to_lonlat(*b), 0.0))
    return out


def test_osaka_citygml_end_to_end(shared_data: Path) -> None:
    city = load_city(shared_data / "buildings/plateau_citygml/osaka-shi/51357363_bldg_6697_op.gml")
    planner = Planner(city)
    found = 0
    for p in _pairs(city, 12, seed=3, lo_m=200.0, hi_m=1200.0):
        try:
            route = planner.plan(p[:3], p[3:], VehicleProfile(), departure=T0)
        except PlanningError:
            continue
        found += 1
        assert verify_route(route, city, (), Clearances()) == []
    assert found >= 10


@pytest.mark.slow
def test_shinjuku_routes_clear_the_towers(shared_data: Path) -> None:
    city = load_city(shared_data / "buildings/tokyo_shinjuku_plateau2020_bldg.geojson")
    planner = Planner(city)
    for p in _pairs(city, 8, seed=1, lo_m=800.0, hi_m=2000.0):
        route = planner.plan(p[:3], p[3:], VehicleProfile(), departure=T0)
        assert verify_route(route, city) == []
