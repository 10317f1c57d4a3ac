"""The output of every pattern, and the builder that turns local geometry into mission items.

Altitudes in the items are relative to home (``MAV_FRAME_GLOBAL_RELATIVE_ALT``): the patterns
assume the home dock and the target stand on the same ground level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from shapely.geometry import LineString

from firmware_bridge.mission_item import MissionItem
from fleet.energy import path_estimate
from fleet.model import GeoPoint, Inspection, Vehicle
from fleet.patterns import commands
from fleet.patterns.frame import XY, LocalFrame

LonLatAlt = tuple[float, float, float]
_EPS_M = 1e-6


@dataclass(frozen=True, slots=True)
class ScanGeometry:
    """How a pattern photographs its subject.

    Args:
        camera_distance_m: camera to subject (altitude for surveys, standoff for structures).
        trigger_distance_m: distance between photos along a pass.
        pass_spacing_m: distance between neighbouring passes (transects or orbit layers).
        footprint_m: image footprint (width, height) on the subject.
        track_angle_deg: survey transect direction, degrees clockwise from north (else None).
    """

    camera_distance_m: float
    trigger_distance_m: float
    pass_spacing_m: float
    footprint_m: tuple[float, float]
    track_angle_deg: float | None = None


@dataclass(frozen=True, slots=True)
class PatternPlan:
    """Mission items of an inspection and what to expect from flying them.

    Args:
        items: TAKEOFF, speed, camera and gimbal/ROI commands, waypoints, then RTL.
        photo_points: predicted capture positions (lon, lat, alt above home).
        path: the flown polyline (lon, lat, alt above home), home to home.
        flight_time_s / energy_wh / distance_m: estimate along ``path`` (energy model).
        speed_mps: ground speed while photographing.
        scan: photogrammetric geometry (distance, trigger, spacing, footprint).
    """

    items: tuple[MissionItem, ...]
    photo_points: tuple[LonLatAlt, ...]
    path: tuple[LonLatAlt, ...]
    flight_time_s: float
    energy_wh: float
    distance_m: float
    speed_mps: float
    scan: ScanGeometry

    @property
    def photo_count(self) -> int:
        """Expected number of photos."""
        return len(self.photo_points)

    @property
    def entry_lon_lat(self) -> tuple[float, float]:
        """Where the pattern starts (after the climb over home): what transit legs aim at."""
        return self.path[2][0], self.path[2][1]

    @property
    def exit_lon_lat(self) -> tuple[float, float]:
        """Where the pattern ends, before the return to home."""
        return self.path[-4][0], self.path[-4][1]


def nadir_grid(inspection: Inspection) -> ScanGeometry:
    """Altitude, trigger distance, pass spacing and footprint of a downward-looking scan
    (surveys and corridors) at the inspection's GSD and overlaps."""
    alt_m = inspection.distance_m
    across_m, along_m = inspection.camera.footprint_m(alt_m)
    spacing_m = across_m * (1 - inspection.side_overlap)
    trigger_m = along_m * (1 - inspection.front_overlap)
    return ScanGeometry(alt_m, trigger_m, spacing_m, (across_m, along_m))


def survey_speed_mps(vehicle: Vehicle, trigger_m: float, min_interval_s: float) -> float:
    """Cruise speed, slowed so photos ``trigger_m`` apart are no closer than the camera allows.

    >>> from fleet.model import Vehicle, VehicleKind
    >>> v = Vehicle("v", VehicleKind.MULTICOPTER, 3.0, 1.0, 100.0, 12.0, "d")
    >>> survey_speed_mps(v, 10.0, 2.0)
    5.0
    """
    if min_interval_s <= 0:
        return vehicle.cruise_speed_mps
    return min(vehicle.cruise_speed_mps, trigger_m / min_interval_s)


def photo_stations(line: LineString, trigger_m: float) -> list[XY]:
    """Points every ``trigger_m`` along ``line`` from its start, end included when reached.

    >>> photo_stations(LineString([(0, 0), (25, 0)]), 10.0)
    [(0.0, 0.0), (10.0, 0.0), (20.0, 0.0)]
    """
    count = math.floor(line.length / trigger_m + 1e-9) + 1
    return [tuple(line.interpolate(i * trigger_m).coords[0]) for i in range(count)]  # type: ignore[misc]


def extend_to_multiple(points: list[XY], step_m: float) -> list[XY]:
    """Stretch the last segment so the polyline length is a whole number of ``step_m``.

    >>> extend_to_multiple([(0.0, 0.0), (25.0, 0.0)], 10.0)
    [(0.0, 0.0), (30.0, 0.0)]
    """
    length = LineString(points).length
    missing = math.ceil(length / step_m - 1e-9) * step_m - length
    if missing <= _EPS_M:
        return points
    (x0, y0), (x1, y1) = points[-2], points[-1]
    last = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / last, (y1 - y0) / last
    return [*points[:-1], (x1 + ux * missing, y1 + uy * missing)]


def beyond(a: XY, b: XY, distance_m: float) -> XY:
    """The point ``distance_m`` past ``b`` on the line from ``a`` through ``b``."""
    length = math.hypot(b[0] - a[0], b[1] - a[1])
    return (b[0] + (b[0] - a[0]) / length * distance_m, b[1] + (b[1] - a[1]) / length * distance_m)


@dataclass
class PlanBuilder:
    """Accumulates items, path and photos in the local frame; :meth:`finish` wraps them."""

    frame: LocalFrame
    home: GeoPoint
    items: list[MissionItem] = field(default_factory=list)
    path_xyz: list[tuple[float, float, float]] = field(default_factory=list)
    photos_xyz: list[tuple[float, float, float]] = field(default_factory=list)

    def lon_lat(self, point: XY) -> XY:
        """(lon, lat) of a local point."""
        return self.frame.to_lon_lat([point])[0]

    def fly_to(self, point: XY, alt_rel_m: float, lon_lat: XY | None = None) -> None:
        """A waypoint (skipped when it repeats the previous position); ``lon_lat`` if known."""
        if self.path_xyz and math.dist(self.path_xyz[-1], (*point, alt_rel_m)) < _EPS_M:
            return
        lon, lat = self.lon_lat(point) if lon_lat is None else lon_lat
        self.items.append(commands.waypoint(lon, lat, alt_rel_m))
        self.path_xyz.append((point[0], point[1], alt_rel_m))

    def photographed_pass(
        self, line: list[XY], alt_rel_m: float, trigger_m: float, turnaround_m: float
    ) -> None:
        """Lead-in, camera on, the pass, camera off, lead-out."""
        if turnaround_m > 0:
            self.fly_to(beyond(line[1], line[0], turnaround_m), alt_rel_m)
        self.fly_to(line[0], alt_rel_m)
        self.items.append(commands.trigger_distance(trigger_m))
        for point in line[1:]:
            self.fly_to(point, alt_rel_m)
        self.items.append(commands.trigger_distance(0.0))
        stations = photo_stations(LineString(line), trigger_m)
        self.photos_xyz.extend((x, y, alt_rel_m) for x, y in stations)
        if turnaround_m > 0:
            self.fly_to(beyond(line[-2], line[-1], turnaround_m), alt_rel_m)

    def finish(
        self,
        vehicle: Vehicle,
        speed_mps: float,
        scan: ScanGeometry,
        *,
        takeoff_alt_m: float,
        prefix: list[MissionItem],
        suffix: list[MissionItem],
    ) -> PatternPlan:
        """TAKEOFF, speed, ``prefix``, the body, ``suffix``, RTL; estimate along the path."""
        hx, hy = self.frame.to_xy([self.home.lon_lat])[0]
        head = [
            commands.takeoff(*self.home.lon_lat, takeoff_alt_m),
            commands.change_speed(speed_mps),
        ]
        items = (*head, *prefix, *self.items, *suffix, commands.return_to_launch())
        last = self.path_xyz[-1]
        rtl_alt = max(takeoff_alt_m, last[2])
        xyz = [(hx, hy, 0.0), (hx, hy, takeoff_alt_m), *self.path_xyz]
        xyz += [(last[0], last[1], rtl_alt), (hx, hy, rtl_alt), (hx, hy, 0.0)]
        path = self._geo(xyz)
        estimate = path_estimate(vehicle, path, speed_mps=speed_mps)
        return PatternPlan(
            items=items,
            photo_points=self._geo(self.photos_xyz),
            path=path,
            flight_time_s=estimate.duration_s,
            energy_wh=estimate.energy_wh,
            distance_m=estimate.distance_m,
            speed_mps=speed_mps,
            scan=scan,
        )

    def _geo(self, xyz: list[tuple[float, float, float]]) -> tuple[LonLatAlt, ...]:
        lon_lat = self.frame.to_lon_lat([(x, y) for x, y, _ in xyz])
        return tuple((lon, lat, z) for (lon, lat), (_, _, z) in zip(lon_lat, xyz, strict=True))
