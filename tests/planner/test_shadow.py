"""Shadows of nearby obstacles: a link they prove blocked is blocked by the exact test."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from airspace.city import City, generate_city
from airspace.planner import Planner
from airspace.planner.layer import Layer, build_layer
from airspace.planner.shadow import shadowed


@pytest.fixture(scope="module")
def city() -> City:
    return generate_city(seed=5, n_buildings=400)


@pytest.fixture(scope="module")
def layer(city: City) -> Layer:
    planner = Planner(city)
    return planner.layer(planner.levels_amsl_m(30.0, 150.0)[0])


def _links(layer: Layer, p: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return layer.blocked(np.repeat(p[None, :], len(pts), axis=0), pts)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fx=st.floats(0.0, 1.0), fy=st.floats(0.0, 1.0), seed=st.integers(0, 2**31 - 1))
def test_shadowed_links_are_blocked(layer: Layer, fx: float, fy: float, seed: int) -> None:
    """Every link to a corner or to a random point that the shadows prove blocked is blocked."""
    x0, y0, x1, y1 = shapely.total_bounds(layer.obstacles)
    p = np.array([x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)])
    if layer.contains(float(p[0]), float(p[1])):
        return
    rng = np.random.default_rng(seed)
    pts = np.vstack([layer.vertices, rng.uniform([x0, y0], [x1, y1], size=(300, 2))])
    proven = shadowed(layer, p, pts)
    assert not (proven & ~_links(layer, p, pts)).any()


def test_shadow_behind_a_box_only() -> None:
    """A box shadows what lies behind it, not what lies before it or beside it."""
    layer = build_layer(np.array([box(40.0, -10.0, 60.0, 10.0)]), 50.0, 5.0)
    p = np.zeros(2)
    pts = np.array([[100.0, 0.0], [100.0, 3.0], [20.0, 0.0], [0.0, 100.0], [100.0, 60.0]] * 4)
    proven = shadowed(layer, p, pts)
    assert proven.tolist() == [True, True, False, False, False] * 4
    assert (_links(layer, p, pts) >= proven).all()


def test_obstacle_around_the_point_proves_nothing_wrong() -> None:
    """A ring-like obstacle wrapping around the point (arc over a half turn) is not used."""
    outer = Polygon([(-50, -50), (50, -50), (50, 50), (-50, 50)])
    c_shape = outer.difference(box(-40, -40, 40, 40)).difference(box(-5, 40, 5, 60))
    layer = build_layer(np.array([c_shape]), 50.0, 0.5)
    p = np.zeros(2)
    pts = np.array([[0.0, 200.0], [200.0, 0.0], [0.0, 30.0]] * 6)
    proven = shadowed(layer, p, pts)
    assert not (proven & ~_links(layer, p, pts)).any()
    assert not proven[0]  # straight out through the gap
