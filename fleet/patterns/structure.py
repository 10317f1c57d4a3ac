"""Structure / facade scan: layers of orbits at a standoff distance around a footprint.

The orbit is the footprint grown by the standoff (round corners), so every orbit waypoint is
``standoff`` from the structure (the straight chords between waypoints on a rounded corner
come at most 0.5 % closer). A concave recess narrower than twice the standoff is bridged.
Layers go from the base to the top, ``footprint_height * (1 - side_overlap)`` apart and
centred on the structure's height; photos are ``footprint_width * (1 - front_overlap)`` apart
along the orbit. Before each waypoint the region of interest is
set to the nearest point of the facade at the layer's height, so the vehicle (and its camera)
faces the wall it is photographing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import LineString, Point, Polygon

from fleet.errors import ValidationError
from fleet.model import GeoPoint, Inspection, StructureTarget, Vehicle
from fleet.patterns import commands
from fleet.patterns.frame import XY, LocalFrame
from fleet.patterns.plan import (
    PatternPlan,
    PlanBuilder,
    ScanGeometry,
    photo_stations,
    survey_speed_mps,
)
from fleet.patterns.survey import transect_count


def layer_altitudes_m(base_m: float, height_m: float, spacing_m: float) -> list[float]:
    """Orbit heights from bottom to top, centred on the structure, ``spacing_m`` apart.

    >>> layer_altitudes_m(0.0, 30.0, 10.0)
    [5.0, 15.0, 25.0]
    """
    count = transect_count(height_m, spacing_m)
    first = base_m + (height_m - (count - 1) * spacing_m) / 2
    return [first + k * spacing_m for k in range(count)]


def orbit_ring(footprint: Polygon, standoff_m: float, start_near: XY) -> list[XY]:
    """Closed orbit at ``standoff_m`` around ``footprint``, starting at the vertex nearest
    ``start_near`` and flown counter-clockwise.

    >>> square = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])
    >>> ring = orbit_ring(square, 5.0, (20.0, 1.0))
    >>> ring[0] == ring[-1], ring[0], {round(square.distance(Point(p)), 6) for p in ring}
    (True, (15.0, 0.0), {5.0})
    """
    grown = footprint.buffer(standoff_m, quad_segs=8)
    assert isinstance(grown, Polygon)  # growing a valid polygon keeps it one polygon
    coords = [_at_distance(footprint, (x, y), standoff_m) for x, y in grown.exterior.coords[:-1]]
    if not grown.exterior.is_ccw:
        coords.reverse()
    first = min(range(len(coords)), key=lambda i: math.dist(coords[i], start_near))
    ordered = coords[first:] + coords[:first]
    return [*ordered, ordered[0]]


def _at_distance(footprint: Polygon, point: XY, distance_m: float) -> XY:
    """``point`` pushed away from ``footprint`` until it is ``distance_m`` from it.

    GEOS simplifies a buffer's input by up to 1 % of the distance, so buffer vertices can sit a
    little closer to the structure than asked; a few pushes along the normal from the nearest
    footprint point put them back (in a concave corner the pushes alternate between the walls).
    """
    boundary = footprint.exterior
    x, y = float(point[0]), float(point[1])
    for _ in range(20):
        nearest = boundary.interpolate(boundary.project(Point(x, y)))
        gap = math.dist((x, y), (nearest.x, nearest.y))
        if gap < 1e-9 or gap >= distance_m - 1e-4:
            break
        x += (x - nearest.x) / gap * (distance_m - gap)
        y += (y - nearest.y) / gap * (distance_m - gap)
    return x, y


def structure_scan(
    inspection: Inspection, vehicle: Vehicle, home: GeoPoint, *, min_alt_m: float = 2.0
) -> PatternPlan:
    """Orbit layers around a :class:`StructureTarget`, camera on the facade.

    Args:
        inspection: the inspection (structure target, camera, GSD, overlaps).
        vehicle: the aircraft flying it.
        home: where it takes off and returns (ground level, same as the structure's).
        min_alt_m: lowest orbit height above home.

    Returns:
        Mission items and the expected photos, time and energy.

    Raises:
        ValidationError: the target is not a structure.
    """
    target = inspection.target
    if not isinstance(target, StructureTarget):
        raise ValidationError(
            f"inspection {inspection.id!r}: structure_scan needs a StructureTarget"
        )
    standoff_m = target.standoff_m if target.standoff_m is not None else inspection.distance_m
    width_m, height_m = inspection.camera.footprint_m(standoff_m)
    trigger_m = width_m * (1 - inspection.front_overlap)
    spacing_m = height_m * (1 - inspection.side_overlap)
    frame = LocalFrame.around(target.footprint)
    footprint = Polygon(frame.to_xy(target.footprint))
    orbit = Orbit.around(frame, footprint, standoff_m, frame.to_xy([home.lon_lat])[0])
    heights = layer_altitudes_m(target.base_agl_m, target.height_m, spacing_m)
    layers = sorted({max(a, min_alt_m) for a in heights})  # low layers clamp to the minimum
    builder = PlanBuilder(frame, home)
    for alt_m in layers:
        _orbit(builder, orbit, alt_m, trigger_m)
    gimbal = [commands.gimbal_pitch_yaw(0.0)] if vehicle.capabilities.gimbal else []
    speed = survey_speed_mps(vehicle, trigger_m, inspection.camera.min_trigger_interval_s)
    scan = ScanGeometry(standoff_m, trigger_m, spacing_m, (width_m, height_m))
    return builder.finish(
        vehicle, speed, scan, takeoff_alt_m=layers[0], prefix=gimbal, suffix=[commands.roi_none()]
    )


def _orbit(builder: PlanBuilder, orbit: Orbit, alt_m: float, trigger_m: float) -> None:
    """One layer: go to the ring start, camera on, around facing the facade, camera off."""
    for k, (point, lon_lat, (roi_lon, roi_lat)) in enumerate(orbit.stops):
        builder.items.append(commands.roi_location(roi_lon, roi_lat, alt_m))
        builder.fly_to(point, alt_m, lon_lat)
        if k == 0:
            builder.items.append(commands.trigger_distance(trigger_m))
    builder.items.append(commands.trigger_distance(0.0))
    stations = photo_stations(LineString(orbit.ring), trigger_m)
    builder.photos_xyz.extend((x, y, alt_m) for x, y in stations)


@dataclass(frozen=True)
class Orbit:
    """An orbit ring and, for each stop, its (lon, lat) and the facade point it faces."""

    ring: list[XY]
    stops: list[tuple[XY, XY, XY]]

    @classmethod
    def around(
        cls, frame: LocalFrame, footprint: Polygon, standoff_m: float, start_near: XY
    ) -> Orbit:
        """The orbit at ``standoff_m``, its geographic stops computed once for every layer."""
        ring = orbit_ring(footprint, standoff_m, start_near)
        boundary = footprint.exterior
        facing = [boundary.interpolate(boundary.project(Point(p))) for p in ring]
        stops_lon_lat = frame.to_lon_lat(ring)
        rois = frame.to_lon_lat([(f.x, f.y) for f in facing])
        return cls(ring, list(zip(ring, stops_lon_lat, rois, strict=True)))
