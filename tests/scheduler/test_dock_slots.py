"""Dock slots: no dock ever recharges or swaps more vehicles at once than it has slots."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleet.model import Delivery, Dock, GeoPoint
from fleet.scheduler import (
    DockOccupancy,
    Schedule,
    SchedulingProblem,
    UnassignedReason,
    schedule,
)
from fleet.scheduler.docks import DockCalendar, max_occupancy
from tests.scheduler.helpers import T0, check_schedule, deliveries, drone


def occupancy_errors(p: SchedulingProblem, s: Schedule) -> list[str]:
    """Docks that hold more recharging vehicles than slots at some instant (sweep line)."""
    held: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for o in p.occupied:
        held[o.dock_id].append((o.start, o.end))
    for _, trip in s.trips:
        if trip.recharge_begin < trip.arrival or trip.ready_again < trip.recharge_begin:
            return [f"trip recharge out of order: {trip}"]
        held[trip.end_dock_id].append((trip.recharge_begin, trip.ready_again))
    errors = []
    for dock in p.docks:
        seconds = [((a - T0).total_seconds(), (b - T0).total_seconds()) for a, b in held[dock.id]]
        if (most := max_occupancy(seconds)) > dock.slots:
            errors.append(f"{dock.id}: {most} vehicles at once in {dock.slots} slots")
    return errors


def charging_docks(slots: int) -> tuple[Dock, ...]:
    """Two slow-charging docks (a recharge takes tens of minutes: slots are contended)."""
    return tuple(
        Dock(f"dock{i}", 139.69 + 0.02 * i, 35.69, slots=slots, charge_power_w=150.0)
        for i in range(2)
    )


def one_slot_problem(seed: int, drones: int, missions: int) -> SchedulingProblem:
    """Small-battery drones at one single-slot charging dock, all missions open for 5 h."""
    rng = random.Random(seed)
    fleet = tuple(drone(f"d{i}", "dock0", battery_wh=70.0) for i in range(drones))
    ms = tuple(
        replace(m, earliest_pickup=T0, latest_delivery=T0 + timedelta(hours=5))
        for m in deliveries(missions, rng)
    )
    return SchedulingProblem(fleet, charging_docks(1), ms, T0, T0 + timedelta(hours=6))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(4, 16),
    drones=st.integers(2, 5),
    slots=st.integers(1, 2),
)
def test_no_dock_ever_holds_more_recharging_vehicles_than_slots(
    seed: int, n: int, drones: int, slots: int
) -> None:
    rng = random.Random(seed)
    fleet = [
        drone(f"d{i}", f"dock{i % 2}", battery_wh=rng.choice([70.0, 120.0])) for i in range(drones)
    ]
    missions = [
        replace(m, latest_delivery=m.latest_delivery + timedelta(hours=2))
        for m in deliveries(n, rng)
    ]
    p = SchedulingProblem(
        tuple(fleet), charging_docks(slots), tuple(missions), T0, T0 + timedelta(hours=6)
    )
    s = schedule(p, time_limit_s=2.0, max_iterations=150, seed=seed)
    assert check_schedule(p, s) == []
    assert occupancy_errors(p, s) == []


def test_a_single_slot_makes_vehicles_take_turns() -> None:
    p = one_slot_problem(seed=4, drones=4, missions=12)
    s = schedule(p, time_limit_s=3.0, max_iterations=300, seed=1)
    assert check_schedule(p, s) == []
    assert occupancy_errors(p, s) == []
    waits = [t.recharge_begin - t.arrival for _, t in s.trips]
    assert max(waits) > timedelta(0), "the scenario must contend for the slot to test anything"


def busy_dock_problem(*spare: Dock) -> SchedulingProblem:
    """A drone whose only-slot home dock is taken for 3 h a minute after it leaves, two
    deliveries 20 minutes apart, and ``spare`` docks."""
    dock = Dock("dock0", 139.69, 35.69, slots=1, swap_time_s=120.0)
    near = GeoPoint(139.692, 35.691), GeoPoint(139.694, 35.689)
    first = Delivery("first", *near, 1.0, T0, T0 + timedelta(minutes=20))
    later = Delivery("later", *near, 1.0, T0 + timedelta(minutes=40), T0 + timedelta(minutes=70))
    busy = DockOccupancy("dock0", T0 + timedelta(minutes=1), T0 + timedelta(hours=3))
    return SchedulingProblem(
        (drone("d0", "dock0"),),
        (dock, *spare),
        (first, later),
        T0,
        T0 + timedelta(hours=5),
        occupied=(busy,),
    )


def test_a_vehicle_lands_at_another_dock_when_its_own_is_full() -> None:
    p = busy_dock_problem(Dock("dock1", 139.695, 35.69, slots=1, swap_time_s=120.0))
    s = schedule(p, time_limit_s=2.0, max_iterations=100, seed=0)
    assert check_schedule(p, s) == []
    assert occupancy_errors(p, s) == []
    assert set(s.assignment()) == {"first", "later"}
    assert s.trips[0][1].end_dock_id == "dock1"


def test_mission_lost_to_a_full_dock_is_reported_with_the_wait() -> None:
    p = busy_dock_problem()
    s = schedule(p, time_limit_s=2.0, max_iterations=100, seed=0)
    assert check_schedule(p, s) == []
    assert occupancy_errors(p, s) == []
    lost = {u.mission_id: u for u in s.unassigned}
    assert set(s.assignment()) == {"first"}
    assert lost["later"].reason is UnassignedReason.DOCK_SLOTS_FULL
    assert "free slot at dock 'dock0'" in lost["later"].detail


def test_calendar_first_fit_books_around_existing_slots() -> None:
    cal = DockCalendar([2])
    starts = [cal.book(0, 0.0, 10.0) for _ in range(3)]
    assert starts == [0.0, 0.0, 10.0]
    assert max_occupancy(cal.bookings[0]) == 2
    assert cal.book(0, 3.0, 0.0) == 3.0  # a 0 s swap holds no slot


def test_replanning_keeps_slots_with_the_recharges_of_trips_in_the_air() -> None:
    from fleet.scheduler import replan

    p = one_slot_problem(seed=8, drones=3, missions=10)
    fast = {"time_limit_s": 2.0, "max_iterations": 200, "seed": 3}
    before = schedule(p, **fast)
    now = min(t.departure for _, t in before.trips) + timedelta(seconds=1)
    after = replan(before, p, now, **fast).schedule
    assert check_schedule(p, after) == []
    assert occupancy_errors(p, after) == []


def test_a_mission_a_slot_wait_costs_its_vehicle_goes_to_an_idle_one() -> None:
    # six drones, one single-slot dock: the engine (blind to slots) uses five, and a slot
    # wait re-times one of their trips past a window while the sixth drone sits idle
    p = one_slot_problem(seed=0, drones=6, missions=16)
    s = schedule(p, time_limit_s=3.0, max_iterations=300, seed=1)
    assert check_schedule(p, s) == []
    assert occupancy_errors(p, s) == []
    lost = [u for u in s.unassigned if u.reason is not UnassignedReason.BEYOND_RANGE]
    assert lost == [], [u.detail for u in lost]
    assert len(s.assignment()) + len(s.unassigned) == len(p.missions)
