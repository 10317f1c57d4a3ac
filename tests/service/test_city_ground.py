"""SKYFLEET_GROUND_AMSL_M: the ground of a GeoJSON city that gives none, at start and on upload."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from fleet.service.app import create_app
from fleet.service.settings import Settings
from tests.service.conftest import SECRET, TokenMaker
from tests.service.helpers import square


def _city(**members: object) -> dict[str, Any]:
    ring = [*square(139.705, 35.69, 0.0008), square(139.705, 35.69, 0.0008)[0]]
    feature = {
        "type": "Feature",
        "properties": {"height_m": 120.0},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    return {"type": "FeatureCollection", **members, "features": [feature]}


@pytest.fixture
def settings(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """SQLite settings read from an environment that sets the ground (as `skyfleet serve`)."""
    path = tmp_path / "skyfleet.sqlite3"
    shutil.copyfile(sqlite_template, path)
    monkeypatch.setenv("SKYFLEET_GROUND_AMSL_M", "40.5")
    return Settings(env="test", database_url=f"sqlite:///{path}", secret_key=SECRET)


async def test_the_configured_city_stands_on_the_configured_ground(
    settings: Settings, tmp_path: Path
) -> None:
    city_file = tmp_path / "city.geojson"
    city_file.write_text(json.dumps(_city()), encoding="utf-8")
    app = create_app(settings.model_copy(update={"buildings_path": str(city_file)}))
    async with app.router.lifespan_context(app):
        city = app.state.context.city
        assert settings.ground_amsl_m == 40.5
        assert city.buildings[0].ground_amsl_m == 40.5
        assert city.ground_amsl_m(139.70, 35.69) == 40.5


async def test_an_upload_stands_on_the_configured_ground_unless_it_gives_its_own(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    admin = auth("acme", "admin")
    for body, ground in ((_city(), 40.5), (_city(ground_amsl_m=37.0), 37.0)):
        files = {"file": ("city.geojson", json.dumps(body), "application/geo+json")}
        assert (await client.post("/buildings", files=files, headers=admin)).status_code == 201
        city = client.app.state.context.city  # type: ignore[attr-defined]
        assert city.buildings[0].ground_amsl_m == ground


async def test_a_bad_ground_in_an_upload_is_a_400_naming_the_file_and_feature(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    body = _city()
    body["features"][0]["properties"]["ground_m"] = "sea level"
    files = {"file": ("shinjuku.geojson", json.dumps(body), "application/geo+json")}
    answer = await client.post("/buildings", files=files, headers=auth("acme", "admin"))
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        "shinjuku.geojson: feature 0 (feature-0): ground_m 'sea level' is not a number"
        " (metres AMSL)"
    )


@pytest.mark.parametrize("value", ["forty", "nan", "10000"])
def test_a_bad_ground_setting_is_refused_naming_it(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKYFLEET_GROUND_AMSL_M", value)
    with pytest.raises(ValidationError, match="ground_amsl_m"):
        Settings()
