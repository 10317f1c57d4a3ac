"""Reserved ETAs with the vehicle's speed profile: stops at waypoints, landing speed, park speed."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from airspace.route import Route, Waypoint
from fleet.service.timing import SpeedProfile, retime, travel_s

T0 = datetime(2030, 4, 1, tzinfo=UTC)
QUAD = SpeedProfile(cruise_speed_mps=12.0, accel_mps2=3.0, land_speed_mps=0.7)
M_PER_DEG_LAT = 110_574.0


def test_travel_time_of_the_trapezoid_and_the_triangle() -> None:
    assert travel_s(120.0, 12.0, 3.0) == 120.0 / 12.0 + 12.0 / 3.0  # cruise reached
    assert math.isclose(travel_s(12.0, 12.0, 3.0), 2.0 * math.sqrt(12.0 / 3.0))  # never reached
    assert travel_s(0.0, 12.0, 3.0) == 0.0


def _route(north_steps_m: list[float], cruise_agl_m: float) -> Route:
    """Take off, fly north in the given steps at cruise, land: timed at constant speeds."""
    points = [Waypoint(139.7, 35.68, 0.0, 0.0, T0)]
    t = T0 + timedelta(seconds=cruise_agl_m / 3.0)
    lat = 35.68
    points.append(Waypoint(139.7, lat, cruise_agl_m, 0.0, t))
    for step in north_steps_m:
        lat += step / M_PER_DEG_LAT
        t += timedelta(seconds=step / 12.0)
        points.append(Waypoint(139.7, lat, cruise_agl_m, 0.0, t))
    t += timedelta(seconds=cruise_agl_m / 1.5)
    points.append(Waypoint(139.7, lat, 0.0, 0.0, t))
    return Route(tuple(points), sum(north_steps_m), (t - T0).total_seconds())


@given(
    st.lists(st.floats(1.0, 800.0), min_size=1, max_size=12),
    st.floats(20.0, 120.0),
)
def test_retimed_route_keeps_its_path_and_never_runs_ahead(
    steps: list[float], cruise_agl_m: float
) -> None:
    planned = _route(steps, cruise_agl_m)
    timed = retime(planned, QUAD)
    assert timed.departure == planned.departure
    assert [(w.lon_deg, w.lat_deg, w.alt_amsl_m) for w in timed.waypoints] == [
        (w.lon_deg, w.lat_deg, w.alt_amsl_m) for w in planned.waypoints
    ]
    pairs = list(zip(planned.waypoints, timed.waypoints, strict=True))
    for (p0, t0), (p1, t1) in pairwise(pairs):
        planned_s = (p1.time - p0.time).total_seconds()
        assert (t1.time - t0.time).total_seconds() >= planned_s - 1e-6
    # every waypoint is a stop: at least v/a more per horizontal segment that reaches cruise
    reaching = sum(1 for s in steps if s >= 12.0**2 / 3.0)
    assert timed.duration_s >= planned.duration_s + reaching * 12.0 / 3.0 - 1e-6


def test_the_landing_slows_to_the_landing_speed_for_its_last_metres() -> None:
    planned = _route([300.0], 60.0)
    timed = retime(planned, QUAD)
    last = (timed.waypoints[-1].time - timed.waypoints[-2].time).total_seconds()
    fast_s = travel_s(50.0, QUAD.descent_rate_mps, QUAD.accel_mps2)  # MPC_Z_V_AUTO_DN to 10 m
    slow_s = travel_s(10.0, QUAD.land_speed_mps, QUAD.accel_mps2)  # then MPC_LAND_SPEED
    assert math.isclose(last, fast_s + slow_s + QUAD.settle_s)
    assert last > 60.0 / QUAD.descent_rate_mps  # slower than a plain descent


def test_the_take_off_spools_up_then_climbs_at_the_take_off_speed() -> None:
    """PX4 SITL: 19 m in 16-19 s after arming (1 s spool-up, 3 s thrust ramp, 1.5 m/s)."""
    planned = _route([300.0], 19.0)
    timed = retime(planned, QUAD)
    first = (timed.waypoints[1].time - timed.waypoints[0].time).total_seconds()
    assert 16.0 <= first <= 19.0


def test_a_ground_route_ends_at_the_park_speed() -> None:
    rover = SpeedProfile(cruise_speed_mps=3.0, accel_mps2=1.0, last_stretch_mps=0.5)
    lat1 = 35.68 + 30.0 / M_PER_DEG_LAT
    points = (
        Waypoint(139.7, 35.68, 0.0, 0.0, T0),
        Waypoint(139.7, lat1, 0.0, 0.0, T0 + timedelta(seconds=10)),
        Waypoint(139.7, lat1 + 30.0 / M_PER_DEG_LAT, 0.0, 0.0, T0 + timedelta(seconds=20)),
    )
    timed = retime(Route(points, 60.0, 20.0), rover, flies=False)
    last = (timed.waypoints[-1].time - timed.waypoints[-2].time).total_seconds()
    assert last >= 30.0 / 0.5 - 0.5
