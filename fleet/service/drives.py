"""A ground robot's street-level drives, and the battery/payload check of any vehicle's trip.

Shared by the approval of robot deliveries (:mod:`fleet.service.approval_kinds`), inspections
and relays (:mod:`fleet.service.relay`).
"""

from __future__ import annotations

from datetime import datetime

from airspace.planner import Planner, VehicleProfile
from airspace.route import Route
from fleet.energy.legs import Leg, check_feasible
from fleet.model import GeoPoint
from fleet.service.domain import domain_vehicle
from fleet.service.legs import PlannedLeg
from fleet.service.timing import SpeedProfile, retime
from fleet.storage.tables import VehicleRow

ROBOT_SPEEDS = SpeedProfile(cruise_speed_mps=3.0, accel_mps2=1.0)
"""How a ground robot drives when its spec gives no ``cruise_speed_mps``."""
LonLatAlt = tuple[float, float, float]


def drive(
    planner: Planner, robot: VehicleRow, a: LonLatAlt, b: LonLatAlt, depart: datetime
) -> PlannedLeg:
    """A ground robot's street-level drive from ``a`` to ``b`` departing at ``depart``.

    Raises:
        PlanningError: no street-level route.
    """
    assert robot.id is not None
    speeds = ROBOT_SPEEDS
    if "cruise_speed_mps" in robot.spec:
        speeds = SpeedProfile(float(robot.spec["cruise_speed_mps"]), ROBOT_SPEEDS.accel_mps2)
    profile = VehicleProfile(speeds.cruise_speed_mps, climb_rate_mps=1.0, descent_rate_mps=1.0)
    route = planner.plan(a, b, profile, departure=depart, min_cruise_agl_m=0.0, cruise_agl_m=0.0)
    timed = retime(route, speeds, flies=False)
    return PlannedLeg(robot.id, timed, False, cruise_speed_mps=speeds.cruise_speed_mps)


def check_energy(
    vehicle: VehicleRow, legs: list[PlannedLeg], payload_kg: float = 0.0, loaded: int = 0
) -> None:
    """Refuse a trip the vehicle's battery (above its reserve) or payload capacity cannot do;
    the payload rides leg ``loaded``.

    Raises:
        InfeasibleMission: with the energy figures or the payload.
    """
    trip = [
        Leg(*_ends(leg.route), payload_kg=payload_kg if k == loaded else 0.0, route=leg.route)
        for k, leg in enumerate(legs)
    ]
    check_feasible(domain_vehicle(vehicle), trip)


def _ends(route: Route) -> tuple[GeoPoint, GeoPoint]:
    first, last = route.waypoints[0], route.waypoints[-1]
    return GeoPoint(first.lon_deg, first.lat_deg), GeoPoint(last.lon_deg, last.lat_deg)
