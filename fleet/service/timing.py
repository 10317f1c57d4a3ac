"""Reserved ETAs that match how the vehicle really flies the mission items.

The planner times a route at constant cruise speed and the profile's climb and descent
rates. The mission items the runner uploads (:mod:`fleet.runner.items`) are flown differently:
the autopilot spools its motors up and ramps the thrust before it leaves the ground, climbs to
its take-off altitude at the take-off speed (PX4 ``COM_SPOOLUP_TIME`` + ``MPC_TKO_RAMP_T``,
then ``MPC_TKO_SPEED``; measured on PX4 SITL: 19 m in 16-19 s after arming), brakes to the
acceptance radius of every waypoint and accelerates again, lands at its landing speed (PX4
``MPC_LAND_SPEED``), and drives a rover's last stretch at the park speed. A reservation timed
by the planner therefore ends before the vehicle does: the flight drifts out of its time
windows, the next leg leaves late, and two flights can meet in space while their volumes never
did. :func:`retime` keeps the route's geometry and departure and
recomputes each waypoint's time with that speed profile, so the volumes cover the flight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import pairwise

from airspace.intents.projection import LocalProjection
from airspace.route import Route, Waypoint
from fleet.runner.items import ON_GROUND_AGL_M, PARK_SPEED_MPS


@dataclass(frozen=True, slots=True)
class SpeedProfile:
    """How a vehicle flies (or drives) its mission items.

    Attributes:
        cruise_speed_mps: horizontal speed between waypoints.
        accel_mps2: horizontal and vertical acceleration (it stops at every waypoint).
        climb_rate_mps: vertical speed up.
        descent_rate_mps: vertical speed down while airborne.
        land_speed_mps: vertical speed of the final landing (``MPC_LAND_SPEED``).
        land_slow_below_m: height above the landing point under which it descends at
            ``land_speed_mps`` (``MPC_LAND_ALT1``); above it at ``descent_rate_mps``.
        takeoff_speed_mps: vertical speed of the climb from the ground (``MPC_TKO_SPEED``).
        takeoff_delay_s: from arming to leaving the ground (``COM_SPOOLUP_TIME`` 1 s +
            ``MPC_TKO_RAMP_T`` 3 s on PX4).
        last_stretch_mps: speed of a ground route's last segment (the park speed).
        settle_s: time added at the end (touchdown detection, disarm).
    """

    cruise_speed_mps: float
    accel_mps2: float
    climb_rate_mps: float = 3.0
    descent_rate_mps: float = 1.5
    land_speed_mps: float = 0.7
    land_slow_below_m: float = 10.0
    takeoff_speed_mps: float = 1.5
    takeoff_delay_s: float = 4.0
    last_stretch_mps: float = PARK_SPEED_MPS
    settle_s: float = 2.0


def travel_s(distance_m: float, speed_mps: float, accel_mps2: float) -> float:
    """Time to cover ``distance_m`` from standstill to standstill (trapezoidal speed profile).

    Args:
        distance_m: distance (>= 0).
        speed_mps: top speed (> 0).
        accel_mps2: acceleration and braking (> 0).

    Returns:
        Seconds.
    """
    if distance_m <= 0.0:
        return 0.0
    ramp_m = speed_mps * speed_mps / accel_mps2  # accelerating plus braking
    if distance_m >= ramp_m:
        return distance_m / speed_mps + speed_mps / accel_mps2
    return 2.0 * math.sqrt(distance_m / accel_mps2)


def _segment_s(
    a: Waypoint, b: Waypoint, horizontal_m: float, profile: SpeedProfile, last: bool, flies: bool
) -> float:
    if not flies:
        speed = profile.last_stretch_mps if last else profile.cruise_speed_mps
        return travel_s(horizontal_m, speed, profile.accel_mps2)
    dz = b.alt_amsl_m - a.alt_amsl_m
    landing = last and b.alt_agl_m <= ON_GROUND_AGL_M
    if dz > 0 and a.alt_agl_m <= ON_GROUND_AGL_M:  # the take-off
        speed = profile.takeoff_speed_mps
        vertical = profile.takeoff_delay_s + travel_s(dz, speed, profile.accel_mps2)
    elif dz >= 0:
        vertical = travel_s(dz, profile.climb_rate_mps, profile.accel_mps2)
    elif landing:  # PX4 descends at MPC_Z_V_AUTO_DN down to MPC_LAND_ALT1, then slows
        fast_m = max(0.0, -dz - profile.land_slow_below_m)
        vertical = travel_s(fast_m, profile.descent_rate_mps, profile.accel_mps2) + travel_s(
            -dz - fast_m, profile.land_speed_mps, profile.accel_mps2
        )
    else:
        vertical = travel_s(-dz, profile.descent_rate_mps, profile.accel_mps2)
    horizontal = travel_s(horizontal_m, profile.cruise_speed_mps, profile.accel_mps2)
    return max(vertical, horizontal) + (profile.settle_s if landing else 0.0)


def retime(route: Route, profile: SpeedProfile, *, flies: bool = True) -> Route:
    """``route`` with the waypoint times of ``profile``; same geometry and departure.

    Args:
        route: a planned route.
        profile: how the vehicle flies its mission items.
        flies: ``False`` for a ground robot's route (no climb or landing).

    Returns:
        The retimed route (never shorter in time than the vehicle needs per segment).
    """
    points = route.waypoints
    frame = LocalProjection(points[0].lon_deg, points[0].lat_deg)
    xy = [frame.to_xy_m(w.lon_deg, w.lat_deg) for w in points]
    n = len(points)
    elapsed_s = 0.0
    timed = [points[0]]
    for k, (a, b) in enumerate(pairwise(points)):
        horizontal_m = math.dist(xy[k], xy[k + 1])
        elapsed_s += _segment_s(a, b, horizontal_m, profile, k == n - 2, flies)
        timed.append(replace(b, time=points[0].time + timedelta(seconds=elapsed_s)))
    return Route(tuple(timed), route.length_m, elapsed_s, route.energy_wh)
