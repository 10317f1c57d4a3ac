"""The vectorised index answers exactly as a full scan with the exact test, after any mix of
insertions and removals (rows move when a bucket deletes), for short, long, polygon and circle
volumes, and its delay prefilter misses no volume a delayed copy could meet."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from airspace.deconfliction.geometry import VolumeShape
from airspace.deconfliction.index import SpatioTemporalIndex
from airspace.intents.f3548 import INTERSECTION_MINIMUM_PRECISION_M as TOL
from airspace.intents.volume import Volume4D
from tests.intents.helpers import ORIGIN, box, disc

volumes = st.one_of(
    st.builds(
        lambda x, y, w, h, z, t, d: box(x, y, x + w, y + h, z, z + 20, t, t + d),
        st.integers(0, 300),
        st.integers(0, 300),
        st.integers(1, 120),
        st.integers(1, 120),
        st.sampled_from([30, 50, 70]),
        st.integers(-4000, 4000),
        st.sampled_from([60, 300, 900, 4000, 30000]),
    ),
    st.builds(
        lambda x, y, r, t: disc(x, y, r, 40, 60, t, t + 400),
        st.integers(0, 300),
        st.integers(0, 300),
        st.integers(1, 60),
        st.integers(-4000, 4000),
    ),
)


def _shape(v: Volume4D) -> VolumeShape:
    return VolumeShape.of(v, ORIGIN)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(volumes, min_size=1, max_size=40),
    st.lists(volumes, min_size=1, max_size=5),
    st.sets(st.integers(0, 39)),
)
def test_query_equals_a_full_exact_scan(
    stored: list[Volume4D], probes: list[Volume4D], removed: set[int]
) -> None:
    index = SpatioTemporalIndex(ORIGIN, TOL)
    for k, v in enumerate(stored):
        index.add(f"i{k}", [_shape(v)])
    for k in removed:
        index.remove(f"i{k}")
    live = {f"i{k}": _shape(v) for k, v in enumerate(stored) if k not in removed}
    shapes = [_shape(p) for p in probes]
    got = {(h.intent_id, h.query_index) for h in index.query(shapes)}
    expected = {
        (i, qi) for qi, q in enumerate(shapes) for i, s in live.items() if q.conflicts(s, TOL)
    }
    assert got == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(volumes, min_size=1, max_size=30), volumes, st.integers(0, 3000))
def test_delay_prefilter_keeps_every_volume_a_delayed_copy_meets(
    stored: list[Volume4D], probe: Volume4D, delay_s: int
) -> None:
    index = SpatioTemporalIndex(ORIGIN, TOL)
    for k, v in enumerate(stored):
        index.add(f"i{k}", [_shape(v)])
    q = _shape(probe)
    delayed = VolumeShape(
        q.points_m, q.radius_m, q.lower_m, q.upper_m, q.start_s + delay_s, q.end_s + delay_s
    )
    met = {e.intent_id for e in index.meeting(q, 3000.0)}
    for k, v in enumerate(stored):
        if delayed.conflicts(_shape(v), TOL):
            assert f"i{k}" in met
