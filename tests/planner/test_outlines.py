"""Layer outlines: conservative for every outline setting, tight where streets are narrow.

The obstacles a layer searches around must contain every point closer than the clearance to a
footprint (else a route could pass the planner and fail the verifier), and the fine outline must
not close a street the exact clearance leaves open.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from airspace.city import generate_city
from airspace.planner import Planner
from airspace.planner.layer import build_layer
from airspace.planner.search import SightMemo, shortest_path

CLEARANCE_M = 10.0
OUTLINES = [(0, 1.0), (0, 0.0), (4, 0.3), (16, 0.3), (16, 0.0)]  # (arc segments, simplify)

rotated_boxes = st.lists(
    st.tuples(
        st.floats(-150, 150),
        st.floats(-150, 150),
        st.floats(3, 40),
        st.floats(3, 40),
        st.floats(0, 90),
    ),
    min_size=1,
    max_size=6,
)


def _footprints(specs: list[tuple[float, float, float, float, float]]) -> np.ndarray:
    out = []
    for x, y, w, h, angle_deg in specs:
        rect = box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        out.append(shapely.affinity.rotate(rect, angle_deg, origin=(x, y)))
    return np.array(out, dtype=object)


@settings(max_examples=30, deadline=None)
@given(rotated_boxes)
def test_obstacles_contain_the_exact_clearance(
    specs: list[tuple[float, float, float, float, float]],
) -> None:
    footprints = _footprints(specs)
    exact = shapely.union_all(shapely.buffer(footprints, CLEARANCE_M, quad_segs=64))
    for arcs, simplify_m in OUTLINES:
        layer = build_layer(footprints, 50.0, CLEARANCE_M, simplify_m=simplify_m, arc_segments=arcs)
        # every point within the clearance is inside the blocker used for segment tests
        uncovered = shapely.difference(exact, layer.blocker)
        assert shapely.area(uncovered) < 1e-6, (arcs, simplify_m)


def test_fine_outline_keeps_a_street_the_clearance_leaves_open() -> None:
    # two blocks 20.6 m apart: 0.3 m of the street is clear of both 10 m clearances; their
    # corners face each other, so bevelled mitre joins (0.8 m outside the clearance) close it
    gap_m = 20.6
    footprints = np.array([box(-100, 0, 0, 60), box(gap_m, -60, 120, 0)], dtype=object)
    s, g = np.array([gap_m / 2, -200.0]), np.array([gap_m / 2, 200.0])
    fine = build_layer(footprints, 50.0, CLEARANCE_M, simplify_m=0.1, arc_segments=16)
    coarse = build_layer(footprints, 50.0, CLEARANCE_M, simplify_m=1.0, arc_segments=0)
    through = shortest_path(fine, s, g)
    around = shortest_path(coarse, s, g)
    assert through is not None and around is not None
    length = float(np.hypot(*np.diff(through, axis=0).T).sum())
    assert length == pytest.approx(400.0, abs=0.5)  # straight through the diagonal gap
    assert float(np.hypot(*np.diff(around, axis=0).T).sum()) > length + 10.0


def test_memoised_searches_equal_fresh_ones() -> None:
    city = generate_city(seed=9, n_buildings=300)
    layer = build_layer(city.footprints_local, 20.0, CLEARANCE_M)
    x0, y0, x1, y1 = shapely.total_bounds(city.footprints_local)
    rng = np.random.default_rng(4)
    free = shapely.union_all(shapely.buffer(city.footprints_local, 12.0))
    for _ in range(20):
        s, g = rng.uniform([x0, y0], [x1, y1], size=(2, 2))
        if shapely.intersects_xy(free, *s) or shapely.intersects_xy(free, *g):
            continue
        memo = SightMemo()
        for bound in (np.hypot(*(g - s)) * 1.05, np.inf, np.hypot(*(g - s)) * 1.3):
            fresh = shortest_path(layer, s, g, bound)
            memoised = shortest_path(layer, s, g, bound, memo=memo)
            assert (fresh is None) == (memoised is None)
            if fresh is not None and memoised is not None:
                np.testing.assert_allclose(fresh, memoised)


def test_outline_follows_city_size(monkeypatch: pytest.MonkeyPatch) -> None:
    import airspace.planner.planner as planner_module

    city = generate_city(seed=2, n_buildings=50)
    assert (Planner(city).arc_segments, Planner(city).simplify_m) == (16, 0.3)
    monkeypatch.setattr(planner_module, "FINE_MAX_BUILDINGS", 10)
    assert (Planner(city).arc_segments, Planner(city).simplify_m) == (0, 1.0)
    explicit = Planner(city, simplify_m=0.5, arc_segments=8)
    assert (explicit.arc_segments, explicit.simplify_m) == (8, 0.5)
