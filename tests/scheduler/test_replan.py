"""Re-planning: started trips stay exactly as they were; the rest is re-planned and reported."""

from __future__ import annotations

import random
from datetime import timedelta

from fleet.model import Delivery, Priority
from fleet.scheduler import ChangeKind, UnassignedReason, frozen_trips, replan, schedule
from tests.scheduler.helpers import T0, check_schedule, deliveries, drone, problem, random_point

FAST = {"time_limit_s": 3.0, "max_iterations": 300, "seed": 2}


def base():  # type: ignore[no-untyped-def]
    rng = random.Random(21)
    p = problem([drone(f"d{i}", f"dock{i % 3}") for i in range(4)], deliveries(16, rng))
    return p, schedule(p, **FAST), rng


def test_new_urgent_mission_is_added_and_started_trips_are_untouched() -> None:
    p, before, rng = base()
    now = T0 + timedelta(minutes=40)
    urgent = Delivery(
        "urgent",
        random_point(rng),
        random_point(rng),
        1.0,
        now,
        now + timedelta(minutes=45),
        priority=Priority.MEDICAL,
    )
    p2 = problem(p.vehicles, [*p.missions, urgent])
    result = replan(before, p2, now, **FAST)
    assert check_schedule(p2, result.schedule) == []
    assert "urgent" in result.schedule.assignment()
    kinds = {c.mission_id: c.kind for c in result.changes}
    assert kinds["urgent"] is ChangeKind.ADDED
    frozen = frozen_trips(before, now)
    assert frozen, "the scenario must have trips in the air at `now`"
    after = {v.vehicle_id: v.trips for v in result.schedule.vehicles}
    for vid, trips in frozen.items():
        assert after[vid][: len(trips)] == trips
        for m in (m for t in trips for m in t.mission_ids):
            assert kinds[m] is ChangeKind.KEPT_IN_FLIGHT
    for vid, trips in after.items():
        for trip in trips[len(frozen.get(vid, ())) :]:
            assert trip.departure >= now


def test_failed_vehicle_gets_no_new_work_and_its_airborne_missions_are_reported() -> None:
    p, before, _ = base()
    now = T0 + timedelta(minutes=40)
    frozen = frozen_trips(before, now)
    failed = next(iter(frozen))
    airborne = {m for t in frozen[failed] for m in t.mission_ids}
    result = replan(before, p, now, failed_vehicle_ids=frozenset({failed}), **FAST)
    assert check_schedule(p, result.schedule) == []
    mine = next(v for v in result.schedule.vehicles if v.vehicle_id == failed)
    assert mine.trips == ()
    lost = {
        u.mission_id
        for u in result.schedule.unassigned
        if u.reason is UnassignedReason.VEHICLE_FAILED
    }
    assert lost == airborne
    previous = next(v for v in before.vehicles if v.vehicle_id == failed)
    later = {m for trip in previous.trips[len(frozen[failed]) :] for m in trip.mission_ids}
    moved = {
        c.mission_id for c in result.changes if c.kind in (ChangeKind.MOVED, ChangeKind.DROPPED)
    }
    assert later <= moved
