"""Inspection flight patterns: area survey, corridor scan and structure scan.

Each pattern turns an :class:`fleet.model.Inspection` into MAVLink mission items (TAKEOFF,
DO_CHANGE_SPEED, gimbal / ROI commands, DO_SET_CAM_TRIGG_DIST start and stop around each pass,
waypoints, RTL) plus the expected photos, flight time and energy (:class:`PatternPlan`).
:func:`plan_inspection` picks the pattern from the target; :func:`survey_parts` splits an area
survey too large for one battery into battery-sized parts.
"""

from __future__ import annotations

from fleet.errors import InfeasibleMission
from fleet.model import AreaTarget, CorridorTarget, GeoPoint, Inspection, Vehicle
from fleet.patterns.corridor import corridor_scan
from fleet.patterns.frame import LocalFrame
from fleet.patterns.plan import PatternPlan, ScanGeometry
from fleet.patterns.split import SurveyPart, survey_parts
from fleet.patterns.structure import structure_scan
from fleet.patterns.survey import area_survey

__all__ = [
    "LocalFrame",
    "PatternPlan",
    "ScanGeometry",
    "SurveyPart",
    "area_survey",
    "corridor_scan",
    "plan_inspection",
    "structure_scan",
    "survey_parts",
]


def plan_inspection(
    inspection: Inspection, vehicle: Vehicle, home: GeoPoint, *, check_battery: bool = True
) -> PatternPlan:
    """The flight pattern for ``inspection`` flown by ``vehicle`` from ``home``.

    Args:
        inspection: what to photograph, how finely, with which overlaps.
        vehicle: the aircraft; a multicopter whose camera can fly the inspection. The pattern
            is computed with its camera (GSD and altitude depend on the sensor).
        home: take-off and return point (its dock).
        check_battery: refuse a pattern that needs more than one battery above its reserve.

    Returns:
        The mission items and the expected photos, flight time and energy.

    Raises:
        InfeasibleMission: the vehicle cannot inspect (not an aircraft, no camera, not the
            required camera, or its camera would need to fly above the ceiling for the GSD; see
            :meth:`fleet.model.Inspection.camera_problem`), or the pattern needs more energy
            than ``vehicle.mission_energy_wh`` (with both figures).
    """
    plan = _pattern(inspection, vehicle, home)
    if check_battery and plan.energy_wh > vehicle.mission_energy_wh:
        raise InfeasibleMission(
            f"inspection {inspection.id!r}: the pattern needs {plan.energy_wh:.1f} Wh "
            f"({plan.flight_time_s / 60:.0f} min, {plan.photo_count} photos) but vehicle "
            f"{vehicle.id!r} may use {vehicle.mission_energy_wh:.1f} Wh above its reserve; "
            "split the target or lower the required GSD"
        )
    return plan


def _pattern(inspection: Inspection, vehicle: Vehicle, home: GeoPoint) -> PatternPlan:
    if not vehicle.flies:
        raise InfeasibleMission(f"vehicle {vehicle.id!r} is a {vehicle.kind}: it cannot inspect")
    camera = vehicle.capabilities.camera
    problem = inspection.camera_problem(camera)
    if problem is not None or camera is None:
        raise InfeasibleMission(f"inspection {inspection.id!r}: vehicle {vehicle.id!r} {problem}")
    flown = inspection.flown_with(camera)
    if isinstance(inspection.target, AreaTarget):
        return area_survey(flown, vehicle, home)
    if isinstance(inspection.target, CorridorTarget):
        return corridor_scan(flown, vehicle, home)
    return structure_scan(flown, vehicle, home)
