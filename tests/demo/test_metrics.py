"""Separation and building-clearance figures measured on synthetic tracks with known answers."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from fleet.demo.geo import Footprint, LocalFrame
from fleet.demo.metrics import min_building_clearance, min_separation
from fleet.demo.tracks import TrackPoint

FRAME = LocalFrame(139.70, 35.69)


def _pt(t: float, x: float, y: float, agl: float) -> TrackPoint:
    lon, lat = FRAME.to_lonlat(x, y)
    return TrackPoint(t, lon, lat, 40.0 + agl, agl)


def _building(x0: float, y0: float, x1: float, y1: float, height_m: float) -> Footprint:
    corners = [FRAME.to_lonlat(x, y) for x, y in box(x0, y0, x1, y1).exterior.coords]
    from shapely.geometry import Polygon

    return Footprint(Polygon(corners), ground_amsl_m=40.0, height_agl_m=height_m)


def test_separation_of_two_crossing_tracks_is_their_closest_approach() -> None:
    # A flies east along y=0, B flies north along x=0 offset 30 s: closest when both near origin.
    a = [_pt(t, -300.0 + 10.0 * t, 0.0, 50.0) for t in range(61)]
    b = [_pt(t, 0.0, -300.0 + 10.0 * t, 60.0) for t in range(61)]
    got = min_separation(FRAME, {"a": a, "b": b})
    assert got is not None
    assert math.isclose(got.distance_m, 10.0, abs_tol=0.05)  # same time at origin, 10 m apart


def test_vehicles_on_the_ground_do_not_count() -> None:
    parked = [_pt(t, 0.0, 0.0, 0.0) for t in range(10)]
    other = [_pt(t, 1.0, 0.0, 0.0) for t in range(10)]
    assert min_separation(FRAME, {"a": parked, "b": other}) is None


@settings(max_examples=30, deadline=None)
@given(
    gap=st.floats(min_value=5.0, max_value=200.0),
    shift_s=st.floats(min_value=0.0, max_value=20.0),
)
def test_parallel_tracks_keep_their_lateral_gap(gap: float, shift_s: float) -> None:
    a = [_pt(t, 8.0 * t, 0.0, 50.0) for t in range(40)]
    b = [_pt(t + shift_s, 8.0 * t, gap, 50.0) for t in range(40)]
    got = min_separation(FRAME, {"a": a, "b": b}, step_s=0.25)
    assert got is not None
    assert gap - 0.05 <= got.distance_m <= math.hypot(gap, 8.0 * shift_s) + 0.05


def test_clearance_counts_only_buildings_not_overflown_with_vertical_clearance() -> None:
    low = _building(0.0, 20.0, 50.0, 60.0, height_m=20.0)  # 20 m tall, track passes 30 m over
    tall = _building(0.0, -60.0, 50.0, -15.0, height_m=120.0)  # 15 m beside the track
    track = [_pt(t, 5.0 * t - 100.0, 30.0, 30.0) for t in range(60)]
    track += [_pt(60.0 + t, 25.0, -12.0 + 0.0 * t, 30.0) for t in range(3)]  # 3 m off the tall one
    got = min_building_clearance(FRAME, [low, tall], {"d": track}, [], vertical_clearance_m=5.0)
    assert got is not None
    assert math.isclose(got.distance_m, 3.0, abs_tol=0.05)


def test_clearance_skips_take_off_and_landing_columns() -> None:
    tall = _building(0.0, 0.0, 40.0, 40.0, height_m=100.0)
    column = [_pt(t, -3.0, 20.0, 5.0 * t) for t in range(1, 10)]  # 3 m from the wall, climbing
    pad = FRAME.to_lonlat(-3.0, 20.0)
    assert min_building_clearance(FRAME, [tall], {"d": column}, [pad], 5.0) is None
    got = min_building_clearance(FRAME, [tall], {"d": column}, [], 5.0)
    assert got is not None and math.isclose(got.distance_m, 3.0, abs_tol=0.05)


def test_an_untracked_gap_between_flights_is_not_a_phantom_climb() -> None:
    # B stood on its pad at the origin until t=5, was next seen at 30 m over (200, 0) at t=1000:
    # a straight line between those samples would pass A, hovering at 15 m over (100, 0).
    a = [_pt(t, 100.0, 0.0, 15.0) for t in range(0, 1011, 2)]
    b = [_pt(t, 0.0, 0.0, 0.0) for t in range(6)] + [_pt(1000.0, 200.0, 0.0, 30.0)]
    b += [_pt(1000.0 + t, 200.0 + 10.0 * t, 0.0, 30.0) for t in range(1, 5)]
    got = min_separation(FRAME, {"a": a, "b": b})  # only while B was tracked: t=1000..1004
    assert got is not None and got.distance_m > 100.0
    bridged = min_separation(FRAME, {"a": a, "b": b}, max_gap_s=2000.0)
    assert bridged is not None and bridged.distance_m < 1.0  # what the old figure invented


def test_a_roof_overflown_at_the_vertical_clearance_in_float32_is_cleared() -> None:
    # The demo's inspection drone came home on the planner's layer over a 49.8 m roof (+5 m:
    # 54.8 m), flown at the float32 altitude of its mission item (54.79999923706055 m): it
    # counted as passing 2.7 m beside the roof. A real 10 cm dip still counts.
    roof = _building(0.0, 0.0, 40.0, 40.0, height_m=49.8)
    flown = float(np.float32(54.8))
    assert flown < 54.8
    over = [_pt(t, -20.0 + 10.0 * t, 20.0, flown) for t in range(8)]
    got = min_building_clearance(FRAME, [roof], {"d": over}, [], vertical_clearance_m=5.0)
    assert got is not None and got.distance_m == 60.0  # nothing within the search radius
    dipped = [_pt(t, -20.0 + 10.0 * t, 20.0, 54.7) for t in range(8)]
    got = min_building_clearance(FRAME, [roof], {"d": dipped}, [], vertical_clearance_m=5.0)
    assert got is not None and got.distance_m == 0.0
