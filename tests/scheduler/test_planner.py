"""The fleet scheduler: every mission placed or explained, constraints kept, priorities honoured."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleet.model import Delivery, GeoPoint, Priority, TimeWindow
from fleet.scheduler import (
    StopKind,
    StraightLineLegCost,
    UnassignedReason,
    schedule,
)
from tests.scheduler.helpers import (
    T0,
    area_inspection,
    check_schedule,
    deliveries,
    drone,
    problem,
    random_point,
    robot,
)

FAST = {"time_limit_s": 3.0, "max_iterations": 300, "seed": 1}


def reasons(s):  # type: ignore[no-untyped-def]
    return {u.mission_id: u.reason for u in s.unassigned}


def test_mixed_fleet_schedule_is_feasible_and_explains_every_left_out_mission() -> None:
    rng = random.Random(7)
    fleet = [drone(f"d{i}", f"dock{i % 3}", camera=i == 0) for i in range(5)] + [
        robot("r0", "dock1")
    ]
    missions: list = deliveries(20, rng, medical_every=5)
    missions[3] = replace(missions[3], robot_only_dropoff=True)
    missions += [
        Delivery("heavy", random_point(rng), random_point(rng), 40.0, T0, T0 + timedelta(hours=2)),
        Delivery(
            "far", GeoPoint(140.3, 35.69), GeoPoint(140.31, 35.69), 1.0, T0, T0 + timedelta(hours=3)
        ),
        Delivery(
            "past",
            random_point(rng),
            random_point(rng),
            1.0,
            T0 - timedelta(hours=1),
            T0 + timedelta(seconds=20),
        ),
        area_inspection(),
    ]
    p = problem(fleet, missions, transfer_points=(GeoPoint(139.70, 35.685),))
    s = schedule(p, **FAST)
    assert check_schedule(p, s) == []
    why = reasons(s)
    assert why["heavy"] is UnassignedReason.NO_CAPABLE_VEHICLE
    assert why["far"] is UnassignedReason.BEYOND_RANGE
    assert why["past"] is UnassignedReason.WINDOW_INFEASIBLE
    assert "survey" in s.assignment() and s.assignment()["survey"] == "d0"
    relay = [st_.kind for _, t in s.trips for st_ in t.stops if st_.mission_id == missions[3].id]
    assert {StopKind.HANDOVER, StopKind.COLLECT} <= set(relay)


def test_inspection_without_a_camera_is_refused_with_the_reason() -> None:
    p = problem([drone("d0", "dock0")], [area_inspection()])
    s = schedule(p, **FAST)
    assert reasons(s) == {"survey": UnassignedReason.NO_CAPABLE_VEHICLE}


def test_small_batteries_force_several_trips_each_within_budget() -> None:
    rng = random.Random(3)
    fleet = [drone("d0", "dock0", battery_wh=90.0), drone("d1", "dock2", battery_wh=90.0)]
    missions = [replace(m, latest_delivery=T0 + timedelta(hours=5)) for m in deliveries(12, rng)]
    p = problem(fleet, missions, hours=6)
    s = schedule(p, **FAST)
    assert check_schedule(p, s) == []
    assert max(len(v.trips) for v in s.vehicles) >= 2
    for v in s.vehicles:
        for a, b in zip(v.trips, v.trips[1:], strict=False):
            assert b.departure - a.arrival >= timedelta(seconds=120)  # the battery swap


def test_medical_missions_are_never_left_out_for_normal_ones() -> None:
    rng = random.Random(11)
    missions = deliveries(24, rng, medical_every=6)
    p = problem([drone("d0", "dock1")], missions, hours=1.5)
    s = schedule(p, **FAST)
    assert check_schedule(p, s) == []
    left = {u.mission_id for u in s.unassigned}
    assert left, "the scenario must be over-subscribed to test anything"
    for m in missions:
        if m.priority is Priority.MEDICAL and m.id in left:
            alone = schedule(problem([drone("d0", "dock1")], [m], hours=1.5), **FAST)
            assert alone.unassigned, f"medical {m.id} was feasible alone but left out"


def test_same_seed_and_iteration_cap_give_the_same_schedule() -> None:
    rng = random.Random(5)
    p = problem([drone(f"d{i}", f"dock{i}") for i in range(3)], deliveries(15, rng))
    assert schedule(p, **FAST).vehicles == schedule(p, **FAST).vehicles


def test_leg_cost_model_is_used_for_etas() -> None:
    class Windy(StraightLineLegCost):
        """Every leg takes twice as long (a headwind everywhere)."""

        def leg(self, vehicle, start, end, payload_kg):  # type: ignore[no-untyped-def]
            est = super().leg(vehicle, start, end, payload_kg)
            return replace(est, duration_s=2 * est.duration_s)

        def matrix(self, vehicle, origins, destinations):  # type: ignore[no-untyped-def]
            m = super().matrix(vehicle, origins, destinations)
            return replace(m, duration_s=2 * m.duration_s)

    rng = random.Random(9)
    missions = [
        replace(m, earliest_pickup=T0, latest_delivery=T0 + timedelta(hours=3))
        for m in deliveries(1, rng)
    ]
    p = problem([drone("d0", "dock0")], missions)
    calm, windy = schedule(p, **FAST), schedule(p, leg_cost=Windy(), **FAST)
    flight = lambda s: s.trips[0][1].arrival - s.trips[0][1].departure  # noqa: E731
    assert flight(windy) > flight(calm) * 1.5


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(1, 12), drones=st.integers(1, 3))
def test_any_scenario_every_mission_is_placed_or_explained(seed: int, n: int, drones: int) -> None:
    rng = random.Random(seed)
    fleet = [
        drone(f"d{i}", f"dock{i % 3}", battery_wh=rng.choice([80.0, 400.0])) for i in range(drones)
    ]
    p = problem(fleet, deliveries(n, rng, medical_every=3), hours=rng.choice([1.0, 3.0]))
    s = schedule(p, time_limit_s=2.0, max_iterations=100, seed=seed)
    assert check_schedule(p, s) == []


def test_problem_rejects_unknown_home_dock() -> None:
    from fleet.scheduler import SchedulerError

    with pytest.raises(SchedulerError, match="unknown home dock 'nowhere'"):
        problem([drone("d0", "nowhere")], [])


def test_planned_routes_replace_straight_lines() -> None:
    from airspace.route import Route, Waypoint
    from fleet.energy import horizontal_distance_m
    from fleet.scheduler import PlannedRouteLegCost

    def detour(vehicle, a, b):  # type: ignore[no-untyped-def]
        """Climb 60 m, fly around a block via a point 1 km north of the midpoint, descend."""
        mid = GeoPoint((a.lon_deg + b.lon_deg) / 2, (a.lat_deg + b.lat_deg) / 2 + 0.009)
        path = [(a, 40.0), (a, 100.0), (mid, 100.0), (b, 100.0), (b, 40.0)]
        t, out = T0, []
        for i, (p, alt) in enumerate(path):
            if i:
                (q, q_alt) = path[i - 1]
                flat = horizontal_distance_m(q.lon_lat, p.lon_lat) / 15.0
                t += timedelta(seconds=max(flat, abs(alt - q_alt) / 2.0))
            out.append(Waypoint(p.lon_deg, p.lat_deg, alt, 40.0, t))
        return Route(tuple(out), 0.0, (t - T0).total_seconds())

    rng = random.Random(4)
    missions = [
        replace(m, earliest_pickup=T0, latest_delivery=T0 + timedelta(hours=3))
        for m in deliveries(2, rng)
    ]
    p = problem([drone("d0", "dock0")], missions)
    straight = schedule(p, **FAST)
    routed = schedule(p, leg_cost=PlannedRouteLegCost(detour), **FAST)
    assert check_schedule(p, routed) == []
    assert routed.energy_wh > straight.energy_wh
    assert routed.makespan > straight.makespan


def test_robot_only_dropoff_without_a_robot_is_refused_with_the_reason() -> None:
    rng = random.Random(2)
    m = replace(deliveries(1, rng)[0], robot_only_dropoff=True)
    p = problem([drone("d0", "dock0")], [m], transfer_points=(GeoPoint(139.70, 35.685),))
    s = schedule(p, **FAST)
    assert reasons(s) == {m.id: UnassignedReason.NO_CAPABLE_VEHICLE}
    assert "robot-only" in s.unassigned[0].detail


def test_recurring_inspection_is_flown_once_per_occurrence() -> None:
    from fleet.model import Recurrence

    survey = replace(
        area_inspection(),
        window=TimeWindow(T0, T0 + timedelta(minutes=30)),
        recurrence=Recurrence(timedelta(hours=1), 3),
    )
    p = problem([drone("d0", "dock0", camera=True)], [survey])
    s = schedule(p, **FAST)
    assert check_schedule(p, s) == []
    visits = sorted(st_.begin for _, t in s.trips for st_ in t.stops if st_.mission_id == "survey")
    assert len(visits) == 3
    for n, begin in enumerate(visits):
        opens = T0 + n * timedelta(hours=1)
        assert opens <= begin <= opens + timedelta(minutes=30)
