"""Energy model: Zeng et al. (2019) figures, monotonicity, routes, and the reserve check."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airspace.route import Route, Waypoint
from fleet.energy import (
    DEFAULT_ROTORCRAFT,
    Leg,
    RotorcraftParams,
    check_feasible,
    ground_robot_power_w,
    hover_estimate,
    leg_estimate,
    multicopter_power_w,
    rotor_shaft_power_w,
    route_estimate,
)
from fleet.energy.power import G_MPS2
from fleet.errors import InfeasibleMission
from fleet.model import GeoPoint, Vehicle, VehicleKind

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
DOCK = GeoPoint(139.6917, 35.6895)


def test_hover_power_matches_zeng_2019_table_values() -> None:
    # Zeng, Xu & Zhang (2019), Table I: W = 20 N, R = 0.4 m, Omega = 300 rad/s, s = 0.05,
    # delta = 0.012, k = 0.1, d0 = 0.6; the paper gives P0 = 79.86 W and Pi = 88.63 W.
    rotor = Vehicle(
        "z",
        VehicleKind.MULTICOPTER,
        20 / G_MPS2,
        0.0,
        100.0,
        10.0,
        "d",
        rotor_count=1,
        rotor_radius_m=0.4,
    )
    area = 3.14159265 * 0.4**2
    params = RotorcraftParams(tip_speed_mps=120.0, flat_plate_area_m2=0.6 * 0.05 * area)
    assert rotor_shaft_power_w(rotor, 20 / G_MPS2, 0.0, params) == pytest.approx(168.49, rel=1e-3)
    # Far above the induced velocity, the blade-profile and parasite terms dominate (eq. 12).
    v = 30.0
    expected = 79.86 * (1 + 3 * v**2 / 120**2) + 0.5 * 1.225 * 0.6 * 0.05 * area * v**3
    assert rotor_shaft_power_w(rotor, 20 / G_MPS2, v, params) == pytest.approx(expected, rel=0.05)


@given(payload=st.floats(0.0, 5.0), extra=st.floats(0.01, 5.0), speed=st.floats(0.0, 25.0))
def test_power_grows_with_mass(drone: Vehicle, payload: float, extra: float, speed: float) -> None:
    lighter = multicopter_power_w(drone, payload, speed)
    assert multicopter_power_w(drone, payload + extra, speed) > lighter


def test_climb_costs_potential_energy_through_the_powertrain(drone: Vehicle) -> None:
    level = multicopter_power_w(drone, 1.0, 8.0)
    climbing = multicopter_power_w(drone, 1.0, 8.0, climb_mps=2.0)
    eta = DEFAULT_ROTORCRAFT.powertrain_efficiency
    assert climbing - level == pytest.approx((drone.empty_mass_kg + 1.0) * G_MPS2 * 2.0 / eta)
    assert multicopter_power_w(drone, 1.0, 8.0, climb_mps=-2.0) == level  # no regeneration


def test_cruise_is_cheaper_than_hover_and_very_fast_is_not(drone: Vehicle) -> None:
    hover = multicopter_power_w(drone, 0.0, 0.0)
    assert multicopter_power_w(drone, 0.0, 10.0) < hover
    assert multicopter_power_w(drone, 0.0, 35.0) > hover


def test_ground_robot_energy_scales_with_distance(robot: Vehicle) -> None:
    near = leg_estimate(robot, Leg(DOCK, GeoPoint(139.6917, 35.6945), payload_kg=5.0))
    far = leg_estimate(robot, Leg(DOCK, GeoPoint(139.6917, 35.6995), payload_kg=5.0))
    assert far.energy_wh == pytest.approx(2 * near.energy_wh, rel=1e-3)
    assert near.duration_s == pytest.approx(near.distance_m / robot.cruise_speed_mps)
    power = ground_robot_power_w(robot, 5.0, robot.cruise_speed_mps)
    assert near.energy_wh == pytest.approx(power * near.duration_s / 3600)


def _route(*points: tuple[float, float, float, float]) -> Route:
    waypoints = tuple(
        Waypoint(lon, lat, alt, 40.0, T0 + timedelta(seconds=t)) for lon, lat, alt, t in points
    )
    return Route(waypoints, length_m=0.0, duration_s=points[-1][3] - points[0][3])


def test_route_energy_follows_segments_and_hover(drone: Vehicle) -> None:
    # Climb 60 m in 20 s, cruise ~1110 m north in 100 s, hover 30 s, descend in 30 s.
    route = _route(
        (139.70, 35.69, 40.0, 0),
        (139.70, 35.69, 100.0, 20),
        (139.70, 35.70, 100.0, 120),
        (139.70, 35.70, 100.0, 150),
        (139.70, 35.70, 40.0, 180),
    )
    est = route_estimate(drone, route, payload_kg=1.0)
    assert est.duration_s == pytest.approx(180.0)
    speed = est.distance_m - 60 - 60  # horizontal metres flown in 100 s
    expected_wh = (
        multicopter_power_w(drone, 1.0, 0.0, 3.0) * 20
        + multicopter_power_w(drone, 1.0, speed / 100, 0.0) * 100
        + multicopter_power_w(drone, 1.0, 0.0) * 30
        + multicopter_power_w(drone, 1.0, 0.0, -2.0) * 30
    ) / 3600
    assert est.energy_wh == pytest.approx(expected_wh)
    hover = hover_estimate(drone, 30.0, 1.0)
    assert hover.energy_wh == pytest.approx(multicopter_power_w(drone, 1.0, 0.0) * 30 / 3600)


def test_leg_uses_the_route_when_there_is_one(drone: Vehicle) -> None:
    end = GeoPoint(139.70, 35.70)
    straight = leg_estimate(drone, Leg(GeoPoint(139.70, 35.69), end))
    detour = _route(
        (139.70, 35.69, 100.0, 0), (139.71, 35.695, 100.0, 120), (139.70, 35.70, 100.0, 240)
    )
    around = leg_estimate(drone, Leg(GeoPoint(139.70, 35.69), end, route=detour))
    assert around.distance_m > straight.distance_m
    assert around.energy_wh > straight.energy_wh


def test_check_feasible_reports_margin_and_refuses_beyond_reserve(drone: Vehicle) -> None:
    out = Leg(DOCK, GeoPoint(139.72, 35.70), payload_kg=1.5, hover_s=30.0)
    back = Leg(GeoPoint(139.72, 35.70), DOCK)
    ok = check_feasible(drone, [out, back])
    total = leg_estimate(drone, out).energy_wh + leg_estimate(drone, back).energy_wh
    assert ok.margin_wh == pytest.approx(drone.mission_energy_wh - total)
    assert 0 < ok.margin_wh < drone.mission_energy_wh
    far = GeoPoint(139.95, 35.69)  # ~23 km away
    with pytest.raises(InfeasibleMission, match=r"vehicle 'd1': the trip needs .* Wh reserve"):
        check_feasible(drone, [Leg(DOCK, far, payload_kg=1.5), Leg(far, DOCK)])


def test_check_feasible_refuses_overweight_payload(drone: Vehicle) -> None:
    with pytest.raises(InfeasibleMission, match=r"leg 0 carries 2\.50 kg, over its payload"):
        check_feasible(drone, [Leg(DOCK, GeoPoint(139.70, 35.69), payload_kg=2.5)])


def test_reserve_fraction_decides_feasibility(drone: Vehicle) -> None:
    target = GeoPoint(139.6917, 35.7695)  # ~8.9 km north
    legs = [Leg(DOCK, target, payload_kg=2.0), Leg(target, DOCK)]
    need = sum(leg_estimate(drone, leg).energy_wh for leg in legs)
    usable = drone.usable_energy_wh
    lenient = dataclasses.replace(drone, reserve_fraction=max(0.0, 1 - need / usable - 0.05))
    strict = dataclasses.replace(drone, reserve_fraction=min(0.99, 1 - need / usable + 0.05))
    assert check_feasible(lenient, legs).margin_wh > 0
    with pytest.raises(InfeasibleMission):
        check_feasible(strict, legs)


def test_delivery_trip_carries_the_payload_on_the_middle_leg_only(drone: Vehicle) -> None:
    from fleet.energy import delivery_trip
    from fleet.model import Delivery

    parcel = Delivery(
        "p", GeoPoint(139.70, 35.69), GeoPoint(139.71, 35.70, 3.0), 1.5, T0, T0 + timedelta(hours=1)
    )
    legs = delivery_trip(DOCK, parcel, dropoff_hover_s=20.0)
    assert [leg.payload_kg for leg in legs] == [0.0, 1.5, 0.0]
    assert (legs[0].end, legs[1].end, legs[2].end) == (parcel.pickup, parcel.dropoff, DOCK)
    assert legs[1].hover_s == 20.0
    assert check_feasible(drone, legs).total.duration_s > 20.0


def test_leg_refuses_negative_values() -> None:
    from fleet.errors import ValidationError

    with pytest.raises(ValidationError, match="leg: payload_kg must be >= 0"):
        Leg(DOCK, DOCK, payload_kg=-1.0)
