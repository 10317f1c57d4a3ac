"""The planner on a generated district: every route passes the independent verifier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely
import shapely.ops
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from airspace.city import City, generate_city
from airspace.errors import PlanningError
from airspace.planner import Clearances, Planner, VehicleProfile, plan_route
from airspace.route import AltitudeReference
from airspace.verify import verify_route
from airspace.zones import Zone, ZoneKind

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PROFILE = VehicleProfile()


@pytest.fixture(scope="module")
def city() -> City:
    return generate_city(seed=11, n_buildings=600)


@pytest.fixture(scope="module")
def planner(city: City) -> Planner:
    return Planner(city).prepare()


@pytest.fixture(scope="module")
def open_ground(city: City) -> shapely.Geometry:
    """Points more than the clearance (plus outline simplification) from every building."""
    blocked = shapely.union_all(shapely.buffer(city.footprints_local, 15.0))
    extent = box(*shapely.total_bounds(city.footprints_local)).buffer(50)
    free = extent.difference(blocked)
    shapely.prepare(free)
    return free


def _lonlat(city: City, x: float, y: float, h: float = 0.0) -> tuple[float, float, float]:
    lon, lat = city.frame.to_lonlat(x, y)
    return lon, lat, h


def _sample(free: shapely.Geometry, rng: np.random.Generator) -> tuple[float, float]:
    minx, miny, maxx, maxy = free.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(free, x, y):
            return float(x), float(y)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_random_routes_have_no_violations(
    city: City, planner: Planner, open_ground: shapely.Geometry, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    a, b = _sample(open_ground, rng), _sample(open_ground, rng)
    start, goal = _lonlat(city, *a), _lonlat(city, *b)
    route = planner.plan(start, goal, PROFILE, departure=T0)
    assert verify_route(route, city, (), Clearances()) == []
    first, last = route.waypoints[0], route.waypoints[-1]
    assert (first.lon_deg, first.lat_deg) == pytest.approx(start[:2], abs=1e-9)
    assert (last.lon_deg, last.lat_deg) == pytest.approx(goal[:2], abs=1e-9)
    assert first.alt_agl_m == pytest.approx(0.0) and last.alt_agl_m == pytest.approx(0.0)
    assert route.departure == T0 and route.duration_s > 0
    horizontal = float(np.hypot(b[0] - a[0], b[1] - a[1]))
    assert route.length_m >= horizontal + 2 * 30.0 - 1e-6  # climbs to cruise height and back


def _near_open(free: shapely.Geometry, x: float, y: float) -> tuple[float, float]:
    p = shapely.ops.nearest_points(free, shapely.Point(x, y))[0]
    return float(p.x), float(p.y)


def test_verifier_catches_a_route_through_a_building(
    city: City, planner: Planner, open_ground: shapely.Geometry
) -> None:
    tall = max(city.buildings, key=lambda b: b.height_agl_m)
    c = tall.footprint_local.centroid
    a, b = _near_open(open_ground, c.x - 200, c.y), _near_open(open_ground, c.x + 200, c.y)
    start, goal = _lonlat(city, *a), _lonlat(city, *b)
    route = planner.plan(start, goal, PROFILE, departure=T0)
    low = planner.plan(start, goal, PROFILE, departure=T0, cruise_agl_m=30.0)
    assert verify_route(route, city) == [] and verify_route(low, city) == []
    # the same horizontal path flown at 30 m straight through the tower is caught
    from airspace.planner.routing import RouteBuilder

    xs = np.array([a, (c.x, c.y), b])
    bad = RouteBuilder(city, PROFILE, T0).build(xs, city.default_ground_amsl_m + 30, 4.0, 4.0)
    rules = {v.rule for v in verify_route(bad, city)}
    assert {"inside_building", "building_clearance"} <= rules


def test_forced_cruise_height_is_flown(
    city: City, planner: Planner, open_ground: shapely.Geometry
) -> None:
    rng = np.random.default_rng(5)
    start, goal = (
        _lonlat(city, *_sample(open_ground, rng)),
        _lonlat(city, *_sample(open_ground, rng)),
    )
    route = planner.plan(start, goal, PROFILE, departure=T0, cruise_agl_m=120.0)
    cruise = route.waypoints[1:-1]
    assert all(w.alt_agl_m == pytest.approx(120.0) for w in cruise)
    assert verify_route(route, city) == []


def test_goal_inside_a_building_is_explained(city: City, planner: Planner) -> None:
    b = city.buildings[0]
    inside = b.footprint_local.representative_point()
    with pytest.raises(PlanningError, match=f"goal is inside building {b.id}"):
        planner.plan(
            _lonlat(city, -2000, -2000), _lonlat(city, inside.x, inside.y), PROFILE, departure=T0
        )


def test_rooftop_take_off(city: City, planner: Planner) -> None:
    roof = max(city.buildings, key=lambda b: b.height_agl_m)
    p = roof.footprint_local.representative_point()
    start = _lonlat(city, p.x, p.y, roof.height_agl_m)
    route = planner.plan(
        start,
        _lonlat(city, p.x + 300, p.y + 300),
        VehicleProfile(max_alt_agl_m=300),
        departure=T0,
        ceiling_agl_m=250,
    )
    assert route.waypoints[0].alt_agl_m == pytest.approx(roof.height_agl_m)
    assert verify_route(route, city, ceiling_agl_m=250) == []


def _square_zone(city: City, x: float, y: float, half_m: float, **kw: object) -> Zone:
    corners = box(x - half_m, y - half_m, x + half_m, y + half_m).exterior.coords
    lonlat = [city.frame.to_lonlat(cx, cy) for cx, cy in corners]
    return Zone(
        id=str(kw.pop("id", "z")),
        kind=kw.pop("kind", ZoneKind.NO_FLY),  # type: ignore[arg-type]
        polygon_lonlat=shapely.Polygon(lonlat),
        **kw,
    )  # type: ignore[arg-type]


def test_zones_are_avoided_by_kind_permit_time_and_band(city: City, planner: Planner) -> None:
    start, goal = _lonlat(city, -1200, 900), _lonlat(city, 1200, 900)
    wall = _square_zone(city, 0, 900, 150, id="wall")
    direct = planner.plan(start, goal, PROFILE, departure=T0)
    assert any(v.rule == "zone" for v in verify_route(direct, city, [wall]))
    around = planner.plan(start, goal, PROFILE, departure=T0, zones=[wall])
    assert verify_route(around, city, [wall]) == []
    assert around.duration_s > direct.duration_s
    permit = _square_zone(city, 0, 900, 150, id="did", kind=ZoneKind.PERMIT_REQUIRED)
    with_permit = planner.plan(
        start, goal, PROFILE, departure=T0, zones=[permit], permits=frozenset({"did"})
    )
    assert with_permit.duration_s == pytest.approx(direct.duration_s)
    later = _square_zone(
        city,
        0,
        900,
        150,
        kind=ZoneKind.TEMPORARY_RESTRICTION,
        start=T0 + timedelta(hours=2),
        end=T0 + timedelta(hours=3),
    )
    assert planner.plan(
        start, goal, PROFILE, departure=T0, zones=[later]
    ).duration_s == pytest.approx(direct.duration_s)
    now = _square_zone(
        city,
        0,
        900,
        150,
        kind=ZoneKind.TEMPORARY_RESTRICTION,
        start=T0 - timedelta(minutes=5),
        end=T0 + timedelta(minutes=20),
        floor_m=0.0,
        ceiling_m=200.0,
        altitude_reference=AltitudeReference.AMSL,
    )
    avoided = planner.plan(start, goal, PROFILE, departure=T0, zones=[now])
    assert verify_route(avoided, city, [now]) == []
    low_band = _square_zone(city, 0, 900, 150, floor_m=0.0, ceiling_m=80.0)
    over = planner.plan(start, goal, PROFILE, departure=T0, zones=[low_band])
    assert verify_route(over, city, [low_band]) == []


def test_no_route_reasons(city: City, planner: Planner) -> None:
    start, goal = _lonlat(city, -1200, 900), _lonlat(city, 1200, 900)
    fence = _square_zone(city, 1200, 900, 40, id="airport")
    with pytest.raises(PlanningError, match="goal is in no_fly zone airport"):
        planner.plan(start, goal, PROFILE, departure=T0, zones=[fence])
    with pytest.raises(PlanningError, match="no cruise altitude"):
        planner.plan(start, goal, PROFILE, departure=T0, ceiling_agl_m=20.0)
    ring = (
        shapely.Point(city.frame.to_local(*goal[:2]))
        .buffer(300)
        .difference(shapely.Point(city.frame.to_local(*goal[:2])).buffer(200))
    )
    moat = Zone(
        "moat",
        ZoneKind.NO_FLY,
        polygon_lonlat=shapely.Polygon(
            [city.frame.to_lonlat(x, y) for x, y in ring.exterior.coords],
            [[city.frame.to_lonlat(x, y) for x, y in ring.interiors[0].coords]],
        ),
    )
    with pytest.raises(PlanningError, match=r"every|no path"):
        planner.plan(start, goal, PROFILE, departure=T0, zones=[moat])


def test_plan_route_one_shot_matches_the_prepared_planner(city: City, planner: Planner) -> None:
    start, goal = _lonlat(city, -500, -300), _lonlat(city, 700, 400)
    one = plan_route(city, start, goal, departure=T0)
    assert one.duration_s == pytest.approx(planner.plan(start, goal, departure=T0).duration_s)
