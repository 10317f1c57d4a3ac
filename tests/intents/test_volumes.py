"""Route -> volumes: the route lies inside its volumes at every instant, with its buffers."""

from __future__ import annotations

import itertools
from datetime import timedelta

import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from airspace.deconfliction.geometry import LocalProjection
from airspace.intents import Polygon, Volume4D, new_intent
from airspace.route import Route
from airspace.volumes import (
    VolumeSettings,
    geoid_amsl_to_w84_m,
    reserved_volume_m3,
    route_to_volumes,
    swept_volume_m3,
)
from tests.intents.routes import delivery, route_through

S = VolumeSettings()


def _position(route: Route, t_s: float) -> tuple[float, float, float]:
    wps = route.waypoints
    t_s = min(t_s, (route.arrival - route.departure).total_seconds())
    for a, b in itertools.pairwise(wps):
        ta = (a.time - route.departure).total_seconds()
        tb = (b.time - route.departure).total_seconds()
        if ta <= t_s <= tb:
            f = 0.0 if tb == ta else (t_s - ta) / (tb - ta)
            return (
                a.lon_deg + f * (b.lon_deg - a.lon_deg),
                a.lat_deg + f * (b.lat_deg - a.lat_deg),
                a.alt_amsl_m + f * (b.alt_amsl_m - a.alt_amsl_m),
            )
    raise AssertionError("time outside the route")


def _inside_with_margins(route: Route, volumes: tuple[Volume4D, ...], t_s: float) -> bool:
    lon, lat, alt = _position(route, t_s)
    w84 = geoid_amsl_to_w84_m(lon, lat, alt)
    when = route.departure + timedelta(seconds=t_s)
    frame = LocalProjection(lon, lat)
    for v in volumes:
        if not (v.time_start <= when <= v.time_end):
            continue
        if not (
            v.altitude_lower_w84_m + S.vertical_buffer_m - 0.05
            <= w84
            <= v.altitude_upper_w84_m - S.vertical_buffer_m + 0.05
        ):
            continue
        assert isinstance(v.outline, Polygon)
        poly = shapely.Polygon([frame.to_xy_m(*p) for p in v.outline.vertices_lonlat_deg])
        if poly.contains(shapely.Point(0, 0).buffer(S.lateral_buffer_m * 0.99)):
            return True
    return False


points = st.lists(
    st.tuples(st.floats(-3000, 3000), st.floats(-3000, 3000), st.floats(40, 160)),
    min_size=2,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(points)
def test_every_route_lies_inside_its_volumes(pts: list[tuple[float, float, float]]) -> None:
    route = route_through(pts)
    volumes = route_to_volumes(route, S)
    new_intent("oi", "op", volumes)  # a valid F3548 intent (vertex limit, ordered bands)
    assert len(volumes) <= len(route.waypoints) - 1
    n = 50
    for k in range(n + 1):
        assert _inside_with_margins(route, volumes, route.duration_s * k / n), k


def test_time_margin_grows_with_flight_time() -> None:
    route = delivery(0, 0, 6000, 0)
    volumes = route_to_volumes(route, S)
    first, last = volumes[0], volumes[-1]
    assert (route.departure - first.time_start).total_seconds() == S.time_buffer_s
    late_margin = (last.time_end - route.arrival).total_seconds()
    assert late_margin == S.time_buffer_s + S.time_uncertainty_per_s * route.duration_s


def test_volumes_are_tight_on_a_straight_route() -> None:
    route = route_through([(0, 0, 90), (2000, 500, 90)])
    volumes = route_to_volumes(route, S)
    ratio = reserved_volume_m3(volumes) / swept_volume_m3(route, S)
    assert 1.0 <= ratio < 1.15


def test_climbs_get_their_own_volumes() -> None:
    volumes = route_to_volumes(delivery(0, 0, 1000, 0), S)
    heights = [v.altitude_upper_w84_m - v.altitude_lower_w84_m for v in volumes]
    assert heights[0] > 50 and heights[-1] > 50
    assert abs(min(heights) - 2 * S.vertical_buffer_m) < 0.1  # flat cruise (geoid slope only)


def test_amsl_band_converts_to_w84_conservatively_and_back() -> None:
    from airspace.intents import Circle
    from airspace.volumes import band_amsl_m, volume_from_amsl
    from tests.intents.helpers import T0, box

    square = box(0, 0, 3000, 3000).outline
    v = volume_from_amsl(square, 50.0, 90.0, T0, T0 + timedelta(minutes=5))
    n_corner = geoid_amsl_to_w84_m(*square.vertices_lonlat_deg[0], 0.0)  # type: ignore[union-attr]
    assert 30 < n_corner < 45  # Tokyo geoid height
    assert v.altitude_lower_w84_m <= 50.0 + n_corner <= v.altitude_upper_w84_m - 40.0 + 1e-9
    lo, hi = band_amsl_m(v)
    assert lo <= 50.0 + 1e-9 and hi >= 90.0 - 1e-9
    assert lo > 49.0 and hi < 91.0  # geoid slope over 3 km is small
    c = volume_from_amsl(Circle(139.70, 35.69, 100.0), 0.0, 10.0, T0, T0)
    assert c.altitude_upper_w84_m - c.altitude_lower_w84_m >= 10.0


@settings(max_examples=40, deadline=None)
@given(
    st.floats(-2000, 2000),
    st.floats(-2000, 2000),
    st.floats(-2000, 2000),
    st.floats(-2000, 2000),
    st.floats(60, 180),
    st.floats(0, 1),
)
def test_the_first_volume_holds_the_take_off_column_up_to_the_cruise(
    x0: float, y0: float, x1: float, y1: float, cruise_amsl_m: float, frac: float
) -> None:
    # the fix search relies on it: a blocker of this thin column blocks every undelayed route
    route = delivery(x0, y0, x1, y1, cruise_amsl_m)
    first = route.waypoints[0]
    ground_w84_m = geoid_amsl_to_w84_m(first.lon_deg, first.lat_deg, first.alt_amsl_m)
    height_m = frac * (cruise_amsl_m - first.alt_amsl_m)
    v = route_to_volumes(route, S)[0]
    frame = LocalProjection(first.lon_deg, first.lat_deg)
    assert isinstance(v.outline, Polygon)
    outline = shapely.Polygon([frame.to_xy_m(*p) for p in v.outline.vertices_lonlat_deg])
    assert outline.contains(shapely.Point(0, 0).buffer(1.0))
    assert v.altitude_lower_w84_m <= ground_w84_m
    assert ground_w84_m + height_m <= v.altitude_upper_w84_m
    assert v.time_start <= first.time and first.time + timedelta(seconds=1) <= v.time_end
