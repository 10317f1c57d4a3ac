"""Deconfliction engine: exact conflicts, priority rules, transactions, restore, concurrency."""

from __future__ import annotations

import threading

import pytest

from airspace.deconfliction import (
    Accepted,
    Conflict,
    DeconflictionEngine,
    DeconflictionSettings,
)
from airspace.errors import DuplicateIntent, IllegalTransition, StaleVersion, UnknownIntent
from airspace.intents import (
    PRIORITY_MEDICAL,
    IntentState,
    Polygon,
    Volume4D,
    new_intent,
)
from tests.intents.helpers import ORIGIN, T0, box, disc


def _engine(**kw: object) -> DeconflictionEngine:
    return DeconflictionEngine(DeconflictionSettings(**kw))  # type: ignore[arg-type]


def test_overlapping_equal_priority_is_refused_with_exact_blockers() -> None:
    eng = _engine()
    a = new_intent("a", "op1", (box(0, 0, 100, 100), box(500, 500, 600, 600)))
    assert isinstance(eng.reserve(a), Accepted)
    b = new_intent("b", "op2", (box(900, 900, 950, 950), box(550, 550, 700, 700)))
    result = eng.reserve(b)
    assert isinstance(result, Conflict)
    assert result.blocking_intent_ids == ("a",)
    [blocker] = result.blockers
    assert (blocker.volume_index, blocker.candidate_volume_index) == (1, 1)
    assert "intent a" in result.explain()
    assert [i.id for i in eng.intents()] == ["a"]


def test_equal_priority_allowed_by_setting() -> None:
    eng = _engine(allow_equal_priority_conflicts=True)
    eng.reserve(new_intent("a", "op1", (box(0, 0, 100, 100),)))
    assert isinstance(eng.reserve(new_intent("b", "op2", (box(50, 50, 150, 150),))), Accepted)


@pytest.mark.parametrize(
    "other,conflict",
    [
        (box(100.005, 0, 200, 100), True),  # 5 mm apart: within the 1 cm tolerance
        (box(100.02, 0, 200, 100), False),  # 2 cm apart
        (box(0, 0, 100, 100, z0_m=80.005, z1_m=120), True),  # bands 5 mm apart
        (box(0, 0, 100, 100, z0_m=80.05, z1_m=120), False),
        (box(0, 0, 100, 100, t0_s=600, t1_s=900), False),  # back to back in time
        (box(0, 0, 100, 100, t0_s=599, t1_s=900), True),
        (disc(150, 50, 49.9), False),
        (disc(150, 50, 50.1), True),
    ],
)
def test_exact_4d_test_with_the_f3548_1cm_precision(other: Volume4D, conflict: bool) -> None:
    eng = _engine(origin_lonlat_deg=(ORIGIN.origin_lon_deg, ORIGIN.origin_lat_deg))
    eng.reserve(new_intent("a", "op1", (box(0, 0, 100, 100),)))
    assert isinstance(eng.reserve(new_intent("b", "op2", (other,))), Conflict) is conflict


def test_never_decides_on_bounding_boxes_alone() -> None:
    # Two L-shaped outlines whose boxes overlap but which do not meet.
    el = [(0, 0), (100, 0), (100, 10), (10, 10), (10, 100), (0, 100)]
    other = [(30, 30), (100, 30), (100, 100), (30, 100)]

    def vol(pts: list[tuple[int, int]]) -> Volume4D:
        return Volume4D(
            Polygon(tuple(ORIGIN.to_lonlat_deg(x, y) for x, y in pts)),
            40,
            80,
            T0,
            T0.replace(hour=10),
        )

    eng = _engine()
    eng.reserve(new_intent("a", "op1", (vol(el),)))
    assert isinstance(eng.reserve(new_intent("b", "op2", (vol(other),))), Accepted)


def test_lower_priority_is_blocked_higher_priority_preempts() -> None:
    eng = _engine()
    eng.reserve(new_intent("normal", "op1", (box(0, 0, 100, 100),)))
    medical = new_intent("med", "op2", (box(50, 50, 150, 150),), priority=PRIORITY_MEDICAL)
    accepted = eng.reserve(medical)
    assert isinstance(accepted, Accepted)
    assert accepted.preempted_intent_ids == ("normal",)
    late = eng.reserve(new_intent("late", "op3", (box(120, 120, 130, 130),)))
    assert isinstance(late, Conflict) and late.blocking_intent_ids == ("med",)
    # the preempted owner cannot update into the medical flight's space either
    upd = eng.update("normal", (box(60, 60, 90, 90),))
    assert isinstance(upd, Conflict) and upd.blocking_intent_ids == ("med",)


def test_off_nominal_intents_are_not_deconflicted_against() -> None:
    eng = _engine()
    eng.reserve(new_intent("a", "op1", (box(0, 0, 100, 100),)))
    eng.activate("a")
    eng.transition("a", IntentState.CONTINGENT, off_nominal_volumes=(disc(50, 50, 80),))
    assert isinstance(eng.reserve(new_intent("b", "op2", (box(0, 0, 100, 100),))), Accepted)
    assert eng.get("a").state is IntentState.CONTINGENT


def test_update_keeps_the_old_reservation_when_refused() -> None:
    eng = _engine()
    eng.reserve(new_intent("a", "op1", (box(0, 0, 100, 100),)))
    eng.reserve(new_intent("b", "op2", (box(300, 0, 400, 100),)))
    before = eng.get("b")
    assert isinstance(eng.update("b", (box(50, 0, 400, 100),)), Conflict)
    assert eng.get("b") == before
    moved = eng.update("b", (box(200, 0, 400, 100),), expected_ovn=before.ovn)
    assert isinstance(moved, Accepted) and moved.intent.version == 2
    with pytest.raises(StaleVersion):
        eng.update("b", (box(300, 0, 400, 100),), expected_ovn=before.ovn)


def test_lifecycle_and_errors() -> None:
    eng = _engine()
    eng.reserve(new_intent("a", "op1", (box(0, 0, 100, 100),)))
    with pytest.raises(DuplicateIntent):
        eng.reserve(new_intent("a", "op1", (box(500, 0, 600, 100),)))
    with pytest.raises(IllegalTransition):
        eng.transition("a", IntentState.NONCONFORMING, off_nominal_volumes=(disc(0, 0, 9),))
    assert eng.activate("a").state is IntentState.ACTIVATED
    ended = eng.end("a")
    assert ended.state is IntentState.ENDED and eng.intents() == ()
    with pytest.raises(UnknownIntent):
        eng.get("a")
    # its space is free again
    assert isinstance(eng.reserve(new_intent("b", "op1", (box(0, 0, 100, 100),))), Accepted)
    assert eng.remove("b") is not None and eng.remove("b") is None


def test_restore_rebuilds_the_index() -> None:
    eng = _engine()
    eng.reserve(new_intent("a", "op1", (box(0, 0, 100, 100),)))
    eng.reserve(new_intent("b", "op1", (box(200, 0, 300, 100),)))
    saved = eng.intents()
    fresh = _engine()
    fresh.restore(saved)
    assert set(fresh.intents()) == set(saved)
    blocked = fresh.reserve(new_intent("c", "op2", (box(50, 0, 250, 100),)))
    assert isinstance(blocked, Conflict) and set(blocked.blocking_intent_ids) == {"a", "b"}
    with pytest.raises(DuplicateIntent):
        fresh.restore([saved[0], saved[0]])


def test_expire_drops_finished_intents() -> None:
    eng = _engine()
    eng.reserve(new_intent("a", "op1", (box(0, 0, 100, 100, t1_s=60),)))
    eng.reserve(new_intent("b", "op1", (box(0, 200, 100, 300, t1_s=6000),)))
    gone = eng.expire(T0.replace(minute=5))
    assert [i.id for i in gone] == ["a"] and [i.id for i in eng.intents()] == ["b"]


def test_find_conflicts_with_and_without_priority() -> None:
    eng = _engine()
    eng.reserve(new_intent("low", "op1", (box(0, 0, 100, 100),), priority=0))
    eng.reserve(new_intent("high", "op1", (box(200, 0, 300, 100),), priority=10))
    probe = (box(50, 0, 250, 100),)
    assert {b.intent_id for b in eng.find_conflicts(probe)} == {"low", "high"}
    assert {b.intent_id for b in eng.find_conflicts(probe, priority=5)} == {"high"}
    assert eng.find_conflicts(probe, exclude=("low", "high")) == ()


def test_concurrent_reservations_of_the_same_space_accept_exactly_one() -> None:
    eng = _engine()
    barrier = threading.Barrier(8)
    results: list[object] = []

    def worker(i: int) -> None:
        barrier.wait()
        results.append(eng.reserve(new_intent(f"c{i}", f"op{i}", (box(0, 0, 100, 100),))))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, Accepted) for r in results) == 1
    assert len(eng.intents()) == 1
