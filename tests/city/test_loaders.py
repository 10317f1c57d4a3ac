"""City loaders on the shared PLATEAU / GeoJSON tiles and on the generated district."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from airspace.city import HeightSource, generate_city, load_city
from airspace.zones import ZoneKind, load_zones_geojson

pytestmark = pytest.mark.shared_data

CITYGML = "buildings/plateau_citygml"


def test_shinjuku_geojson_loads_every_building_with_its_height(shared_data: Path) -> None:
    city = load_city(shared_data / "buildings/tokyo_shinjuku_plateau2020_bldg.geojson")
    assert len(city.buildings) == 4731
    assert city.heights_agl_m.max() == pytest.approx(270.3)
    assert (city.heights_agl_m >= 60).sum() == 91
    # the local frame is centred on the district: footprints lie within ~1.1 km of it
    minx, miny, maxx, maxy = shapely.total_bounds(city.footprints_local)
    assert max(abs(minx), abs(maxx), abs(miny), abs(maxy)) < 1100


def test_osaka_tile_swaps_lat_lon_and_flags_missing_heights(shared_data: Path) -> None:
    city = load_city(shared_data / CITYGML / "osaka-shi/51357363_bldg_6697_op.gml")
    assert len(city.buildings) == 397
    measured = [b for b in city.buildings if b.height_source is HeightSource.MEASURED]
    assert len(measured) == 228
    assert max(b.height_agl_m for b in measured) == pytest.approx(276.4)
    assert city.fallback_count == 397 - 228
    assert all(b.fallback_height for b in city.buildings if b not in measured)
    lon, lat = shapely.get_coordinates(city.buildings[0].footprint_lonlat)[0]
    assert 135.4 < lon < 135.43 and 34.63 < lat < 34.645  # lon/lat order, not lat/lon
    # ground from LOD1 z (orthometric), a few metres above sea level on reclaimed land
    assert 0.0 < city.buildings[0].ground_amsl_m < 10.0
    assert city.buildings[0].id == "27100-bldg-219466"  # uro:buildingID, not gml:id


def test_yokosuka_building_parts_become_separate_buildings(shared_data: Path) -> None:
    city = load_city(shared_data / CITYGML / "yokosuka-shi/52397519_bldg_6697_op.gml")
    parts = [b for b in city.buildings if b.id.startswith("14201-bldg-156842")]
    assert len(parts) == 2  # parent without geometry, two bldg:BuildingPart
    assert {round(b.height_agl_m, 1) for b in parts} == {11.3, 9.7}
    assert all(b.footprint_local.area > 1000 for b in parts)


def test_tokyo_lod2_tile_uses_roof_edge_and_lod1_ground(shared_data: Path) -> None:
    city = load_city(shared_data / CITYGML / "tokyo23-ku/53394525_bldg_6697_2_op.gml")
    (b,) = city.buildings
    assert b.height_agl_m == pytest.approx(47.2)
    assert b.ground_amsl_m == pytest.approx(38.65)
    assert city.ground_amsl_m(*shapely.get_coordinates(b.footprint_lonlat)[0]) == 38.65


def test_shared_zone_files_load(shared_data: Path) -> None:
    airports = load_zones_geojson(shared_data / "airspace/ksj_c28_airport_premises_japan.geojson")
    dids = load_zones_geojson(
        shared_data / "airspace/r02_did_13_tokyo.geojson", kind=ZoneKind.PERMIT_REQUIRED
    )
    assert len(airports) == 85  # 108 features, 23 without geometry
    assert any("東京国際空港" in z.name or "羽田" in z.name for z in airports)
    assert len(dids) == 55 and all(z.kind is ZoneKind.PERMIT_REQUIRED for z in dids)


def test_generated_city_is_deterministic_and_sized() -> None:
    a, b = generate_city(seed=7, n_buildings=500), generate_city(seed=7, n_buildings=500)
    c = generate_city(seed=8, n_buildings=500)
    assert len(a.buildings) == 500
    assert np.array_equal(a.heights_agl_m, b.heights_agl_m)
    assert all(
        x.footprint_local.equals(y.footprint_local)
        for x, y in zip(a.buildings, b.buildings, strict=True)
    )
    assert not np.array_equal(a.heights_agl_m, c.heights_agl_m)
    assert not shapely.union_all(a.footprints_local).is_empty
    # buildings do not overlap each other
    total = sum(x.footprint_local.area for x in a.buildings)
    assert shapely.union_all(a.footprints_local).area == pytest.approx(total)
    assert 0.05 < (a.heights_agl_m > 30).mean() < 0.3  # mostly low-rise, some towers
