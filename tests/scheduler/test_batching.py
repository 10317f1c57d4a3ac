"""Several light parcels from one pickup ride together when that is cheaper."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleet.energy import Leg, hover_estimate, leg_estimate
from fleet.model import Delivery, GeoPoint, Priority, Vehicle
from fleet.scheduler import Schedule, SchedulingProblem, StopKind, Trip, batching, schedule
from fleet.scheduler.legcost import StraightLineLegCost
from tests.scheduler.helpers import T0, check_schedule, docks, drone, problem, robot

FAST = {"time_limit_s": 2.0, "max_iterations": 200, "seed": 1}
SHOP = GeoPoint(139.695, 35.690)


def parcels(weights_kg: list[float], rng: random.Random, hours: float = 3.0) -> list[Delivery]:
    """Parcels from SHOP to dropoffs clustered ~1.5 km east of it, all open for ``hours``."""
    return [
        Delivery(
            f"p{i}",
            SHOP,
            GeoPoint(139.711 + rng.uniform(-0.002, 0.002), 35.690 + rng.uniform(-0.002, 0.002)),
            w,
            T0,
            T0 + timedelta(hours=hours),
        )
        for i, w in enumerate(weights_kg)
    ]


def carried_together(s: Schedule) -> int:
    """Most parcels aboard at once over the schedule."""
    most = 0
    for _, trip in s.trips:
        aboard = 0
        for stop in trip.stops:
            aboard += {StopKind.PICKUP: 1, StopKind.DROPOFF: -1}.get(stop.kind, 0)
            most = max(most, aboard)
    return most


def recomputed_energy_wh(v: Vehicle, trip: Trip, payload: dict[str, float]) -> float:
    """The trip's energy from its stops alone: every leg flown with what is aboard on it,
    hovering at pickups empty and at dropoffs with the parcel still aboard."""
    dock = {d.id: GeoPoint(d.lon_deg, d.lat_deg) for d in docks()}
    points = [dock[trip.start_dock_id], *(s.point for s in trip.stops), dock[trip.end_dock_id]]
    aboard, energy = 0.0, 0.0
    for n, (a, b) in enumerate(pairwise(points)):
        if n:
            stop = trip.stops[n - 1]
            seconds = (stop.departure - stop.begin).total_seconds()
            if stop.kind is StopKind.PICKUP:
                energy += hover_estimate(v, seconds).energy_wh
                aboard += payload[stop.mission_id]
            else:
                energy += hover_estimate(v, seconds, aboard).energy_wh
                aboard -= payload[stop.mission_id]
        if a.lon_lat != b.lon_lat:
            energy += leg_estimate(v, Leg(a, b, aboard, cruise_agl_m=60.0)).energy_wh
    return energy


def test_light_parcels_from_one_shop_ride_together_and_save_energy(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    missions = parcels([0.5, 0.5, 0.5, 0.5], random.Random(1))
    p = problem([drone("d0", "dock0")], missions)
    together = schedule(p, **FAST)
    assert check_schedule(p, together) == []
    assert set(together.assignment()) == {m.id for m in missions}
    assert carried_together(together) >= 2
    monkeypatch.setattr(batching, "MAX_PARCELS", 1)
    one_by_one = schedule(p, **FAST)
    assert check_schedule(p, one_by_one) == []
    assert carried_together(one_by_one) == 1
    assert together.energy_wh < one_by_one.energy_wh


def test_batched_trip_energy_counts_the_heavier_legs() -> None:
    missions = parcels([1.0, 0.8, 0.6], random.Random(2))
    v = drone("d0", "dock0")
    s = schedule(problem([v], missions), **FAST)
    payload = {m.id: m.payload_kg for m in missions}
    batched = [t for _, t in s.trips if carried_together(_only(s, t)) >= 2]
    assert batched, "the scenario must batch to test anything"
    for trip in batched:
        assert trip.energy_wh == pytest.approx(recomputed_energy_wh(v, trip, payload), rel=1e-3)


def _only(s: Schedule, trip: Trip) -> Schedule:
    return Schedule(s.start, (type(s.vehicles[0])("x", (trip,)),), ())


def test_parcels_too_heavy_together_fly_separately() -> None:
    missions = parcels([2.0, 2.0, 1.5], random.Random(3))
    p = problem([drone("d0", "dock0")], missions)
    s = schedule(p, **FAST)
    assert check_schedule(p, s) == []  # includes the payload aboard at every stop
    assert set(s.assignment()) == {m.id for m in missions}
    assert carried_together(s) == 1


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    weights=st.lists(st.sampled_from([0.3, 0.7, 1.2, 2.0]), min_size=2, max_size=9),
    hours=st.sampled_from([0.6, 1.0, 3.0]),
    drones=st.integers(1, 2),
)
def test_any_shop_scenario_keeps_payload_windows_and_energy(
    seed: int, weights: list[float], hours: float, drones: int
) -> None:
    rng = random.Random(seed)
    missions = parcels(weights, rng, hours)
    shifts_min = [sorted((rng.randint(0, 40), rng.randint(0, 40))) for _ in missions]
    missions = [  # a window opening later also closes later (it stays >= ``hours`` long)
        m.__class__(
            m.id,
            m.pickup,
            m.dropoff,
            m.payload_kg,
            T0 + timedelta(minutes=early),
            m.latest_delivery + timedelta(minutes=late),
        )
        for m, (early, late) in zip(missions, shifts_min, strict=True)
    ]
    fleet = [
        drone(f"d{i}", f"dock{i}", battery_wh=rng.choice([90.0, 400.0])) for i in range(drones)
    ]
    p = problem(fleet, missions, hours=hours + 1.5)
    s = schedule(p, time_limit_s=2.0, max_iterations=100, seed=seed)
    assert check_schedule(p, s) == []


def busy_robot_problem() -> tuple[list[Delivery], SchedulingProblem]:
    """Four 1.5 kg parcels from SHOP (6 kg together: only the 10 kg robot can carry them all,
    a 2.5 kg drone one at a time), urgent heavy robot-only parcels keeping the robot busy (more
    than the robot can do: it has no time for the batch), two idle drones; everything due
    within the hour."""
    light = parcels([1.5] * 4, random.Random(1), hours=1.0)
    heavy = [
        Delivery(
            f"h{i}",
            GeoPoint(139.69, 35.69),
            GeoPoint(139.70 - 0.002 * i, 35.685),
            8.0,
            T0,
            T0 + timedelta(hours=1),
            priority=Priority.URGENT,
        )
        for i in range(4)
    ]
    fleet = [drone("d0", "dock0"), drone("d1", "dock0"), robot("r0", "dock0")]
    return light, problem(fleet, light + heavy)


@pytest.mark.parametrize("robot_batches", [False, True])
def test_a_batch_only_a_busy_robot_can_carry_leaves_no_parcel_behind(
    monkeypatch: pytest.MonkeyPatch, robot_batches: bool
) -> None:
    if robot_batches:  # batches sized for the robot: the engine leaves them out, robot busy
        monkeypatch.setattr(batching, "designated_class", lambda classes: len(classes) - 1)
    light, p = busy_robot_problem()
    s = schedule(p, **FAST)
    assert check_schedule(p, s) == []
    on = s.assignment()
    assert {m.id for m in light} <= set(on), [u.detail for u in s.unassigned]
    assert all(on[m.id].startswith("d") for m in light)  # the robot had no time for them
    assert len(on) + len(s.unassigned) == len(p.missions)
    again = schedule(p, **FAST)  # deterministic
    assert (again.vehicles, again.unassigned) == (s.vehicles, s.unassigned)


def test_a_batch_is_offered_only_to_classes_that_can_carry_its_total() -> None:
    light = parcels([0.6, 0.7, 0.8, 0.9], random.Random(2))
    small = replace(drone("s0", "dock0"), payload_capacity_kg=1.0)
    classes = [small, drone("d0", "dock0"), robot("r0", "dock0")]
    batches = batching.batch_tasks(
        light, classes, StraightLineLegCost(), lambda t: (t - T0).total_seconds()
    )
    assert batches, "the scenario must batch to test anything"
    assert batching.designated_class(classes) == 1  # the largest drone bounds batches
    for task in batches:
        total_kg = sum(m.payload_kg for m in light if m.id in task.mission_ids)
        assert total_kg <= 2.5
        carriers = {k for k, cls in enumerate(classes) if cls.payload_capacity_kg >= total_kg}
        assert set(task.service) <= carriers
        assert 0 not in task.service  # 1 kg cannot carry two of these
