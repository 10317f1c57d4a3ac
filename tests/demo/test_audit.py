"""The post-run airspace audit counts flown intents whose 4D volumes meet, and only those."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airspace.intents import Circle, IntentState, Volume4D, intent_to_json, new_intent, transition
from fleet.demo.audit import conflicting_pairs, intents_from_rows

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _vol(lon: float, alt_m: float, start_min: float) -> Volume4D:
    return Volume4D(
        Circle(lon, 35.68, 30.0), alt_m, alt_m + 20.0,
        T0 + timedelta(minutes=start_min), T0 + timedelta(minutes=start_min + 5),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (_vol(139.7000, 60.0, 0.0), 1),  # same place, band and time
        (_vol(139.7000, 60.0, 10.0), 0),  # same place and band, later
        (_vol(139.7000, 100.0, 0.0), 0),  # same place and time, above
        (_vol(139.7100, 60.0, 0.0), 0),  # same band and time, 900 m east
    ],
)
def test_pairs_meet_only_when_space_altitude_and_time_all_overlap(
    second: Volume4D, expected: int
) -> None:
    a = new_intent("a", "op", (_vol(139.7, 60.0, 0.0),))
    b = new_intent("b", "op", (second,))
    assert len(conflicting_pairs([a, b])) == expected


def test_contingent_and_ended_intents_are_checked_with_all_their_volumes() -> None:
    a = transition(new_intent("a", "op", (_vol(139.7, 60.0, 0.0),)), IntentState.ACTIVATED)
    a = transition(a, IntentState.CONTINGENT, off_nominal_volumes=a.volumes)
    b = transition(new_intent("b", "op", (_vol(139.7, 65.0, 1.0),)), IntentState.ENDED)
    parsed = intents_from_rows([intent_to_json(a), intent_to_json(b)])
    assert conflicting_pairs(parsed) == [("a", "b")]


@pytest.mark.parametrize(
    ("start_min", "expected"),
    [
        (1.0, 1),  # b starts while a still flies
        (3.0, 0),  # b starts after a ended: a's remaining reservation was released
    ],
)
def test_an_ended_intent_is_checked_only_until_it_ended(start_min: float, expected: int) -> None:
    a = new_intent("a", "op", (_vol(139.7, 60.0, 0.0),))  # reserved 0-5 min
    b = new_intent("b", "op", (_vol(139.7, 60.0, start_min),))
    ended = {"a": T0 + timedelta(minutes=2)}
    assert len(conflicting_pairs([a, b], ended)) == expected
    assert len(conflicting_pairs([a, b])) == 1  # whole reservations overlap either way
