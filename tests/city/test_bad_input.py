"""Malformed files raise DataError naming the file and the element; no half-built city."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airspace.city import load_buildings_geojson, load_city, load_citygml
from airspace.errors import DataError
from airspace.zones import load_zones_geojson

GOOD_RING = "35.0 139.0 5.0 35.0 139.001 5.0 35.001 139.001 5.0 35.0 139.0 5.0"


def _gml(buildings: str, srs: str = "http://www.opengis.net/def/crs/EPSG/0/6697") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0"
 xmlns:bldg="http://www.opengis.net/citygml/building/2.0" xmlns:gml="http://www.opengis.net/gml">
 <gml:boundedBy><gml:Envelope srsName="{srs}" srsDimension="3">
  <gml:lowerCorner>35 139 0</gml:lowerCorner><gml:upperCorner>35.1 139.1 10</gml:upperCorner>
 </gml:Envelope></gml:boundedBy>
{buildings}
</core:CityModel>"""


def _building(gid: str, height: str = "12.5", ring: str = GOOD_RING) -> str:
    return f"""<core:cityObjectMember><bldg:Building gml:id="{gid}">
 <bldg:measuredHeight uom="m">{height}</bldg:measuredHeight>
 <bldg:lod0FootPrint><gml:MultiSurface><gml:surfaceMember><gml:Polygon><gml:exterior>
 <gml:LinearRing><gml:posList>{ring}</gml:posList></gml:LinearRing>
 </gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></bldg:lod0FootPrint>
</bldg:Building></core:cityObjectMember>"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_well_formed_minimal_file_loads(tmp_path: Path) -> None:
    city = load_citygml(_write(tmp_path, "ok.gml", _gml(_building("b1") + _building("b2", "9999"))))
    assert [b.id for b in city.buildings] == ["b1", "b2"]
    assert city.buildings[0].height_agl_m == 12.5
    assert city.buildings[1].fallback_height  # 9999 is "missing", never a 10 km tower


@pytest.mark.parametrize(
    ("case", "text", "message"),
    [
        ("truncated", _gml(_building("b1"))[:-200], "malformed XML"),
        (
            "unclosed",
            _gml(
                _building("b1")
                + _building("b2", ring="35 139 0 35 139.001 0 35.001 139 0 35 139.1 0")
            ),
            "does not close",
        ),
        (
            "non_numeric",
            _gml(_building("b1") + _building("b2", "tall")),
            "non-numeric value 'tall'",
        ),
        ("unknown_crs", _gml(_building("b1"), srs="EPSG:2451"), "unsupported CRS"),
    ],
)
def test_bad_citygml_raises_data_error_naming_file_and_element(
    tmp_path: Path, case: str, text: str, message: str
) -> None:
    path = _write(tmp_path, f"{case}.gml", text)
    with pytest.raises(DataError, match=message) as err:
        load_citygml(path)
    assert str(path) in str(err.value)
    if case in ("unclosed", "non_numeric"):  # the element and its line are named
        assert "line" in str(err.value) and "<" in str(err.value)


def _geojson(features: list[dict[str, object]], **extra: object) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features, **extra})


def _feature(ring: list[list[float]], height: object = 10.0) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"height_m": height},
    }


SQUARE = [[139.0, 35.0], [139.001, 35.0], [139.001, 35.001], [139.0, 35.0]]


@pytest.mark.parametrize(
    ("case", "text", "message"),
    [
        (
            "unclosed",
            _geojson([_feature(SQUARE), _feature([*SQUARE[:-1], [139.0, 35.1]])]),
            "feature 1: polygon ring does not close",
        ),
        (
            "non_numeric",
            _geojson([_feature(SQUARE), _feature(SQUARE, "ten")]),
            "feature 1: non-numeric height_m 'ten'",
        ),
        (
            "crs",
            _geojson([_feature(SQUARE)], crs={"properties": {"name": "EPSG:6677"}}),
            "unsupported CRS",
        ),
        ("truncated", _geojson([_feature(SQUARE)])[:-10], "malformed JSON"),
        (
            "point",
            _geojson(
                [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [1, 2]},
                        "properties": {},
                    }
                ]
            ),
            "feature 0: geometry is not a Polygon",
        ),
    ],
)
def test_bad_geojson_raises_data_error_naming_file_and_feature(
    tmp_path: Path, case: str, text: str, message: str
) -> None:
    path = _write(tmp_path, f"{case}.geojson", text)
    with pytest.raises(DataError, match=message) as err:
        load_buildings_geojson(path)
    assert str(path) in str(err.value)


def test_null_height_gets_a_flagged_fallback(tmp_path: Path) -> None:
    feature = _feature(SQUARE, None)
    feature["properties"] = {"height_m": None, "storeys": 4}
    city = load_buildings_geojson(_write(tmp_path, "b.geojson", _geojson([feature])))
    assert city.buildings[0].height_agl_m == pytest.approx(14.0)
    assert city.buildings[0].fallback_height


def test_unknown_suffix_and_bad_zone_time(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown building file type"):
        load_city(_write(tmp_path, "city.shp", ""))
    zone = _feature(SQUARE)
    zone["properties"] = {"start": "tomorrow"}
    with pytest.raises(DataError, match="feature 0: start 'tomorrow'"):
        load_zones_geojson(_write(tmp_path, "z.geojson", _geojson([zone])))
