"""Area survey: lawnmower transects over a polygon, camera pointing down.

Geometry (local metric frame): the flight altitude gives the required GSD
(``alt = gsd * focal * image_width / sensor_width``); neighbouring transects are
``footprint_across * (1 - side_overlap)`` apart and photos ``footprint_along * (1 -
front_overlap)`` apart. Transects are centred on the polygon's extent across them, and each
one spans the polygon's extent inside its own strip, stretched to a whole number of photo
intervals, so every point of the area lies within half a footprint of a photo centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from itertools import pairwise

from shapely import affinity
from shapely.geometry import Polygon, box

from fleet.errors import ValidationError
from fleet.model import AreaTarget, GeoPoint, Inspection, Vehicle
from fleet.patterns import commands
from fleet.patterns.frame import XY, LocalFrame
from fleet.patterns.plan import (
    PatternPlan,
    PlanBuilder,
    ScanGeometry,
    beyond,
    nadir_grid,
    survey_speed_mps,
)

Transect = tuple[XY, XY]


def transect_count(width_m: float, spacing_m: float) -> int:
    """Transects needed to cover ``width_m`` with lines ``spacing_m`` apart.

    >>> transect_count(100.0, 30.0), transect_count(90.0, 30.0), transect_count(1.0, 30.0)
    (4, 3, 1)
    """
    return max(1, math.ceil(width_m / spacing_m - 1e-9))


def best_angle_deg(area: Polygon, spacing_m: float) -> float:
    """Transect direction (degrees counter-clockwise from east) giving the fewest transects.

    Ties go to the shorter total transect length. Candidates are the convex hull's edge
    directions: the narrowest sweep of a convex shape is across one of its edges.
    """
    shape = area.convex_hull
    assert isinstance(shape, Polygon)  # the hull of a valid polygon with area
    hull = list(shape.exterior.coords)
    best: tuple[int, float, float] | None = None
    for (x0, y0), (x1, y1) in pairwise(hull):
        if math.hypot(x1 - x0, y1 - y0) < 1e-9:
            continue
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0)) % 180.0
        lines = _transects(area, angle, spacing_m, spacing_m)
        length = sum(math.dist(a, b) for a, b in lines)
        if best is None or (len(lines), length) < best[:2]:
            best = (len(lines), length, angle)
    assert best is not None  # a valid polygon has edges
    return best[2]


def _transects(
    area: Polygon, angle_deg: float, spacing_m: float, trigger_m: float
) -> list[Transect]:
    """Transects at ``angle_deg``, bottom to top in the rotated frame, all west to east there."""
    rotated = affinity.rotate(area, -angle_deg, origin=(0, 0))
    x_min, y_min, x_max, y_max = rotated.bounds
    count = transect_count(y_max - y_min, spacing_m)
    first_y = y_min + (y_max - y_min - (count - 1) * spacing_m) / 2
    lines: list[Transect] = []
    for k in range(count):
        y = first_y + k * spacing_m
        strip = rotated.intersection(
            box(x_min - 1, y - spacing_m / 2, x_max + 1, y + spacing_m / 2)
        )
        if strip.is_empty:
            continue
        start, end = strip.bounds[0], strip.bounds[2]
        photos = max(1, math.ceil((end - start) / trigger_m - 1e-9))
        lines.append(((start, y), (start + photos * trigger_m, y)))
    return [(_rotate(a, angle_deg), _rotate(b, angle_deg)) for a, b in lines]


def _rotate(point: XY, angle_deg: float) -> XY:
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    return (point[0] * c - point[1] * s, point[0] * s + point[1] * c)


def _serpentine(lines: list[Transect], flip_first: bool) -> list[Transect]:
    return [(b, a) if (k % 2 == 0) == flip_first else (a, b) for k, (a, b) in enumerate(lines)]


def choose_entry(lines: list[Transect], home_xy: XY, turnaround_m: float) -> list[Transect]:
    """The boustrophedon order (which end, which way) with the least transit from home and back."""

    def transit(order: list[Transect]) -> float:
        entry = beyond(order[0][1], order[0][0], turnaround_m)
        exit_ = beyond(order[-1][0], order[-1][1], turnaround_m)
        return math.dist(home_xy, entry) + math.dist(exit_, home_xy)

    variants = [_serpentine(seq, flip) for seq in (lines, lines[::-1]) for flip in (False, True)]
    return min(variants, key=transit)


@dataclass(frozen=True, slots=True)
class SurveyLines:
    """The transects of an area survey (sweep order, local frame) and how they are flown."""

    frame: LocalFrame
    lines: list[Transect]
    alt_m: float
    trigger_m: float
    scan: ScanGeometry


def survey_lines(inspection: Inspection, angle_deg: float | None = None) -> SurveyLines:
    """Transects of ``inspection``'s area at its camera's altitude for the GSD.

    Args:
        inspection: the inspection (area target, camera, GSD, overlaps).
        angle_deg: transect direction, counter-clockwise from east; None picks the fewest.

    Raises:
        ValidationError: the target is not an area.
    """
    target = inspection.target
    if not isinstance(target, AreaTarget):
        raise ValidationError(f"inspection {inspection.id!r}: area_survey needs an AreaTarget")
    grid = nadir_grid(inspection)
    spacing_m, trigger_m = grid.pass_spacing_m, grid.trigger_distance_m
    frame = LocalFrame.around(target.polygon)
    area = Polygon(frame.to_xy(target.polygon))
    angle = best_angle_deg(area, spacing_m) if angle_deg is None else angle_deg % 180.0
    lines = _transects(area, angle, spacing_m, trigger_m)
    scan = replace(grid, track_angle_deg=(90.0 - angle) % 180.0)
    return SurveyLines(frame, lines, grid.camera_distance_m, trigger_m, scan)


def fly_lines(
    inspection: Inspection,
    vehicle: Vehicle,
    home: GeoPoint,
    survey: SurveyLines,
    lines: list[Transect],
    turnaround_m: float = 10.0,
) -> PatternPlan:
    """The plan photographing ``lines`` (some or all of ``survey``'s) from ``home`` and back,
    entering at the end that needs the least transit."""
    home_xy = survey.frame.to_xy([home.lon_lat])[0]
    builder = PlanBuilder(survey.frame, home)
    for start, end in choose_entry(lines, home_xy, turnaround_m):
        builder.photographed_pass([start, end], survey.alt_m, survey.trigger_m, turnaround_m)
    gimbal = [commands.gimbal_pitch_yaw(-90.0)] if vehicle.capabilities.gimbal else []
    interval_s = inspection.camera.min_trigger_interval_s
    speed = survey_speed_mps(vehicle, survey.trigger_m, interval_s)
    return builder.finish(
        vehicle, speed, survey.scan, takeoff_alt_m=survey.alt_m, prefix=gimbal, suffix=[]
    )


def area_survey(
    inspection: Inspection,
    vehicle: Vehicle,
    home: GeoPoint,
    *,
    angle_deg: float | None = None,
    turnaround_m: float = 10.0,
) -> PatternPlan:
    """Lawnmower survey of an :class:`AreaTarget`.

    Args:
        inspection: the inspection (area target, camera, GSD, overlaps).
        vehicle: the aircraft flying it (speed, climb rates, gimbal).
        home: where it takes off and returns (ground level, same as the area's).
        angle_deg: transect direction, counter-clockwise from east; None picks the fewest.
        turnaround_m: straight run before and after each transect.

    Returns:
        Mission items and the expected photos, time and energy.

    Raises:
        ValidationError: the target is not an area.
    """
    survey = survey_lines(inspection, angle_deg)
    return fly_lines(inspection, vehicle, home, survey, survey.lines, turnaround_m)
