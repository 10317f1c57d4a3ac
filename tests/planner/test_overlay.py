"""Zones laid over a prepared layer search exactly like a layer built with them from scratch."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airspace.city import generate_city
from airspace.frames import FloatArray
from airspace.planner.layer import Layer, build_layer
from airspace.planner.overlay import with_zones
from airspace.planner.search import shortest_path

CITY = generate_city(seed=3, n_buildings=150)
FOOTPRINTS = CITY.footprints_local
X0, Y0, X1, Y1 = shapely.total_bounds(FOOTPRINTS)
BASE = build_layer(FOOTPRINTS, 50.0, 5.0)

xs = st.floats(X0, X1)
ys = st.floats(Y0, Y1)
discs = st.tuples(xs, ys, st.floats(5.0, 60.0))


def _length(layer: Layer, s: FloatArray, g: FloatArray) -> float | None:
    path = shortest_path(layer, s, g)
    return None if path is None else float(np.hypot(*np.diff(path, axis=0).T).sum())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(discs, min_size=1, max_size=5),
    st.lists(st.tuples(xs, ys, xs, ys), min_size=3, max_size=3),
)
def test_overlay_paths_equal_rebuilt_paths(
    zones: list[tuple[float, float, float]], pairs: list[tuple[float, float, float, float]]
) -> None:
    extra = shapely.union_all([shapely.Point(x, y).buffer(r, quad_segs=4) for x, y, r in zones])
    rebuilt = build_layer(FOOTPRINTS, 50.0, 5.0, extra=extra)
    overlay = with_zones(BASE, extra)
    for sx, sy, gx, gy in pairs:
        if rebuilt.contains(sx, sy) or rebuilt.contains(gx, gy):
            continue
        s, g = np.array([sx, sy]), np.array([gx, gy])
        want, got = _length(rebuilt, s, g), _length(overlay, s, g)
        assert (want is None) == (got is None)
        if want is not None and got is not None:
            assert got == pytest.approx(want, abs=1e-6)
            path = shortest_path(overlay, s, g)
            assert path is not None
            assert not shapely.LineString(path).intersects(shapely.buffer(extra, -0.1))


def _edges(layer: Layer) -> set[tuple[tuple[float, float], ...]]:
    coo = layer.graph.tocoo()
    once = coo.row < coo.col
    a = np.round(layer.vertices[coo.row[once]], 4)
    b = np.round(layer.vertices[coo.col[once]], 4)
    return {tuple(sorted([(p[0], p[1]), (q[0], q[1])])) for p, q in zip(a, b, strict=True)}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(discs, min_size=1, max_size=5))
def test_overlay_has_every_rebuilt_edge_and_only_free_ones(
    zones: list[tuple[float, float, float]],
) -> None:
    extra = shapely.union_all([shapely.Point(x, y).buffer(r, quad_segs=4) for x, y, r in zones])
    rebuilt = build_layer(FOOTPRINTS, 50.0, 5.0, extra=extra)
    overlay = with_zones(BASE, extra)
    assert _edges(rebuilt) <= _edges(overlay)
    coo = overlay.graph.tocoo()
    a, b = overlay.vertices[coo.row], overlay.vertices[coo.col]
    assert not rebuilt.blocked(a, b).any()


def test_overlay_without_zones_is_the_layer() -> None:
    assert with_zones(BASE, shapely.Polygon()) is BASE
