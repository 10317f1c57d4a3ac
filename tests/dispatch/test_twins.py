"""A sortie waiting behind a busy vehicle goes to an idle twin, and only to a true twin."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta

from fleet.dispatch.schedule import Sortie
from fleet.dispatch.twins import hand_over

NOW = datetime(2030, 4, 1, 9, 0, tzinfo=UTC)


def _sortie(vehicle_id: int, mission_id: int, rank: int = 2, robot_id: int | None = None) -> Sortie:
    return Sortie(vehicle_id, True, NOW, [mission_id], robot_id=robot_id, rank=rank)


def test_the_second_sortie_of_a_vehicle_goes_to_its_idle_twin() -> None:
    first, second = _sortie(1, 10), _sortie(1, 11)
    queues = {1: deque([first, second])}
    moved = hand_over(queues, {}, {}, {}, {1: frozenset({2}), 2: frozenset({1})}, NOW)
    assert moved == [(second, 1)]
    assert list(queues[1]) == [first] and list(queues[2]) == [second]
    assert second.vehicle_id == 2


def test_the_head_of_a_busy_vehicle_goes_too_and_the_most_urgent_first() -> None:
    normal, medical = _sortie(1, 10), _sortie(1, 11, rank=0)
    queues = {1: deque([normal, medical])}
    moved = hand_over(queues, {1: object()}, {}, {}, {1: frozenset({2})}, NOW)
    assert moved == [(medical, 1)]  # one sortie per twin: the most urgent
    assert list(queues[1]) == [normal]


def test_a_twin_that_is_busy_queued_turning_around_or_lost_takes_nothing() -> None:
    twins = {1: frozenset({2})}
    cases = [
        ({2: object()}, {}, {}, {}),  # flying
        ({}, {2: deque([_sortie(2, 20)])}, {}, {}),  # has work of its own
        ({}, {}, {2: NOW + timedelta(seconds=60)}, {}),  # battery swap not over
        ({}, {}, {}, {2: "lost"}),  # no link
    ]
    for busy, extra, free_at, status in cases:
        queues = {1: deque([_sortie(1, 10), _sortie(1, 11)]), **extra}
        assert hand_over(queues, busy, free_at, status, twins, NOW) == []
        assert len(queues[1]) == 2


def test_relays_and_vehicles_without_twins_keep_their_plan() -> None:
    relay = _sortie(1, 11, robot_id=5)
    queues = {1: deque([_sortie(1, 10), relay])}
    assert hand_over(queues, {}, {}, {}, {1: frozenset({2})}, NOW) == []
    queues = {1: deque([_sortie(1, 10), _sortie(1, 11)])}
    assert hand_over(queues, {}, {}, {}, {}, NOW) == []
