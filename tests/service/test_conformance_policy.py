"""The runner's conformance policy over recorded tracks (tests/intents/tracks/).

A vehicle that only runs late is left to finish its reserved track: holding it would make it
later, and a return to launch would take it home through airspace it never reserved. A
vehicle that leaves its volumes' space is held and, when Contingent, recalled; an early one
is held (waiting brings it back inside).
"""

from __future__ import annotations

from datetime import timedelta

from airspace.conformance import BecameContingent, LeftVolumes
from fleet.runner.response import Action, ConformancePolicy
from tests.intents.test_conformance import _fly


def _actions(track: str, policy: ConformancePolicy) -> list[tuple[str, Action | None]]:
    events, _, monitor = _fly(track)
    last = events[-1].time if events else None
    if last is not None:  # reports stop: the monitor escalates past the recovery limit
        events.extend(monitor.tick(last + timedelta(minutes=5)))
    return [
        (type(e).__name__, policy.action_for(e))
        for e in events
        if isinstance(e, LeftVolumes | BecameContingent)
    ]


def test_a_late_flight_inside_its_volumes_space_is_not_held_nor_recalled() -> None:
    actions = _actions("late_200s", ConformancePolicy())
    assert actions == [("LeftVolumes", None), ("BecameContingent", None)]


def test_a_lateral_excursion_is_held() -> None:
    assert _actions("lateral_20s", ConformancePolicy()) == [("LeftVolumes", Action.HOLD)]


def test_a_vertical_excursion_that_does_not_recover_is_held_then_recalled() -> None:
    actions = _actions("climb_90s", ConformancePolicy())
    assert actions == [("LeftVolumes", Action.HOLD), ("BecameContingent", Action.RTL)]


def test_the_late_action_is_a_setting() -> None:
    actions = _actions("late_200s", ConformancePolicy(late=Action.LAND))
    assert actions and all(action is Action.LAND for _, action in actions)
