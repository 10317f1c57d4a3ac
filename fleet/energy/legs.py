"""Energy and time of mission legs, and the battery-reserve feasibility check.

A leg is flown along the :class:`airspace.route.Route` the airspace planner returned when there
is one (each segment's horizontal speed, climb or descent and hover time taken from the
waypoints' positions and times), otherwise along the straight line between its ends: a
multicopter climbs vertically to ``cruise_agl_m``, cruises and descends; a ground robot drives
the straight distance times ``GroundRobotParams.detour_factor``. Wind is not modelled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from pyproj import Geod

from airspace.route import Route
from fleet.energy.power import (
    DEFAULT_GROUND_ROBOT,
    DEFAULT_ROTORCRAFT,
    GroundRobotParams,
    RotorcraftParams,
    ground_robot_power_w,
    multicopter_power_w,
)
from fleet.errors import InfeasibleMission, ValidationError
from fleet.model import Delivery, GeoPoint, Vehicle, VehicleKind
from fleet.model._checks import non_negative

_GEOD = Geod(ellps="WGS84")
_EPS_M = 1e-3


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg of a trip: from ``start`` to ``end`` carrying ``payload_kg``.

    ``route`` (when the airspace planner has one) replaces the straight line; ``hover_s`` is
    time spent in place at the end (winch lowering, handover); ``cruise_agl_m`` is the cruise
    height of a straight-line multicopter leg.
    """

    start: GeoPoint
    end: GeoPoint
    payload_kg: float = 0.0
    route: Route | None = None
    hover_s: float = 0.0
    cruise_agl_m: float = 60.0

    def __post_init__(self) -> None:
        non_negative(self.payload_kg, "leg", "payload_kg")
        non_negative(self.hover_s, "leg", "hover_s")
        non_negative(self.cruise_agl_m, "leg", "cruise_agl_m")


@dataclass(frozen=True, slots=True)
class LegEstimate:
    """Energy drawn, time taken and path length of a leg (or of several, summed)."""

    energy_wh: float
    duration_s: float
    distance_m: float

    def __add__(self, other: LegEstimate) -> LegEstimate:
        return LegEstimate(
            self.energy_wh + other.energy_wh,
            self.duration_s + other.duration_s,
            self.distance_m + other.distance_m,
        )


ZERO = LegEstimate(0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class EnergyParams:
    """The constants of both power models."""

    rotor: RotorcraftParams = DEFAULT_ROTORCRAFT
    robot: GroundRobotParams = DEFAULT_GROUND_ROBOT


DEFAULT_PARAMS = EnergyParams()


@dataclass(frozen=True, slots=True)
class Feasibility:
    """A feasible trip: its total estimate and the energy left above the reserve."""

    total: LegEstimate
    margin_wh: float


def horizontal_distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance between two (lon, lat) points on the WGS84 ellipsoid.

    >>> round(horizontal_distance_m((139.70, 35.69), (139.70, 35.70)))
    1110
    """
    return float(_GEOD.inv(a[0], a[1], b[0], b[1])[2])


def _power_w(
    vehicle: Vehicle, payload_kg: float, speed_mps: float, climb_mps: float, params: EnergyParams
) -> float:
    if vehicle.kind is VehicleKind.MULTICOPTER:
        return multicopter_power_w(vehicle, payload_kg, speed_mps, climb_mps, params.rotor)
    return ground_robot_power_w(vehicle, payload_kg, speed_mps, climb_mps, params.robot)


def _segment(
    vehicle: Vehicle,
    payload_kg: float,
    horizontal_m: float,
    vertical_m: float,
    duration_s: float,
    params: EnergyParams,
) -> LegEstimate:
    """One straight 3D segment flown in ``duration_s`` (computed from speeds when <= 0)."""
    if duration_s <= 0:
        rate = vehicle.climb_rate_mps if vertical_m > 0 else vehicle.descent_rate_mps
        duration_s = max(horizontal_m / vehicle.cruise_speed_mps, abs(vertical_m) / rate)
    if duration_s <= 0:
        return ZERO
    speed, climb = horizontal_m / duration_s, vertical_m / duration_s
    power = _power_w(vehicle, payload_kg, speed, climb, params)
    length = math.hypot(horizontal_m, vertical_m)
    return LegEstimate(power * duration_s / 3600.0, duration_s, length)


def route_estimate(
    vehicle: Vehicle, route: Route, payload_kg: float = 0.0, params: EnergyParams = DEFAULT_PARAMS
) -> LegEstimate:
    """Energy and time of flying ``route`` segment by segment (speeds from waypoint times).

    A segment whose waypoints share a position but not a time is a hover.
    """
    total = ZERO
    for a, b in pairwise(route.waypoints):
        horizontal = horizontal_distance_m((a.lon_deg, a.lat_deg), (b.lon_deg, b.lat_deg))
        seconds = (b.time - a.time).total_seconds()
        vertical = b.alt_amsl_m - a.alt_amsl_m
        total += _segment(vehicle, payload_kg, horizontal, vertical, seconds, params)
    return total


def path_estimate(
    vehicle: Vehicle,
    points: Sequence[tuple[float, float, float]],
    payload_kg: float = 0.0,
    speed_mps: float | None = None,
    params: EnergyParams = DEFAULT_PARAMS,
) -> LegEstimate:
    """Energy and time along (lon, lat, alt_m) points flown at ``speed_mps`` (cruise if None).

    Used for inspection patterns: each segment takes the longer of its horizontal time at
    ``speed_mps`` and its vertical time at the climb or descent rate.
    """
    speed = vehicle.cruise_speed_mps if speed_mps is None else speed_mps
    total = ZERO
    for a, b in pairwise(points):
        horizontal = horizontal_distance_m((a[0], a[1]), (b[0], b[1]))
        vertical = b[2] - a[2]
        rate = vehicle.climb_rate_mps if vertical > 0 else vehicle.descent_rate_mps
        seconds = max(horizontal / speed, abs(vertical) / rate)
        total += _segment(vehicle, payload_kg, horizontal, vertical, seconds, params)
    return total


def hover_estimate(
    vehicle: Vehicle, seconds: float, payload_kg: float = 0.0, params: EnergyParams = DEFAULT_PARAMS
) -> LegEstimate:
    """Energy of ``seconds`` spent in place (hovering, or a robot idling with electronics on)."""
    if seconds <= 0:
        return ZERO
    power = _power_w(vehicle, payload_kg, 0.0, 0.0, params)
    return LegEstimate(power * seconds / 3600.0, seconds, 0.0)


def leg_estimate(vehicle: Vehicle, leg: Leg, params: EnergyParams = DEFAULT_PARAMS) -> LegEstimate:
    """Energy and time of ``leg``: along its route when it has one, else a straight line.

    Args:
        vehicle: who flies or drives it.
        leg: the leg.
        params: constants of the power models.

    Returns:
        The estimate including the leg's ``hover_s``.
    """
    end_hover = hover_estimate(vehicle, leg.hover_s, leg.payload_kg, params)
    if leg.route is not None:
        return route_estimate(vehicle, leg.route, leg.payload_kg, params) + end_hover
    flat_m = horizontal_distance_m(leg.start.lon_lat, leg.end.lon_lat)
    if vehicle.kind is VehicleKind.GROUND_ROBOT:
        drive = _segment(
            vehicle, leg.payload_kg, flat_m * params.robot.detour_factor, 0.0, 0.0, params
        )
        return drive + end_hover
    up_m = max(leg.cruise_agl_m - leg.start.height_agl_m, 0.0)
    down_m = max(leg.cruise_agl_m - leg.end.height_agl_m, 0.0)
    climb = _segment(vehicle, leg.payload_kg, 0.0, up_m, 0.0, params)
    cruise = _segment(vehicle, leg.payload_kg, flat_m, 0.0, 0.0, params)
    descend = _segment(vehicle, leg.payload_kg, 0.0, -down_m, 0.0, params)
    return climb + cruise + descend + end_hover


def check_feasible(
    vehicle: Vehicle, legs: Sequence[Leg], params: EnergyParams = DEFAULT_PARAMS
) -> Feasibility:
    """Check that ``vehicle`` can fly ``legs`` on one battery without touching its reserve.

    Args:
        vehicle: the vehicle, starting with a full battery.
        legs: the trip, in order.
        params: constants of the power models.

    Returns:
        The total estimate and the energy margin above the reserve.

    Raises:
        InfeasibleMission: a leg's payload exceeds the capacity, or the trip needs more than
            ``vehicle.mission_energy_wh`` (the message gives both figures).
        ValidationError: no legs.
    """
    if not legs:
        raise ValidationError(f"vehicle {vehicle.id!r}: a trip needs at least one leg")
    total = ZERO
    for i, leg in enumerate(legs):
        if leg.payload_kg > vehicle.payload_capacity_kg:
            raise InfeasibleMission(
                f"vehicle {vehicle.id!r}: leg {i} carries {leg.payload_kg:.2f} kg, "
                f"over its payload capacity of {vehicle.payload_capacity_kg:.2f} kg"
            )
        total += leg_estimate(vehicle, leg, params)
    margin = vehicle.mission_energy_wh - total.energy_wh
    if margin < 0:
        raise InfeasibleMission(
            f"vehicle {vehicle.id!r}: the trip needs {total.energy_wh:.1f} Wh but only "
            f"{vehicle.mission_energy_wh:.1f} Wh may be used above the "
            f"{vehicle.reserve_wh:.1f} Wh reserve ({total.distance_m / 1000:.1f} km, "
            f"{total.duration_s / 60:.0f} min)"
        )
    return Feasibility(total, margin)


def delivery_trip(home: GeoPoint, delivery: Delivery, *, dropoff_hover_s: float = 0.0) -> list[Leg]:
    """The three legs of a direct delivery: home to pickup, pickup to dropoff, back home.

    Args:
        home: the dock the vehicle starts from and returns to.
        delivery: the delivery; its payload is carried on the middle leg only.
        dropoff_hover_s: time hovering at the dropoff (e.g. lowering the parcel by winch).

    Returns:
        Straight legs; replace their ``route`` with the airspace planner's when known.
    """
    return [
        Leg(home, delivery.pickup),
        Leg(delivery.pickup, delivery.dropoff, delivery.payload_kg, hover_s=dropoff_hover_s),
        Leg(delivery.dropoff, home),
    ]
