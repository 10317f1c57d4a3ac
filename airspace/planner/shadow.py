"""Cheap exact proof that a segment from a point enters an obstacle: the nearby shadows.

Seen from a point ``p`` outside them, a connected obstacle whose corners all lie within an arc
of directions narrower than a half turn covers exactly that arc (each edge spans the shorter
arc between its ends), and every ray inside the arc meets it no farther than its farthest
corner. A segment from ``p`` that leaves strictly inside the arc and ends beyond that distance
therefore crosses the obstacle: its exact test would say blocked. The arc and the farthest
corner are those of the obstacle's convex hull (precomputed per layer, far fewer corners); a
point inside the hull sees its corners over more than a half turn, so no arc is used there.
Most links from a start or goal in a dense city are hidden behind the few obstacles around it,
so this spares most of the (GEOS, a few microseconds each) exact tests.
"""

from __future__ import annotations

import numpy as np

from airspace.frames import FloatArray
from airspace.planner.layer import Layer

__all__ = ["shadowed"]

_RADIUS_M = 300.0  # obstacles this close to the point cast the shadows
_MAX_ARC_RAD = 0.9 * np.pi  # wider obstacles are skipped (they may wrap around the point)
_TOL = 1e-9
_MIN_LINKS = 16  # fewer links are tested exactly at once (the shadows cost more to set up)
# shadows of the last few (layer, point) pairs: a request tests each end of a layer in batches
_CACHE: dict[tuple[int, bytes], tuple[Layer, tuple[FloatArray, ...]]] = {}
_CACHE_SIZE = 32


def _arcs(xy: FloatArray, starts: np.ndarray, p: FloatArray) -> tuple[FloatArray, ...]:
    """Per corner group: mean direction, arc (lo, hi) relative to it, farthest corner distance.

    ``xy`` holds the groups one after the other, each beginning at its entry of ``starts``.
    """
    if len(starts) == 0:
        empty = np.zeros(0)
        return empty, empty, empty, empty
    part = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(xy))))
    v = xy - p
    centre = np.arctan2(np.add.reduceat(v[:, 1], starts), np.add.reduceat(v[:, 0], starts))
    rel = (np.arctan2(v[:, 1], v[:, 0]) - centre[part] + np.pi) % (2 * np.pi) - np.pi
    dist = np.hypot(v[:, 0], v[:, 1])
    lo = np.minimum.reduceat(rel, starts)
    hi = np.maximum.reduceat(rel, starts)
    far = np.maximum.reduceat(dist, starts)
    near = np.minimum.reduceat(dist, starts)
    ok = (hi - lo < _MAX_ARC_RAD) & (near > 1e-6)
    return centre[ok], lo[ok], hi[ok], far[ok]


def _shadows(layer: Layer, p: FloatArray) -> tuple[FloatArray, ...]:
    """The arcs of the obstacles near ``p`` (cached for the last few layers and points)."""
    key = (id(layer), p.tobytes())
    entry = _CACHE.get(key)
    if entry is not None and entry[0] is layer:  # the entry keeps its layer: ids stay unique
        return entry[1]
    xy, starts, centres, radii = layer.blocker_hulls
    close = np.flatnonzero(np.hypot(*(centres - p).T) - radii <= _RADIUS_M)
    ends = np.append(starts, len(xy))
    counts = ends[close + 1] - ends[close]
    first = np.cumsum(counts) - counts
    rows = np.repeat(starts[close] - first, counts) + np.arange(int(counts.sum()))
    arcs = _arcs(xy[rows], first, p)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[key] = (layer, arcs)
    return arcs


def shadowed(layer: Layer, p: FloatArray, pts: FloatArray) -> np.ndarray:
    """True where the segment ``p -> pts[i]`` certainly meets ``layer.blocker``.

    ``p`` must lie outside the blocker. False means "not proven": test exactly.
    """
    if len(pts) < _MIN_LINKS:
        return np.zeros(len(pts), dtype=bool)
    centre, lo, hi, far = _shadows(layer, p)
    d = pts - p
    ang = np.arctan2(d[:, 1], d[:, 0])[:, None]
    dist = np.hypot(d[:, 0], d[:, 1])[:, None]
    rel = (ang - centre[None, :] + np.pi) % (2 * np.pi) - np.pi
    hit = (rel > lo + _TOL) & (rel < hi - _TOL) & (dist > far + 1e-6)
    return np.asarray(hit.any(axis=1))
