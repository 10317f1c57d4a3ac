"""The audit's independent oracle agrees with the deconfliction engine away from the edges.

Two implementations that share no geometry code (the engine's index and outlines, the oracle's
pyproj + shapely) must give the same answer whenever the volumes are clearly apart or clearly
overlapping; near the 1 cm edge either answer is right, so those draws are discarded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from airspace.intents import Circle, Polygon, Volume4D, new_intent
from fleet.oracle.meeting import _aeqd, _shape, meeting_pairs, volumes_meet
from fleet.service.reservations import meeting

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
LON0, LAT0 = 139.70, 35.69


@st.composite
def volumes(draw: st.DrawFn) -> Volume4D:
    dx = draw(st.floats(-300, 300))
    dy = draw(st.floats(-300, 300))
    lon = LON0 + dx / 90_000.0
    lat = LAT0 + dy / 111_000.0
    if draw(st.booleans()):
        outline: Circle | Polygon = Circle(lon, lat, draw(st.floats(5, 80)))
    else:
        w = draw(st.floats(10, 150)) / 90_000.0
        h = draw(st.floats(10, 150)) / 111_000.0
        outline = Polygon(((lon, lat), (lon + w, lat), (lon + w, lat + h), (lon, lat + h)))
    lo = draw(st.floats(30, 150))
    start = draw(st.floats(0, 30))
    return Volume4D(
        outline,
        lo,
        lo + draw(st.floats(5, 60)),
        T0 + timedelta(minutes=start),
        T0 + timedelta(minutes=start + draw(st.floats(1, 20))),
    )


def _clearance_m(a: Volume4D, b: Volume4D) -> float:
    to_m = _aeqd(LON0, LAT0)
    return float(shapely.distance(_shape(a, to_m), _shape(b, to_m)))


def _near_edge(a: Volume4D, b: Volume4D) -> bool:
    times = [
        abs((a.time_start - b.time_end).total_seconds()),
        abs((b.time_start - a.time_end).total_seconds()),
    ]
    bands = [
        abs(a.altitude_lower_w84_m - b.altitude_upper_w84_m),
        abs(b.altitude_lower_w84_m - a.altitude_upper_w84_m),
    ]
    gap = _clearance_m(a, b)
    return min(times) < 1.0 or min(bands) < 0.1 or 0.0 < gap < 1.0


@settings(max_examples=300, deadline=None)
@given(volumes(), volumes())
def test_oracle_agrees_with_the_engine_away_from_the_edges(a: Volume4D, b: Volume4D) -> None:
    assume(not _near_edge(a, b))
    first = new_intent("a", "op", (a,))
    second = new_intent("b", "op", (b,))
    engine_says = bool(meeting(first, [second]))
    assert volumes_meet(a, b) == engine_says
    assert (meeting_pairs([first, second]) == [("a", "b")]) == engine_says


def test_an_intent_ended_before_the_other_started_does_not_meet_it() -> None:
    v = Volume4D(Circle(LON0, LAT0, 30.0), 50.0, 80.0, T0, T0 + timedelta(minutes=10))
    later = Volume4D(
        Circle(LON0, LAT0, 30.0), 50.0, 80.0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=15)
    )
    a, b = new_intent("a", "op", (v,)), new_intent("b", "op", (later,))
    assert meeting_pairs([a, b]) == [("a", "b")]
    assert meeting_pairs([a, b], {"a": T0 + timedelta(minutes=4)}) == []
