"""Area surveys too large for one battery, as one engine task per battery-sized part.

When the whole survey flown from the dock nearest its target would need more than
:data:`SPLIT_MARGIN` of a battery above its reserve, it is cut with
:func:`fleet.patterns.survey_parts` (contiguous transect groups, each with its own entry and
exit) for the capable class with the largest battery. Each part becomes a task entered at the
part's entry and left at its exit, whose service is the part's pattern between them (climb,
transects, descent), so the engine schedules the parts as separate trips with a recharge or
battery swap between them, in any order, on any vehicles carrying the same sensor. The parts
of one occurrence are siblings: if one cannot be placed, none is (the mission is reported).
The margin leaves room for the scheduler's transit legs, which differ from the pattern's.
"""

from __future__ import annotations

from fleet.energy import path_estimate
from fleet.errors import FleetError
from fleet.model import AreaTarget, Dock, GeoPoint, Inspection, Vehicle
from fleet.patterns import SurveyPart, survey_parts
from fleet.patterns.plan import survey_speed_mps
from fleet.scheduler.legcost import local_xy_m
from fleet.scheduler.tasks import Service

SPLIT_MARGIN = 0.85


def split_survey(
    inspection: Inspection, classes: list[Vehicle], capable: list[int], docks: tuple[Dock, ...]
) -> list[tuple[GeoPoint, GeoPoint, dict[int, Service]]] | None:
    """Per part: entry, exit and service per class; ``None`` when no split is needed or possible.

    Args:
        inspection: the inspection (split only when its target is an area).
        classes: vehicle classes.
        capable: indices of the classes whose camera can fly it.
        docks: the problem's docks (parts are sized from the one nearest the target).
    """
    if not isinstance(inspection.target, AreaTarget) or not docks or not capable:
        return None
    k = max(capable, key=lambda j: classes[j].mission_energy_wh)
    camera = classes[k].capabilities.camera
    assert camera is not None  # capable classes carry a camera
    home = _nearest_dock(inspection.target, docks)
    budget = classes[k].mission_energy_wh * SPLIT_MARGIN
    try:
        parts = survey_parts(inspection.flown_with(camera), classes[k], home, budget)
    except FleetError:
        return None  # a single transect does not fit: the whole is refused as beyond range
    if len(parts) == 1:
        return None
    same = [j for j in capable if (c := classes[j].capabilities.camera) and c.same_sensor(camera)]
    return [_part(p, classes, same, camera.min_trigger_interval_s) for p in parts]


def _part(
    part: SurveyPart, classes: list[Vehicle], same: list[int], interval_s: float
) -> tuple[GeoPoint, GeoPoint, dict[int, Service]]:
    """Entry, exit and the service from landing at the entry to landing at the exit."""
    body = part.plan.path[2:-3]  # from the first lead-in to the end of the last transect
    entry, exit_ = GeoPoint(*part.plan.entry_lon_lat), GeoPoint(*part.plan.exit_lon_lat)
    path = [(*entry.lon_lat, 0.0), *body, (*exit_.lon_lat, 0.0)]
    trigger_m = part.plan.scan.trigger_distance_m
    service = {}
    for j in same:
        speed = survey_speed_mps(classes[j], trigger_m, interval_s)
        est = path_estimate(classes[j], path, speed_mps=speed)
        service[j] = Service(est.duration_s, est.energy_wh, est.distance_m)
    return entry, exit_, service


def _nearest_dock(target: AreaTarget, docks: tuple[Dock, ...]) -> GeoPoint:
    first = GeoPoint(*target.polygon[0])
    points = [first, *(GeoPoint(d.lon_deg, d.lat_deg) for d in docks)]
    xy = local_xy_m(points)
    nearest = int(((xy[1:] - xy[0]) ** 2).sum(axis=1).argmin())
    return points[1 + nearest]
