"""Earliest completion (:mod:`fleet.scheduler.lateness`): work that could start now goes to an
idle suitable vehicle, not behind a cheaper one that is still out; it is queued behind the busy
one only when nothing idle can do it, and work that opens after the busy one is back is
chained behind it freely."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet.model import Delivery, Dock, GeoPoint, Vehicle, VehicleKind
from fleet.scheduler import (
    Schedule,
    SchedulingProblem,
    VehicleAvailability,
    schedule,
)
from fleet.scheduler.lateness import LATENESS_COST, busy_cost
from tests.scheduler.helpers import T0, check_schedule, docks, drone, robot

FAST = {"time_limit_s": 2.0, "max_iterations": 300, "seed": 0}
PICKUP = GeoPoint(139.6905, 35.6905)  # ~70 m from dock0
DROPOFF = GeoPoint(139.692, 35.692)  # ~280 m from dock0: a robot's drive


def light_drone(vid: str, dock: str) -> Vehicle:
    """A drone that flies the same parcel on less energy than :func:`drone`'s."""
    return Vehicle(vid, VehicleKind.MULTICOPTER, 1.5, 2.5, 400.0, 15.0, dock)


def parcel(early: datetime = T0, payload_kg: float = 1.0, dropoff: GeoPoint = DROPOFF) -> Delivery:
    return Delivery("p", PICKUP, dropoff, payload_kg, early, early + timedelta(hours=1))


def plan(vehicles: list[Vehicle], busy_min: float, mission: Delivery) -> tuple[Schedule, str]:
    """Schedule ``mission``; ``vehicles[0]`` is out until ``busy_min`` minutes after T0."""
    free = T0 + timedelta(minutes=busy_min)
    p = SchedulingProblem(
        tuple(vehicles),
        docks(1),
        (mission,),
        T0,
        T0 + timedelta(hours=3),
        availability=(VehicleAvailability(vehicles[0].id, "dock0", free),),
    )
    s = schedule(p, **FAST)
    assert check_schedule(p, s) == []
    assert s.assignment(), s.unassigned
    return s, s.assignment()["p"]


def first_departure(s: Schedule) -> datetime:
    return min(t.departure for _, t in s.trips)


@pytest.mark.parametrize(
    "busy",
    [robot("busy", "dock0"), light_drone("busy", "dock0")],
    ids=["busy robot", "busy lighter drone"],
)
def test_an_on_demand_parcel_goes_to_the_idle_vehicle_not_behind_a_cheaper_busy_one(
    busy: Vehicle,
) -> None:
    s, chosen = plan([busy, drone("idle", "dock0")], 20, parcel())
    assert chosen == "idle"
    assert first_departure(s) < T0 + timedelta(minutes=1)


def test_the_busy_vehicle_is_cheaper_so_without_the_wait_it_would_win() -> None:
    """The control for the test above: the busy vehicles there are the cheaper choice."""
    for cheaper in (robot("busy", "dock0"), light_drone("busy", "dock0")):
        _, chosen = plan([cheaper, drone("idle", "dock0")], 0, parcel())
        assert chosen == "busy"


def test_a_parcel_only_the_busy_vehicle_can_carry_waits_for_it() -> None:
    heavy = parcel(payload_kg=5.0)  # the drone carries 2.5 kg, the robot 10 kg
    s, chosen = plan([robot("busy", "dock0"), drone("idle", "dock0")], 20, heavy)
    assert chosen == "busy"
    assert first_departure(s) >= T0 + timedelta(minutes=20)


def test_a_parcel_only_the_busy_vehicle_has_the_range_for_waits_for_it() -> None:
    far = parcel(dropoff=GeoPoint(139.74, 35.70))  # ~4.6 km out
    small = drone("idle", "dock0", battery_wh=40.0)
    s, chosen = plan([drone("busy", "dock0"), small], 20, far)
    assert chosen == "busy"
    assert first_departure(s) >= T0 + timedelta(minutes=20)


def test_work_opening_after_the_busy_vehicle_is_back_is_chained_behind_it() -> None:
    later = parcel(early=T0 + timedelta(minutes=30))
    _, chosen = plan([robot("busy", "dock0"), drone("idle", "dock0")], 20, later)
    assert chosen == "busy"


@settings(max_examples=30, deadline=None)
@given(
    available_s=st.floats(0, 10**5, allow_nan=False),
    earliest_s=st.floats(0, 10**5, allow_nan=False),
    later_s=st.floats(0, 10**4, allow_nan=False),
)
def test_busy_cost_grows_with_the_delay_and_is_zero_without_one(
    available_s: float, earliest_s: float, later_s: float
) -> None:
    cost = busy_cost(available_s, earliest_s)
    assert (cost == 0) == (available_s <= earliest_s)
    assert busy_cost(available_s + later_s, earliest_s) >= cost
    assert cost <= LATENESS_COST * max(0.0, available_s - earliest_s) + 1


def test_an_idle_charged_drone_leaves_at_once_from_a_slow_charging_dock() -> None:
    """A charged vehicle does not wait for its dock's recharge before its first trip (the
    engine charges a dock's service at the start of every trip: build's clock lead)."""
    dock = Dock("dock0", 139.69, 35.69, slots=4, charge_power_w=300.0)  # ~16 min per 80 Wh
    mission = Delivery("p", PICKUP, DROPOFF, 1.0, T0, T0 + timedelta(minutes=15))
    p = SchedulingProblem((drone("d", "dock0"),), (dock,), (mission,), T0, T0 + timedelta(hours=2))
    s = schedule(p, **FAST)
    assert check_schedule(p, s) == []
    assert s.assignment() == {"p": "d"}, s.unassigned
    assert first_departure(s) < T0 + timedelta(minutes=1)
