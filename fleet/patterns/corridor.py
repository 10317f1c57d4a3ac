"""Corridor scan: parallel passes along a polyline (road, river, power line), camera down.

``ceil(width / spacing)`` passes are offset from the centre line (round joins at bends),
symmetric about it, flown alternately forwards and backwards; each is stretched at its end to
a whole number of photo intervals so the corridor's far end is photographed.
"""

from __future__ import annotations

import math

import shapely
from shapely import line_merge
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from fleet.errors import ValidationError
from fleet.model import CorridorTarget, GeoPoint, Inspection, Vehicle
from fleet.patterns import commands
from fleet.patterns.frame import XY, LocalFrame
from fleet.patterns.plan import (
    PatternPlan,
    PlanBuilder,
    beyond,
    extend_to_multiple,
    nadir_grid,
    survey_speed_mps,
)
from fleet.patterns.survey import transect_count


def offset_passes(centre: LineString, width_m: float, spacing_m: float) -> list[list[XY]]:
    """Pass polylines, left-most first, all in the centre line's direction.

    >>> passes = offset_passes(LineString([(0, 0), (100, 0)]), 50.0, 20.0)
    >>> [p[0][1] for p in passes]
    [20.0, 0.0, -20.0]
    """
    count = transect_count(width_m, spacing_m)
    centre_line: BaseGeometry = centre.simplify(1e-3)  # near-collinear vertices split offsets
    passes = []
    for k in range(count):
        offset = ((count - 1) / 2 - k) * spacing_m
        line: BaseGeometry = centre_line
        if abs(offset) > 1e-9:
            line = shapely.offset_curve(centre_line, offset, join_style="round")
        if isinstance(line, MultiLineString):
            line = line_merge(line)
        if not isinstance(line, LineString) or line.is_empty:
            raise ValidationError(
                f"corridor: the polyline bends too tightly for a pass {offset:.1f} m off centre"
            )
        passes.append([(float(x), float(y)) for x, y in line.coords])
    return passes


def _serpentine(passes: list[list[XY]], reverse_first: bool) -> list[list[XY]]:
    return [p[::-1] if (k % 2 == 0) == reverse_first else p for k, p in enumerate(passes)]


def _choose_entry(passes: list[list[XY]], home_xy: XY, turnaround_m: float) -> list[list[XY]]:
    def transit(order: list[list[XY]]) -> float:
        entry = beyond(order[0][1], order[0][0], turnaround_m)
        exit_ = beyond(order[-1][-2], order[-1][-1], turnaround_m)
        return math.dist(home_xy, entry) + math.dist(exit_, home_xy)

    variants = [_serpentine(seq, rev) for seq in (passes, passes[::-1]) for rev in (False, True)]
    return min(variants, key=transit)


def corridor_scan(
    inspection: Inspection, vehicle: Vehicle, home: GeoPoint, *, turnaround_m: float = 10.0
) -> PatternPlan:
    """Scan of a :class:`CorridorTarget` in parallel passes.

    Args:
        inspection: the inspection (corridor target, camera, GSD, overlaps).
        vehicle: the aircraft flying it.
        home: where it takes off and returns (ground level, same as the corridor's).
        turnaround_m: straight run before and after each pass.

    Returns:
        Mission items and the expected photos, time and energy.

    Raises:
        ValidationError: the target is not a corridor, or bends too tightly for its width.
    """
    target = inspection.target
    if not isinstance(target, CorridorTarget):
        raise ValidationError(f"inspection {inspection.id!r}: corridor_scan needs a CorridorTarget")
    scan = nadir_grid(inspection)
    alt_m, trigger_m = scan.camera_distance_m, scan.trigger_distance_m
    spacing_m = scan.pass_spacing_m
    frame = LocalFrame.around(target.polyline)
    centre = LineString(frame.to_xy(target.polyline))
    passes = [
        extend_to_multiple(p, trigger_m) for p in offset_passes(centre, target.width_m, spacing_m)
    ]
    home_xy = frame.to_xy([home.lon_lat])[0]
    builder = PlanBuilder(frame, home)
    for line in _choose_entry(passes, home_xy, turnaround_m):
        builder.photographed_pass(line, alt_m, trigger_m, turnaround_m)
    gimbal = [commands.gimbal_pitch_yaw(-90.0)] if vehicle.capabilities.gimbal else []
    speed = survey_speed_mps(vehicle, trigger_m, inspection.camera.min_trigger_interval_s)
    return builder.finish(vehicle, speed, scan, takeoff_alt_m=alt_m, prefix=gimbal, suffix=[])
