"""GeoJSON cities carry their ground: per building, per file or from the caller's setting."""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from typing import Any

import pytest

import airspace.city.geojson
from airspace.city import load_city
from airspace.errors import DataError

WEST = [[[139.700, 35.690], [139.7002, 35.690], [139.7002, 35.6902], [139.700, 35.690]]]
EAST = [[[139.710, 35.690], [139.7102, 35.690], [139.7102, 35.6902], [139.710, 35.690]]]


def _feature(ring: list[Any], **props: object) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"height_m": 30.0, **props},
        "geometry": {"type": "Polygon", "coordinates": ring},
    }


def _write(tmp_path: Path, features: list[dict[str, Any]], **members: object) -> Path:
    path = tmp_path / "city.geojson"
    data = {"type": "FeatureCollection", **members, "features": features}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_docstring_examples() -> None:
    result = doctest.testmod(airspace.city.geojson)
    assert result.attempted > 0
    assert result.failed == 0


def test_without_any_ground_the_city_stands_at_zero(tmp_path: Path) -> None:
    city = load_city(_write(tmp_path, [_feature(WEST)]))
    assert city.buildings[0].ground_amsl_m == 0.0
    assert city.ground_amsl_m(139.7001, 35.6901) == 0.0


def test_per_building_ground_m_sets_each_ground_and_the_ground_between(tmp_path: Path) -> None:
    path = _write(tmp_path, [_feature(WEST, ground_m=38.0), _feature(EAST, id="e", ground_m=42)])
    city = load_city(path)
    west, east = city.buildings
    assert (west.ground_amsl_m, west.top_amsl_m, west.ground_known) == (38.0, 68.0, True)
    assert (east.id, east.ground_amsl_m) == ("e", 42.0)
    assert city.ground_amsl_m(139.7003, 35.6901) == 38.0  # nearest building's ground
    assert city.ground_amsl_m(139.7099, 35.6901) == 42.0


def test_file_level_ground_applies_where_a_feature_gives_none(tmp_path: Path) -> None:
    path = _write(tmp_path, [_feature(WEST), _feature(EAST, ground_m=44.0)], ground_amsl_m=40.0)
    city = load_city(path)
    assert [b.ground_amsl_m for b in city.buildings] == [40.0, 44.0]
    assert city.default_ground_amsl_m == 40.0


def test_between_buildings_the_nearest_ones_ground_counts_file_level_included(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, [_feature(WEST), _feature(EAST, ground_m=44.0)], ground_amsl_m=40.0)
    city = load_city(path)
    assert city.ground_amsl_m(139.7003, 35.6901) == 40.0  # by the west building
    assert city.ground_amsl_m(139.7099, 35.6901) == 44.0  # by the east one


def test_the_callers_ground_is_the_fallback_below_the_files(tmp_path: Path) -> None:
    plain = _write(tmp_path, [_feature(WEST)])
    assert load_city(plain, ground_amsl_m=40.0).buildings[0].ground_amsl_m == 40.0
    assert load_city(plain, ground_amsl_m=40.0).ground_amsl_m(139.7001, 35.6901) == 40.0
    declared = _write(tmp_path, [_feature(WEST)], ground_amsl_m=36.5)
    assert load_city(declared, ground_amsl_m=40.0).buildings[0].ground_amsl_m == 36.5


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("high", r"ground_m 'high' is not a number \(metres AMSL\)"),
        (True, "ground_m True is not a number"),
        ([40], r"ground_m \[40\] is not a number"),
        (-9999, r"ground_m -9999 is outside -500\.\.9000 m AMSL"),
        (12_000.0, "ground_m 12000.0 is outside"),
    ],
)
def test_a_bad_ground_m_names_the_file_and_the_feature(
    tmp_path: Path, value: object, message: str
) -> None:
    path = _write(tmp_path, [_feature(WEST), _feature(EAST, id="tower-7", ground_m=value)])
    with pytest.raises(DataError, match=f"feature 1 \\(tower-7\\): {message}") as err:
        load_city(path)
    assert str(path) in str(err.value)


def test_a_non_finite_ground_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nan.geojson"
    feature = json.dumps(_feature(WEST)).replace(
        '"height_m": 30.0', '"height_m": 30.0, "ground_m": NaN'
    )
    path.write_text(f'{{"type": "FeatureCollection", "features": [{feature}]}}', encoding="utf-8")
    with pytest.raises(DataError, match=r"feature 0 \(feature-0\): ground_m nan is outside"):
        load_city(path)


def test_a_bad_file_level_ground_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, [_feature(WEST)], ground_amsl_m="40 m")
    with pytest.raises(DataError, match="ground_amsl_m '40 m' is not a number") as err:
        load_city(path)
    assert str(err.value).startswith(f"{path}: ground_amsl_m")


@pytest.mark.shared_data
def test_citygml_keeps_its_own_ground(shared_data: Path) -> None:
    tile = shared_data / "buildings/plateau_citygml/tokyo23-ku/53394525_bldg_6697_2_op.gml"
    own = load_city(tile)
    assert load_city(tile, ground_amsl_m=1234.0).grounds_amsl_m.tolist() == (
        own.grounds_amsl_m.tolist()
    )
