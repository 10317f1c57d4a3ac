"""Flight time and energy of an inspection once its vehicle is at the target.

:func:`pattern_inspection_work` (the scheduler's default) asks :mod:`fleet.patterns` for the
real pattern, taking off and landing at the target's first vertex, so the transit to and from
the target stays with the scheduler's legs. :func:`estimate_inspection_work` is a closed-form
fallback: path length from the target geometry and the camera (transect spacing from the
footprint and side overlap, speed limited by the trigger interval at the front overlap), energy
as hover power times time (an upper bound for multicopters at survey speeds).
"""

from __future__ import annotations

import math

from shapely.geometry import LineString, Polygon

from fleet.energy import hover_estimate
from fleet.errors import FleetError
from fleet.model import AreaTarget, CorridorTarget, GeoPoint, Inspection, Vehicle
from fleet.patterns import plan_inspection
from fleet.scheduler.legcost import local_xy_m
from fleet.scheduler.types import InspectionWork

TURN_S = 8.0  # per transect turnaround or orbit layer change


def pattern_inspection_work(inspection: Inspection, vehicle: Vehicle) -> InspectionWork:
    """Time and energy of the :mod:`fleet.patterns` pattern flown from the target's entry.

    Args:
        inspection: the inspection.
        vehicle: a multicopter with a camera.

    Returns:
        Entry point (first vertex of the target), the pattern's flight time and energy; the
        closed-form estimate when the pattern cannot be built for this vehicle.
    """
    entry = _entry(inspection)
    try:
        plan = plan_inspection(inspection, vehicle, entry, check_battery=False)
    except FleetError:
        return estimate_inspection_work(inspection, vehicle)
    return InspectionWork(entry, plan.flight_time_s, plan.energy_wh)


def _entry(inspection: Inspection) -> GeoPoint:
    target = inspection.target
    if isinstance(target, AreaTarget):
        first = target.polygon[0]
    elif isinstance(target, CorridorTarget):
        first = target.polyline[0]
    else:
        first = target.footprint[0]
    return GeoPoint(first[0], first[1])


def estimate_inspection_work(inspection: Inspection, vehicle: Vehicle) -> InspectionWork:
    """Time and energy ``vehicle`` needs to fly ``inspection``'s pattern once.

    Args:
        inspection: the inspection (target, camera, GSD, overlaps).
        vehicle: the multicopter flying it (its cruise speed caps the survey speed).

    Returns:
        Entry point (first vertex of the target), duration and energy.
    """
    if vehicle.capabilities.camera is not None:
        inspection = inspection.flown_with(vehicle.capabilities.camera)
    distance_m = inspection.distance_m
    across_m, along_m = inspection.camera.footprint_m(distance_m)
    spacing_m = max(across_m * (1.0 - inspection.side_overlap), 0.5)
    trigger_m = max(along_m * (1.0 - inspection.front_overlap), 0.1)
    interval_s = inspection.camera.min_trigger_interval_s
    speed = vehicle.cruise_speed_mps
    if interval_s > 0:
        speed = min(speed, trigger_m / interval_s)
    length_m, turns = _pattern_length_m(inspection, spacing_m, trigger_m, distance_m)
    duration_s = length_m / speed + turns * TURN_S + distance_m / vehicle.climb_rate_mps
    energy = hover_estimate(vehicle, duration_s).energy_wh
    return InspectionWork(_entry(inspection), duration_s, energy)


def _pattern_length_m(
    inspection: Inspection, spacing_m: float, trigger_m: float, distance_m: float
) -> tuple[float, int]:
    target = inspection.target
    if isinstance(target, AreaTarget):
        shape = Polygon(_metric(target.polygon))
        transects = math.ceil((shape.bounds[2] - shape.bounds[0]) / spacing_m) + 1
        return shape.area / spacing_m + transects * spacing_m, transects
    if isinstance(target, CorridorTarget):
        line = LineString(_metric(target.polyline))
        passes = max(1, math.ceil(target.width_m / spacing_m))
        return passes * line.length, passes
    standoff = target.standoff_m if target.standoff_m is not None else distance_m
    orbit = Polygon(_metric(target.footprint)).buffer(standoff).exterior.length
    layers = max(1, math.ceil(target.height_m / trigger_m) + 1)
    return layers * orbit + target.height_m, layers


def _metric(points: tuple[tuple[float, float], ...]) -> list[tuple[float, float]]:
    xy = local_xy_m([GeoPoint(lon, lat) for lon, lat in points])
    xy = xy - xy.mean(axis=0)
    return [(float(x), float(y)) for x, y in xy]
