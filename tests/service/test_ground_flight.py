"""A GeoJSON city at the simulators' ground flies: the issue's 0 m vs 40 m AMSL, configured away.

``skyfleet sim`` stands at 40 m AMSL by default (the Shinjuku area's ground, PX4 SITL's home);
a GeoJSON city without elevations was planned from 0 m and every leg was refused. With
``SKYFLEET_GROUND_AMSL_M=40`` the same upload stands at 40 m and the delivery completes.
Simulator port offset 1840.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.service.sim_service import GROUND_AMSL_M, sim_service
from tests.service.test_start_altitude import _deliver


async def test_a_geojson_city_on_the_configured_ground_is_flown_by_a_vehicle_standing_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKYFLEET_GROUND_AMSL_M", str(GROUND_AMSL_M))
    async with (
        sim_service(tmp_path / "skyfleet.sqlite3", 1840, home_amsl_m=GROUND_AMSL_M) as service,
        asyncio.timeout(60),
    ):
        assert service.settings.ground_amsl_m == GROUND_AMSL_M
        state, reason, top_m = await _deliver(service)
        city = service.context.city
        assert city is not None and city.buildings[0].ground_amsl_m == GROUND_AMSL_M
    assert state == "completed", reason
    assert top_m > 20.0  # it cruised
