"""The simulator's default home is open ground: outside every building it could stand in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from airspace.city import City, generate_city, load_city
from simulators.swarm import DEFAULT_HOME, Swarm

SHINJUKU = "buildings/tokyo_shinjuku_plateau2020_bldg.geojson"
PX4_SITL_HOME = (139.6890, 35.6900)  # PX4_HOME_LON / PX4_HOME_LAT of ../shared/px4-sitl


def _inside(city: City, lon: float, lat: float) -> list[str]:
    point = shapely.Point(lon, lat)
    return [b.id for b in city.buildings if shapely.intersects(b.footprint_lonlat, point)]


def test_the_default_home_is_px4_sitls() -> None:
    assert DEFAULT_HOME == PX4_SITL_HOME


@pytest.mark.shared_data
def test_the_default_home_and_a_16_vehicle_swarm_stand_outside_every_shinjuku_building(
    shared_data: Path,
) -> None:
    city = load_city(shared_data / SHINJUKU)
    lons, lats = zip(*(b.footprint_lonlat.bounds[:2] for b in city.buildings), strict=True)
    assert min(lons) < DEFAULT_HOME[0] and min(lats) < DEFAULT_HOME[1]  # within the set
    assert _inside(city, *DEFAULT_HOME) == []
    pads = [(v.spec.home_lon_deg, v.spec.home_lat_deg) for v in Swarm(16).vehicles]
    assert [p for p in pads if _inside(city, *p)] == []
    x, y = city.frame.to_local(*DEFAULT_HOME)
    clear_m = float(np.min(shapely.distance(city.footprints_local, shapely.Point(x, y))))
    assert clear_m > 15.0


def test_the_default_home_is_not_in_a_building_of_the_demos_generated_city() -> None:
    city = generate_city(seed=7, n_buildings=1200)  # DemoOptions' defaults
    assert _inside(city, *DEFAULT_HOME) == []
