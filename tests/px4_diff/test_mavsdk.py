"""MAVSDK's take-off flow (``set_takeoff_altitude(10)``, ``takeoff()``, the Param plugin) on
real PX4 SITL: the same function the simulator's test runs, so both answer alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulators.px4_sitl import SitlOptions, px4_sitl
from tests.px4_diff.harness import HOME_AMSL_M, HOME_LAT_DEG, HOME_LON_DEG, SPEED
from tests.simulators.test_mavsdk_takeoff import mavsdk_takeoff_to_10_m


async def test_mavsdk_set_takeoff_altitude_then_takeoff_on_px4(px4_folder: Path) -> None:
    options = SitlOptions(
        speed_factor=SPEED, home_lon_deg=HOME_LON_DEG, home_lat_deg=HOME_LAT_DEG,
        home_alt_amsl_m=HOME_AMSL_M,
    )  # fmt: skip
    with px4_sitl(options, px4_folder) as [instance]:
        takeoff_alt_m, cruise_mps, held_m = await mavsdk_takeoff_to_10_m(instance.url)
    assert takeoff_alt_m == pytest.approx(10.0)
    assert cruise_mps == pytest.approx(7.5)
    # it passed 9 m on the way; its estimate then wanders down by up to 2.2 m in Hold
    assert held_m > 7.5
