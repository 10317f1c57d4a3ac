"""`skyfleet plan` end to end on a small GeoJSON file: GeoJSON out, datums, plot, failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from typer.testing import CliRunner

from airspace.city import generate_city
from airspace.frames import geoid_height_m
from fleet.cli.main import build_app


@pytest.fixture(scope="module")
def buildings_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    city = generate_city(seed=2, n_buildings=150)
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(b.footprint_lonlat)),
            "properties": {"id": b.id, "height_m": b.height_agl_m},
        }
        for b in city.buildings
    ]
    path = tmp_path_factory.mktemp("cli") / "district.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(), ["plan", *args])
    return result.exit_code, result.stdout, result.stderr


ENDS = ("--from", "139.7600,35.6790", "--to", "139.7740,35.6835")


def test_prints_a_geojson_feature_with_agl_altitudes(buildings_file: Path, tmp_path: Path) -> None:
    png = tmp_path / "route.png"
    code, out, err = _run("--buildings", str(buildings_file), *ENDS, "--plot", str(png))
    assert code == 0, err
    feature = json.loads(out)
    coords = feature["geometry"]["coordinates"]
    assert feature["geometry"]["type"] == "LineString"
    assert coords[0][:2] == pytest.approx([139.76, 35.679]) and coords[0][2] == 0.0
    assert coords[-1][:2] == pytest.approx([139.774, 35.6835]) and coords[-1][2] == 0.0
    assert all(c[2] >= 30.0 for c in coords[1:-1])
    props = feature["properties"]
    assert props["altitude_reference"] == "AGL"
    assert props["length_m"] > 1300 and props["duration_s"] > props["length_m"] / 12.0
    assert props["planning_ms"] > 0
    assert png.stat().st_size > 10_000
    assert "loaded 150 buildings" in err  # progress goes to stderr, the Feature alone to stdout


def test_w84_altitudes_add_the_geoid(buildings_file: Path) -> None:
    _, out_amsl, _ = _run("--buildings", str(buildings_file), *ENDS, "--altitude-reference", "AMSL")
    _, out_w84, _ = _run("--buildings", str(buildings_file), *ENDS, "--altitude-reference", "W84")
    amsl = json.loads(out_amsl)["geometry"]["coordinates"]
    w84 = json.loads(out_w84)["geometry"]["coordinates"]
    lon, lat, alt = amsl[1]
    assert w84[1][2] == pytest.approx(alt + geoid_height_m(lon, lat), abs=0.01)
    assert json.loads(out_w84)["properties"]["altitude_reference"] == "W84"


def test_no_route_exits_non_zero_with_one_line_reason(buildings_file: Path) -> None:
    code, out, err = _run("--buildings", str(buildings_file), *ENDS, "--ceiling-agl-m", "20")
    assert code == 1 and out == ""
    assert err.strip().splitlines()[-1].startswith("skyfleet plan: no cruise altitude")


def test_bad_file_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [')
    code, _, err = _run("--buildings", str(bad), *ENDS)
    assert code == 1
    assert "malformed JSON" in err.strip().splitlines()[-1]


def test_ground_amsl_m_lifts_a_geojson_city_without_ground(buildings_file: Path) -> None:
    args = ("--buildings", str(buildings_file), *ENDS, "--altitude-reference", "AMSL")
    _, at_zero, _ = _run(*args)
    code, at_forty, err = _run(*args, "--ground-amsl-m", "40")
    assert code == 0, err
    zero = json.loads(at_zero)["geometry"]["coordinates"]
    forty = json.loads(at_forty)["geometry"]["coordinates"]
    assert (zero[0][2], forty[0][2], forty[-1][2]) == (0.0, 40.0, 40.0)
    assert [c[2] for c in forty] == pytest.approx([c[2] + 40.0 for c in zero])


@pytest.mark.parametrize(
    ("value", "message"),
    [("9500", "--ground-amsl-m 9500.0 is outside -500..9000 m AMSL"), ("nan", "outside")],
)
def test_a_bad_ground_amsl_m_is_refused_before_loading(
    buildings_file: Path, value: str, message: str
) -> None:
    code, _, err = _run("--buildings", str(buildings_file), *ENDS, "--ground-amsl-m", value)
    assert code == 2
    assert message in err and "loading" not in err


def test_a_bad_ground_m_in_the_file_names_the_feature(tmp_path: Path) -> None:
    ring = [[139.76, 35.68], [139.761, 35.68], [139.761, 35.681], [139.76, 35.68]]
    feature = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"id": "b-9", "height_m": 20, "ground_m": "high"},
    }
    bad = tmp_path / "ground.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    code, _, err = _run("--buildings", str(bad), *ENDS)
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        f"skyfleet plan: {bad}: feature 0 (b-9): ground_m 'high' is not a number (metres AMSL)"
    )
