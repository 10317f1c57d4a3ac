"""Property: no sequence of reservations leaves two accepted intents in a forbidden conflict.

The oracle is independent of the engine: volumes are axis-aligned boxes on an integer metre grid,
so whether two of them meet (within 1 cm) is interval arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from airspace.deconfliction import Accepted, DeconflictionEngine, DeconflictionSettings
from airspace.intents import new_intent
from airspace.intents.f3548 import INTERSECTION_MINIMUM_PRECISION_M
from tests.intents.helpers import ORIGIN, box


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    z: int
    t: int

    def volume(self):  # type: ignore[no-untyped-def]
        return box(
            self.x,
            self.y,
            self.x + self.w,
            self.y + self.h,
            self.z,
            self.z + 20,
            self.t,
            self.t + 300,
        )


def _meet(a: Box, b: Box) -> bool:
    dx = max(0, b.x - (a.x + a.w), a.x - (b.x + b.w))
    dy = max(0, b.y - (a.y + a.h), a.y - (b.y + b.h))
    lateral = math.hypot(dx, dy) <= INTERSECTION_MINIMUM_PRECISION_M
    vertical = a.z <= b.z + 20 and b.z <= a.z + 20
    timing = a.t < b.t + 300 and b.t < a.t + 300
    return lateral and vertical and timing


boxes = st.builds(
    Box,
    st.integers(0, 400),
    st.integers(0, 400),
    st.integers(1, 150),
    st.integers(1, 150),
    st.sampled_from([30, 50, 70]),
    st.integers(0, 1200),
)
ops = st.lists(
    st.tuples(
        st.sampled_from(["reserve", "update", "end"]), st.integers(0, 11), boxes, st.integers(0, 2)
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_accepted_set_never_holds_a_forbidden_conflict(
    sequence: list[tuple[str, int, Box, int]],
) -> None:
    eng = DeconflictionEngine(
        DeconflictionSettings(origin_lonlat_deg=(ORIGIN.origin_lon_deg, ORIGIN.origin_lat_deg))
    )
    live: dict[str, tuple[Box, int, int]] = {}  # id -> (box, priority, step accepted)
    for step, (op, n, bx, prio) in enumerate(sequence):
        key = f"oi{n}"
        if op == "reserve" and key not in live:
            result = eng.reserve(new_intent(key, "op", (bx.volume(),), priority=prio))
            if isinstance(result, Accepted):
                live[key] = (bx, prio, step)
        elif op == "update" and key in live:
            result = eng.update(key, (bx.volume(),))
            if isinstance(result, Accepted):
                live[key] = (bx, live[key][1], step)
        elif op == "end" and key in live:
            eng.end(key)
            del live[key]
    assert {i.id for i in eng.intents()} == set(live)
    items = list(live.values())
    for i, (a, pa, sa) in enumerate(items):
        for b, pb, sb in items[i + 1 :]:
            if not _meet(a, b):
                continue
            assert pa != pb, "equal priorities in conflict"
            (_, _, s_low), (_, _, s_high) = sorted([(pa, 0, sa), (pb, 0, sb)])
            assert s_high > s_low, "a lower priority was accepted into a higher one's space"
