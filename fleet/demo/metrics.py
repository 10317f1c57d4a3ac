"""Safety figures measured on what actually flew: separation between vehicles, building clearance.

Both are computed from the telemetry tracks the runner recorded, not from the plans, so they
check the whole chain (planner, deconfliction, bridge, vehicle) rather than restate its intent.

- **Separation**: every airborne track is interpolated on a common time grid; the minimum 3D
  distance between two vehicles airborne at the same grid time is reported.
- **Building clearance**: for every airborne sample outside the take-off and landing columns
  (samples within ``column_radius_m`` of a pad), the horizontal distance to the nearest footprint
  whose roof plus the vertical clearance is above the sample (a building flown over with the
  vertical clearance does not count, as in the planner's rule); shapely on the raw footprints.
  Altitudes are compared to :data:`ALTITUDE_RESOLUTION_M`: the planner's lowest layer over a
  roof is the roof plus the vertical clearance exactly, and the vehicle holds the mission
  item's float32 altitude (58.8 m is flown as 58.7999992 m), so without it a quad flying that
  layer over a roof counted as passing beside the roof at the distance to its footprint.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from shapely import STRtree
from shapely.geometry import Point

from fleet.demo.geo import Footprint, LocalFrame, footprints_xy
from fleet.demo.tracks import TrackPoint

AIRBORNE_AGL_M = 1.0  # above this height over its home a vehicle counts as flying
ALTITUDE_RESOLUTION_M = 0.01
"""What the altitude chain rounds away: MAVLink carries a mission item's altitude as a float32
(about 4 um at 60 m) and GLOBAL_POSITION_INT's in millimetres; a real dip is far larger."""


@dataclass(frozen=True, slots=True)
class Closest:
    """A minimum distance and where it was observed."""

    distance_m: float
    what: str


def _airborne_xyz(
    frame: LocalFrame, track: Sequence[TrackPoint]
) -> tuple[np.ndarray, np.ndarray] | None:
    points = sorted(track, key=lambda p: p.t_s)
    if len(points) < 2:
        return None
    t = np.array([p.t_s for p in points])
    xyz = np.array([(*frame.to_xy(p.lon_deg, p.lat_deg), p.alt_amsl_m) for p in points])
    agl = np.array([p.alt_agl_m for p in points])
    return t, np.column_stack([xyz, agl])


def min_separation(
    frame: LocalFrame,
    tracks: Mapping[str, Sequence[TrackPoint]],
    step_s: float = 0.5,
    max_gap_s: float = 10.0,
) -> Closest | None:
    """Minimum 3D distance between two vehicles airborne at the same time.

    Positions are interpolated between consecutive samples no more than ``max_gap_s`` apart.
    A longer gap is time the vehicle was not tracked (between flights): a straight line from
    where it stood to where its next flight was first seen would invent a slow phantom climb
    through other vehicles' airspace, so nothing is measured there.

    Args:
        frame: local metric frame.
        tracks: samples per vehicle id.
        step_s: interpolation grid step on the simulation clock.
        max_gap_s: the longest sample gap bridged by interpolation (simulated seconds).

    Returns:
        The closest approach, or ``None`` when no two vehicles were airborne together.
    """
    series = {vid: s for vid, tr in tracks.items() if (s := _airborne_xyz(frame, tr)) is not None}
    if len(series) < 2:
        return None
    t_lo = min(float(t[0]) for t, _ in series.values())
    t_hi = max(float(t[-1]) for t, _ in series.values())
    grid = np.arange(t_lo, t_hi + step_s, step_s)
    sampled: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for vid, (t, cols) in series.items():
        interp = np.column_stack([np.interp(grid, t, cols[:, k]) for k in range(4)])
        valid = (grid >= t[0]) & (grid <= t[-1]) & (interp[:, 3] > AIRBORNE_AGL_M)
        valid &= _tracked(t, grid, max_gap_s)
        sampled[vid] = (interp[:, :3], valid)
    best: Closest | None = None
    for (a, (pa, va)), (b, (pb, vb)) in combinations(sorted(sampled.items()), 2):
        both = va & vb
        if not both.any():
            continue
        d = np.linalg.norm(pa[both] - pb[both], axis=1)
        i = int(np.argmin(d))
        if best is None or float(d[i]) < best.distance_m:
            when = float(grid[both][i])
            best = Closest(float(d[i]), f"{a} and {b} at t={when:.1f} s")
    return best


def _tracked(t: np.ndarray, grid: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Grid times whose bracketing samples are at most ``max_gap_s`` apart."""
    j = np.clip(np.searchsorted(t, grid, side="right"), 1, len(t) - 1)
    return np.asarray((t[j] - t[j - 1]) <= max_gap_s)


def min_building_clearance(
    frame: LocalFrame,
    footprints: Sequence[Footprint],
    tracks: Mapping[str, Sequence[TrackPoint]],
    pads_lonlat: Sequence[tuple[float, float]],
    vertical_clearance_m: float,
    column_radius_m: float = 8.0,
    search_radius_m: float = 60.0,
) -> Closest | None:
    """Minimum horizontal clearance between airborne samples and buildings they are not above.

    Args:
        frame: local metric frame.
        footprints: the city's buildings.
        tracks: airborne tracks per vehicle id (flying vehicles only).
        pads_lonlat: take-off and landing points; samples within ``column_radius_m`` are the
            vertical columns the planner allows near buildings, and are not measured.
        vertical_clearance_m: the planner's vertical clearance over roofs (met to within
            :data:`ALTITUDE_RESOLUTION_M`).
        column_radius_m: horizontal radius of a take-off/landing column.
        search_radius_m: clearances beyond this are reported as this value.

    Returns:
        The closest approach, or ``None`` when no sample was measured.
    """
    polys = footprints_xy(frame, footprints)
    tops = np.array([f.top_amsl_m for f in footprints])
    tree = STRtree(polys)
    pads = np.array([frame.to_xy(lon, lat) for lon, lat in pads_lonlat] or [(math.inf, math.inf)])
    best: Closest | None = None
    for vid, track in sorted(tracks.items()):
        for p in track:
            if p.alt_agl_m <= AIRBORNE_AGL_M:
                continue
            xy = np.array(frame.to_xy(p.lon_deg, p.lat_deg))
            if float(np.min(np.linalg.norm(pads - xy, axis=1))) < column_radius_m:
                continue
            point = Point(*xy)
            d = search_radius_m
            for i in tree.query(point.buffer(search_radius_m)):
                if tops[i] + vertical_clearance_m > p.alt_amsl_m + ALTITUDE_RESOLUTION_M:
                    d = min(d, float(polys[i].distance(point)))
            if best is None or d < best.distance_m:
                best = Closest(d, f"{vid} at t={p.t_s:.1f} s, {p.alt_agl_m:.0f} m above home")
    return best
