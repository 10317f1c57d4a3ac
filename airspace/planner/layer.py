"""One altitude layer: merged buffered obstacles and their visibility graph, built once.

At cruise altitude ``alt_amsl_m`` a building is an obstacle when its roof + vertical clearance is
above that altitude. Its footprint is grown by the horizontal clearance with round joins whose
chords are *tangent* to the clearance circle (GEOS splits a turn of angle a into
``round(a / q)`` arcs for the quantum ``q = 90 deg / arc_segments``, so an arc spans at most
``1.5 q``: the radius is scaled by ``1 / cos(0.75 q)``, 0.27% for 16 segments). Straight walls
are thus offset by the clearance plus ~3 cm, corners by at most as much: the conservative
buffer no longer closes gaps the exact one leaves open (mitre bevels added up to 0.8 m at
right-angle corners). All are merged, then simplified *outward* (grow by ``simplify_m`` then
Douglas-Peucker with the same tolerance: the result still contains the exact buffer) to keep
the vertex count low. Holes are filled (a courtyard is not a corridor). ``arc_segments=0``
selects the former mitre joins (mitre limit 1, bevelled at the clearance distance), fewer
vertices for very large cities.

Shortest paths among polygonal obstacles bend only at convex obstacle vertices and follow
bitangent segments, so the graph keeps only those: pairs of convex vertices whose connecting
segment is tangent at both ends and does not cross an obstacle (tested against obstacles shrunk
by ``_EPS_M`` so that grazing a boundary is allowed). For very large layers the candidate pairs
are limited to ``max_edge_m`` (an approximation, reported by :attr:`Layer.exact`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.spatial import cKDTree  # type: ignore[import-untyped]
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from airspace.frames import FloatArray

__all__ = ["Layer", "build_layer", "tangent_mask"]

_EPS_M = 0.05  # obstacles are shrunk by this for segment tests (touching allowed)
_MARGIN_M = 0.1  # extra buffer covering _EPS_M and float noise
ARC_SEGMENTS = 16  # round-join segments per quarter circle before simplification
_EXACT_MAX_VERTICES = 6000  # above this, candidate edges are limited to max_edge_m


@dataclass(frozen=True, eq=False)
class Layer:
    """Obstacles and visibility graph of one cruise altitude (local frame, metres)."""

    alt_amsl_m: float
    obstacles: BaseGeometry  # merged buffered obstacles (what must not be entered)
    blocker: BaseGeometry  # obstacles shrunk by _EPS_M, prepared, for segment tests
    vertices: FloatArray  # (n, 2) convex obstacle vertices
    prev: FloatArray  # (n, 2) previous vertex on the ring
    next: FloatArray  # (n, 2) next vertex on the ring
    graph: csr_matrix  # (n + 2, n + 2) symmetric, edge lengths in metres
    exact: bool  # False when edges were limited to a maximum length

    @cached_property
    def _orders(self) -> tuple[tuple[np.ndarray, FloatArray], tuple[np.ndarray, FloatArray]]:
        by_x = np.argsort(self.vertices[:, 0], kind="stable")
        by_y = np.argsort(self.vertices[:, 1], kind="stable")
        return (by_x, self.vertices[by_x, 0]), (by_y, self.vertices[by_y, 1])

    def axis_order(self, axis: int) -> tuple[np.ndarray, FloatArray]:
        """Vertex indices sorted along x (0) or y (1), and those coordinates (to cut bands)."""
        return self._orders[axis]

    @cached_property
    def rings(self) -> FloatArray:
        """(n, 6): each vertex with its previous and next ring neighbours (one gather)."""
        return np.ascontiguousarray(np.hstack([self.vertices, self.prev, self.next]))

    @cached_property
    def blocker_hulls(self) -> tuple[FloatArray, np.ndarray, FloatArray, FloatArray]:
        """Corners of the convex hull of each blocker polygon, for the shadows.

        Returns (corners (m, 2) hull after hull, start of each hull in them, centre (k, 2) and
        radius (k,) of a disc around each). Seen from a point outside it, a polygon spans the
        same directions and reaches as far as its hull's corners do
        (:func:`airspace.planner.shadow.shadowed`), and hulls have far fewer corners.
        """
        hulls = shapely.convex_hull(shapely.get_parts(self.blocker))
        hulls = hulls[shapely.get_type_id(hulls) == 3]  # degenerate slivers cast no shadow
        xy, which = shapely.get_coordinates(shapely.get_exterior_ring(hulls), return_index=True)
        starts = np.searchsorted(which, np.arange(len(hulls)))
        b = shapely.bounds(hulls).reshape(-1, 4)
        centres = (b[:, :2] + b[:, 2:]) / 2.0
        radii = np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / 2.0
        return xy, starts, centres, radii

    def warm(self) -> Layer:
        """Build the lazily derived arrays now (part of preprocessing, not of a query)."""
        for _ in (self._orders, self.rings, self.blocker_hulls):
            pass
        return self

    @property
    def n_vertices(self) -> int:
        """Number of graph vertices (convex obstacle corners)."""
        return int(self.vertices.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of undirected visibility edges."""
        return int(self.graph.nnz // 2)

    def blocked(self, a: FloatArray, b: FloatArray) -> np.ndarray:
        """For segments ``a[i] -> b[i]`` (arrays (k, 2)): True where one enters an obstacle."""
        if len(a) == 0:
            return np.zeros(0, dtype=bool)
        lines = shapely.linestrings(np.stack([a, b], axis=1))
        return np.asarray(shapely.intersects(self.blocker, lines), dtype=bool)

    def contains(self, x_m: float, y_m: float) -> bool:
        """True when the point is inside an obstacle of this layer."""
        return bool(shapely.intersects_xy(self.blocker, x_m, y_m))


def tangent_mask(
    origin: FloatArray, pts: FloatArray, prev: FloatArray, nxt: FloatArray
) -> np.ndarray:
    """True where the line ``origin -> pts[i]`` is tangent to the obstacle at ``pts[i]``.

    Tangent means both ring neighbours of ``pts[i]`` lie on the same side of the line (or on
    it): only then can a shortest path through ``pts[i]`` arrive along that line.
    """
    d = pts - origin
    s1 = d[:, 0] * (prev[:, 1] - pts[:, 1]) - d[:, 1] * (prev[:, 0] - pts[:, 0])
    s2 = d[:, 0] * (nxt[:, 1] - pts[:, 1]) - d[:, 1] * (nxt[:, 0] - pts[:, 0])
    return np.asarray(s1 * s2 >= -1e-9)


def _grown(footprints: np.ndarray, horizontal_m: float, arc_segments: int) -> np.ndarray:
    """Footprints grown by the clearance (+ margin), conservatively; see the module docstring."""
    if arc_segments <= 0:  # mitre joins bevelled at the clearance distance: fewer vertices
        return shapely.buffer(
            footprints, horizontal_m + _MARGIN_M, join_style="mitre", mitre_limit=1.0
        )
    radius_m = (horizontal_m + _MARGIN_M) / math.cos(0.75 * math.pi / (2 * arc_segments))
    return shapely.buffer(footprints, radius_m, quad_segs=arc_segments)


def _obstacles(
    footprints: np.ndarray, horizontal_m: float, simplify_m: float, arc_segments: int
) -> BaseGeometry:
    if len(footprints) == 0:
        return Polygon()
    merged = shapely.union_all(_grown(footprints, horizontal_m, arc_segments))
    if simplify_m > 0:
        simplified: BaseGeometry = shapely.simplify(
            shapely.buffer(merged, simplify_m, join_style="mitre", mitre_limit=1.0), simplify_m
        )
        # GEOS's Douglas-Peucker can cut an arc deeper than its tolerance (a 0.45 m chord
        # across a 10 m arc was found): put back whatever the cut took from the grown outline.
        if not shapely.covers(simplified, merged):
            simplified = shapely.union(simplified, merged)
        merged = simplified
    parts = [Polygon(p.exterior) for p in shapely.get_parts(merged) if isinstance(p, Polygon)]
    return shapely.union_all(parts)


def _convex_vertices(obstacles: BaseGeometry) -> tuple[FloatArray, FloatArray, FloatArray]:
    pts_l, prev_l, next_l = [], [], []
    for poly in shapely.get_parts(shapely.orient_polygons(obstacles)):
        if not isinstance(poly, Polygon) or poly.is_empty:
            continue
        ring = np.asarray(poly.exterior.coords)[:-1, :2]
        prv, nxt = np.roll(ring, 1, axis=0), np.roll(ring, -1, axis=0)
        cross = (ring[:, 0] - prv[:, 0]) * (nxt[:, 1] - ring[:, 1]) - (ring[:, 1] - prv[:, 1]) * (
            nxt[:, 0] - ring[:, 0]
        )
        keep = cross > 1e-9  # exterior rings are counter-clockwise: left turns are convex
        pts_l.append(ring[keep])
        prev_l.append(prv[keep])
        next_l.append(nxt[keep])
    if not pts_l:
        empty = np.zeros((0, 2))
        return empty, empty, empty
    return np.concatenate(pts_l), np.concatenate(prev_l), np.concatenate(next_l)


def _candidate_pairs(vertices: FloatArray, max_edge_m: float) -> np.ndarray:
    n = len(vertices)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    if n <= _EXACT_MAX_VERTICES:
        i, j = np.triu_indices(n, k=1)
        return np.column_stack([i, j])
    return np.asarray(cKDTree(vertices).query_pairs(max_edge_m, output_type="ndarray"))


def _edges(
    layer_pts: FloatArray,
    prev: FloatArray,
    nxt: FloatArray,
    blocker: BaseGeometry,
    max_edge_m: float,
) -> tuple[np.ndarray, FloatArray]:
    pairs = _candidate_pairs(layer_pts, max_edge_m)
    keep_chunks = []
    for start in range(0, len(pairs), 2_000_000):
        chunk = pairs[start : start + 2_000_000]
        i, j = chunk[:, 0], chunk[:, 1]
        ok = tangent_mask(layer_pts[i], layer_pts[j], prev[j], nxt[j])
        ok &= tangent_mask(layer_pts[j], layer_pts[i], prev[i], nxt[i])
        chunk = chunk[ok]
        lines = shapely.linestrings(np.stack([layer_pts[chunk[:, 0]], layer_pts[chunk[:, 1]]], 1))
        free = ~np.asarray(shapely.intersects(blocker, lines), dtype=bool)
        keep_chunks.append(chunk[free])
    kept = np.concatenate(keep_chunks) if keep_chunks else np.zeros((0, 2), dtype=np.int64)
    lengths = np.hypot(*(layer_pts[kept[:, 0]] - layer_pts[kept[:, 1]]).T)
    return kept, lengths


def build_layer(
    footprints: np.ndarray,
    alt_amsl_m: float,
    horizontal_m: float,
    *,
    simplify_m: float = 0.3,
    arc_segments: int = ARC_SEGMENTS,
    max_edge_m: float = 400.0,
    extra: BaseGeometry | None = None,
    window: BaseGeometry | None = None,
) -> Layer:
    """Build the layer whose obstacles are ``footprints`` (local, already height-filtered).

    Args:
        footprints: array of local footprint geometries that are obstacles at this altitude.
        alt_amsl_m: the layer's cruise altitude.
        horizontal_m: horizontal clearance (buffer distance).
        simplify_m: outward simplification tolerance (0 keeps the exact buffer).
        arc_segments: round-join segments per quarter circle; 0 for bevelled mitre joins.
        max_edge_m: longest candidate edge when the layer has too many vertices for all pairs.
        extra: additional obstacle areas (zones), not buffered.
        window: when given, the search is confined to this convex area.
    """
    obstacles = _obstacles(footprints, horizontal_m, simplify_m, arc_segments)
    if extra is not None and not extra.is_empty:
        obstacles = shapely.union_all([obstacles, extra])
    if window is not None:
        obstacles = shapely.intersection(obstacles, window)
    blocker = shapely.buffer(obstacles, -_EPS_M, join_style="mitre")
    shapely.prepare(blocker)
    pts, prev, nxt = _convex_vertices(obstacles)
    if window is not None and len(pts):
        inside = shapely.contains_xy(window.buffer(-_EPS_M), pts[:, 0], pts[:, 1])
        pts, prev, nxt = pts[inside], prev[inside], nxt[inside]
    kept, lengths = _edges(pts, prev, nxt, blocker, max_edge_m)
    n = len(pts) + 2
    rows = np.concatenate([kept[:, 0], kept[:, 1]])
    cols = np.concatenate([kept[:, 1], kept[:, 0]])
    graph = csr_matrix((np.concatenate([lengths, lengths]), (rows, cols)), shape=(n, n))
    exact = len(pts) <= _EXACT_MAX_VERTICES
    return Layer(alt_amsl_m, obstacles, blocker, pts, prev, nxt, graph, exact)
