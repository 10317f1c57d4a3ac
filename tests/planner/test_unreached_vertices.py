"""Regression: a start cut off from the goal by zones gives PlanningError, not IndexError.

A ring-shaped zone around the start (buildings inside the ring, every cruise height) leaves
the start seeing only graph vertices that the goal's Dijkstra never reaches. With no straight
line anywhere the search runs with an infinite bound, where ``inf <= inf`` used to keep those
vertices and the path followed their predecessor -9999. The same happened on a zone layer
built inside a window that a zone wall cut in two (now zones are laid over the whole layer).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import shapely

from airspace.city import generate_city
from airspace.errors import PlanningError
from airspace.planner import Planner
from airspace.planner.layer import build_layer
from airspace.planner.search import shortest_path
from airspace.route import AltitudeReference
from airspace.zones import Zone, ZoneKind

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner(
        generate_city(seed=5, n_buildings=120), min_cruise_agl_m=40.0, ceiling_agl_m=120.0
    )


def _lonlat(planner: Planner, x_m: float, y_m: float) -> tuple[float, float]:
    lon, lat = planner.city.frame.to_lonlat(x_m, y_m)
    return float(lon), float(lat)


def _zone(planner: Planner, outline: shapely.Polygon) -> Zone:
    lonlat = shapely.transform(
        outline, lambda xy: np.column_stack(planner.city.frame.to_lonlat(*xy.T))
    )
    return Zone(
        "z",
        ZoneKind.TEMPORARY_RESTRICTION,
        floor_m=-100.0,
        ceiling_m=1000.0,
        altitude_reference=AltitudeReference.W84,
        start=T0,
        end=T0.replace(hour=12),
        polygon_lonlat=lonlat,
    )


@pytest.mark.parametrize("y_m", [-50.0, 0.0, 60.0])
def test_start_ringed_by_a_zone_is_a_planning_error(planner: Planner, y_m: float) -> None:
    start = (*_lonlat(planner, -120.0, y_m), 0.0)
    goal = (*_lonlat(planner, 120.0, y_m), 0.0)
    assert planner.plan(start, goal, departure=T0).waypoints  # routable without the zone
    centre = shapely.Point(-120.0, y_m)
    ring = shapely.difference(centre.buffer(75.0), centre.buffer(60.0))
    with pytest.raises(PlanningError):
        planner.plan(start, goal, departure=T0, zones=[_zone(planner, ring)])


def test_route_goes_around_a_long_zone_wall(planner: Planner) -> None:
    wall = shapely.box(-5.0, -1500.0, 5.0, 1500.0)
    start = (*_lonlat(planner, -120.0, 0.0), 0.0)
    goal = (*_lonlat(planner, 120.0, 0.0), 0.0)
    route = planner.plan(start, goal, departure=T0, zones=[_zone(planner, wall)])
    xy = [planner.city.frame.to_local(w.lon_deg, w.lat_deg) for w in route.waypoints]
    assert not shapely.LineString(xy).intersects(wall)
    assert shapely.LineString(xy).length > 3000.0  # around an end of the wall


def test_search_ignores_vertices_the_goal_cannot_reach() -> None:
    # two boxes, one each side of a wall that the window clips: two graph components
    boxes = np.array([shapely.box(-60.0, -10.0, -40.0, 10.0), shapely.box(40.0, -10.0, 60.0, 10.0)])
    window = shapely.box(-100.0, -100.0, 100.0, 100.0)
    wall = shapely.box(-2.0, -500.0, 2.0, 500.0)
    layer = build_layer(boxes, 50.0, 5.0, simplify_m=0.0, extra=wall, window=window)
    s, g = np.array([-80.0, 0.0]), np.array([80.0, 0.0])
    assert shortest_path(layer, s, g) is None
    open_layer = build_layer(boxes, 50.0, 5.0, simplify_m=0.0, window=window)
    assert shortest_path(open_layer, s, g) is not None
