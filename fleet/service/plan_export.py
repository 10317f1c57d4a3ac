"""QGroundControl ``.plan`` export of a mission leg (what the runner would upload)."""

from __future__ import annotations

from fleet.qgc_plan import HomePosition, QgcPlan, to_json
from fleet.runner.items import drive_items, flight_items
from fleet.runner.store import items_from_json, route_from_json
from fleet.service.errors import BadRequest
from fleet.storage.tables import MissionLeg, VehicleRow

GROUND_ROVER_VEHICLE_TYPE = 10  # MAV_TYPE_GROUND_ROVER


def leg_plan_json(leg: MissionLeg, vehicle: VehicleRow | None) -> str:
    """The ``.plan`` file text of ``leg``: its stored mission items, or those of its route.

    Raises:
        BadRequest: the leg has no usable route.
    """
    try:
        route = route_from_json(leg.route)
        items = items_from_json(leg.route)
    except (KeyError, ValueError, TypeError) as exc:
        raise BadRequest(f"leg {leg.seq} has no usable route to export: {exc}") from exc
    robot = vehicle is not None and vehicle.kind == "ground_robot"
    if items is None:
        items = drive_items(route) if robot else flight_items(route)
    start = route.waypoints[0]
    home = HomePosition(start.lon_deg, start.lat_deg, start.ground_amsl_m)
    plan = QgcPlan(mission_items=tuple(items), planned_home=home)
    if robot:
        plan = QgcPlan(tuple(items), home, vehicle_type=GROUND_ROVER_VEHICLE_TYPE)
    return to_json(plan)
