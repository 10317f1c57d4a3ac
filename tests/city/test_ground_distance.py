"""airspace.frames' lon/lat distance and offsets against pyproj's geodesic (the one earth model)."""

from __future__ import annotations

import doctest
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Geod

import airspace.frames
from airspace.frames import (
    covering_offset_deg,
    ground_distance_m,
    metres_per_degree,
    offset_lonlat,
)

GEOD = Geod(ellps="WGS84")
LON = st.floats(min_value=139.5, max_value=140.0)
LAT = st.floats(min_value=35.4, max_value=35.9)
OFFSET_M = st.floats(min_value=-10_000.0, max_value=10_000.0)


def test_docstring_examples() -> None:
    result = doctest.testmod(airspace.frames)
    assert result.attempted > 0
    assert result.failed == 0


@given(LON, LAT, LON, LAT)
def test_ground_distance_agrees_with_the_geodesic_over_a_city(
    lon1: float, lat1: float, lon2: float, lat2: float
) -> None:
    geodesic_m = GEOD.inv(lon1, lat1, lon2, lat2)[2]
    assert ground_distance_m(lon1, lat1, lon2, lat2) == pytest.approx(
        geodesic_m, rel=1e-4, abs=1e-6
    )


@given(LON, LAT, OFFSET_M, OFFSET_M)
def test_an_offset_lands_at_its_distance(lon: float, lat: float, east: float, north: float) -> None:
    lon2, lat2 = offset_lonlat(lon, lat, east, north)
    assert ground_distance_m(lon, lat, lon2, lat2) == pytest.approx(
        math.hypot(east, north), rel=1e-6, abs=1e-6
    )
    geodesic_m = GEOD.inv(lon, lat, lon2, lat2)[2]
    assert geodesic_m == pytest.approx(math.hypot(east, north), rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("lat", [-60.0, -35.0, 0.0, 35.69, 45.0, 70.0])
def test_covering_offsets_span_the_distance_on_the_ellipsoid_and_the_sphere(lat: float) -> None:
    dlon, dlat = covering_offset_deg(500.0, lat)
    m_lon, m_lat = metres_per_degree(lat)
    sphere_m_per_deg = 6_371_008.8 * math.pi / 180.0
    assert dlat * m_lat >= 500.0 and dlat * sphere_m_per_deg >= 500.0
    assert dlon * m_lon >= 500.0
    assert dlon * sphere_m_per_deg * math.cos(math.radians(lat)) >= 500.0
