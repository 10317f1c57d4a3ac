"""Local frames and altitude datums (lon/lat order, round trips, GSIGEO2011 geoid)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airspace.errors import FrameError
from airspace.frames import LocalFrame, geoid_height_m

TOKYO = LocalFrame(139.7671, 35.6812)


def test_origin_is_the_centre_and_axes_point_east_and_north() -> None:
    assert TOKYO.to_local(139.7671, 35.6812) == pytest.approx((0.0, 0.0), abs=1e-6)
    x_east, _ = TOKYO.to_local(139.7771, 35.6812)
    _, y_north = TOKYO.to_local(139.7671, 35.6912)
    # 0.01 deg of longitude at 35.68 N is ~905 m; of latitude ~1109 m (UTM scale ~0.9996)
    assert x_east == pytest.approx(905.0, rel=0.01)
    assert y_north == pytest.approx(1109.0, rel=0.01)


@given(
    st.floats(min_value=139.6, max_value=139.9),
    st.floats(min_value=35.5, max_value=35.8),
)
def test_lonlat_round_trip(lon: float, lat: float) -> None:
    x, y = TOKYO.to_local(lon, lat)
    assert TOKYO.to_lonlat(x, y) == pytest.approx((lon, lat), abs=1e-9)


def test_vectorised_conversion_matches_scalar() -> None:
    lons = np.array([139.70, 139.75, 139.80])
    lats = np.array([35.65, 35.68, 35.71])
    xs, ys = TOKYO.to_local(lons, lats)
    for k in range(3):
        assert (xs[k], ys[k]) == pytest.approx(TOKYO.to_local(float(lons[k]), float(lats[k])))
    back_lon, back_lat = TOKYO.to_lonlat(xs, ys)
    assert np.allclose(back_lon, lons) and np.allclose(back_lat, lats)


@pytest.mark.parametrize(
    ("lon", "lat", "published_n_m"),
    [
        # values published with japan-geoid (README), computed per GSI's reference C++ sample
        (138.2839817085188, 37.12378643088312, 39.47387115961899),
        (141.36199967724426, 43.06539278249951, 31.90071200378531),
    ],
)
def test_geoid_height_matches_published_gsigeo2011_values(
    lon: float, lat: float, published_n_m: float
) -> None:
    assert geoid_height_m(lon, lat) == pytest.approx(published_n_m, abs=0.001)


def test_amsl_and_w84_differ_by_the_geoid_and_round_trip() -> None:
    w84 = TOKYO.amsl_to_w84_m(139.7671, 35.6812, 100.0)
    assert 130.0 < w84 < 140.0  # the geoid is ~36-37 m above the ellipsoid in Tokyo
    assert TOKYO.w84_to_amsl_m(139.7671, 35.6812, w84) == pytest.approx(100.0)


def test_no_geoid_outside_japan() -> None:
    with pytest.raises(FrameError, match="outside GSIGEO2011"):
        TOKYO.amsl_to_w84_m(10.0, 10.0, 0.0)
