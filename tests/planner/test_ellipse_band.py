"""The search's candidate vertices are exactly those of the ellipse, whatever the direction."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from airspace.planner.layer import build_layer
from airspace.planner.search import _ellipse

LAYER = build_layer(
    np.array([box(0, 0, 10, 10), box(30, -40, 40, 50), box(-60, 20, -20, 28)]), 50.0, 5.0
).warm()
coord = st.floats(-90.0, 90.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(sx=coord, sy=coord, gx=coord, gy=coord, stretch=st.floats(1.0, 3.0), same=st.booleans())
def test_ellipse_band_keeps_every_vertex_inside(
    sx: float, sy: float, gx: float, gy: float, stretch: float, same: bool
) -> None:
    """The band cut along the narrower axis loses no vertex with |sv| + |vg| <= bound."""
    s = np.array([sx, sy])
    g = s.copy() if same else np.array([gx, gy])
    bound = float(np.hypot(*(g - s))) * stretch + 1.0
    found = sorted(_ellipse(LAYER, s, g, bound).idx.tolist())
    d = np.hypot(*(LAYER.vertices - s).T) + np.hypot(*(LAYER.vertices - g).T)
    assert found == np.flatnonzero(d <= bound).tolist()
