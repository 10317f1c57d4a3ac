"""Zones laid over a prepared layer: its visibility graph is reused, not rebuilt.

The convex vertices of a union of polygons are convex vertices of one of the parts (where two
outlines cross, the union turns inward), so the layer with zones has the prepared layer's
vertices plus the zones' convex vertices, with unchanged ring directions (a zone cutting a
building's edge keeps the direction of that edge). Its edges are the prepared edges that do not
enter a zone (vertices swallowed by a zone lose all theirs) plus the new edges from each zone
vertex, tested against buildings and zones. The cost is linear in the layer's vertex count per
zone vertex instead of quadratic in the layer.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.spatial import cKDTree  # type: ignore[import-untyped]
from shapely.geometry.base import BaseGeometry

from airspace.planner.layer import _EPS_M, Layer, _convex_vertices, tangent_mask

__all__ = ["with_zones"]


def with_zones(base: Layer, extra: BaseGeometry, *, max_edge_m: float = 400.0) -> Layer:
    """The layer ``base`` with the zone areas ``extra`` as further obstacles.

    Args:
        base: the prepared layer (buildings only).
        extra: the zone areas (not buffered), in the layer's local frame.
        max_edge_m: longest new edge when ``base`` is not exact (its edges were limited too).

    Returns:
        A layer with the same search results as one built from scratch with the zones.
    """
    if extra.is_empty:
        return base
    zone_blocker = shapely.buffer(extra, -_EPS_M, join_style="mitre")
    blocker = shapely.union_all([base.blocker, zone_blocker])
    shapely.prepare(blocker)
    shapely.prepare(zone_blocker)
    z_pts, z_prev, z_next = _convex_vertices(extra)
    outside = ~shapely.intersects_xy(base.blocker, z_pts[:, 0], z_pts[:, 1])
    z_pts, z_prev, z_next = z_pts[outside], z_prev[outside], z_next[outside]
    pts = np.concatenate([base.vertices, z_pts])
    prev = np.concatenate([base.prev, z_prev])
    nxt = np.concatenate([base.next, z_next])
    n_base = base.n_vertices
    alive = ~shapely.intersects_xy(zone_blocker, pts[:, 0], pts[:, 1])
    old_i, old_j, old_w = _kept_base_edges(base, zone_blocker, alive)
    new_i, new_j, new_w = _new_edges(pts, prev, nxt, n_base, alive, blocker, base, max_edge_m)
    i = np.concatenate([old_i, new_i])
    j = np.concatenate([old_j, new_j])
    w = np.concatenate([old_w, new_w])
    n = len(pts) + 2
    graph = csr_matrix(
        (np.concatenate([w, w]), (np.concatenate([i, j]), np.concatenate([j, i]))), shape=(n, n)
    )
    obstacles = shapely.union_all([base.obstacles, extra])
    return Layer(base.alt_amsl_m, obstacles, blocker, pts, prev, nxt, graph, base.exact)


def _kept_base_edges(
    base: Layer, zone_blocker: BaseGeometry, alive: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The prepared edges (each once) that touch no zone."""
    coo = base.graph.tocoo()
    once = coo.row < coo.col
    i, j, w = coo.row[once], coo.col[once], coo.data[once]
    keep = alive[i] & alive[j]
    i, j, w = i[keep], j[keep], w[keep]
    a, b = base.vertices[i], base.vertices[j]
    x0, y0, x1, y1 = shapely.total_bounds(zone_blocker)
    near = ~(
        (np.maximum(a[:, 0], b[:, 0]) < x0)
        | (np.minimum(a[:, 0], b[:, 0]) > x1)
        | (np.maximum(a[:, 1], b[:, 1]) < y0)
        | (np.minimum(a[:, 1], b[:, 1]) > y1)
    )
    hit = np.zeros(len(i), dtype=bool)
    lines = shapely.linestrings(np.stack([a[near], b[near]], axis=1))
    hit[near] = shapely.intersects(zone_blocker, lines)
    return i[~hit], j[~hit], w[~hit]


def _new_edges(
    pts: np.ndarray,
    prev: np.ndarray,
    nxt: np.ndarray,
    n_base: int,
    alive: np.ndarray,
    blocker: BaseGeometry,
    base: Layer,
    max_edge_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges from each zone vertex to every live vertex (zone pairs once)."""
    i, j = _pairs(pts, n_base, alive, None if base.exact else max_edge_m)
    once = (j < n_base) | (j > i)
    i, j = i[once & alive[i]], j[once & alive[i]]
    length = np.hypot(*(pts[i] - pts[j]).T)
    ok = length > 1e-9
    ok &= tangent_mask(pts[i], pts[j], prev[j], nxt[j])
    ok &= tangent_mask(pts[j], pts[i], prev[i], nxt[i])
    i, j, length = i[ok], j[ok], length[ok]
    lines = shapely.linestrings(np.stack([pts[i], pts[j]], axis=1))
    free = ~np.asarray(shapely.intersects(blocker, lines), dtype=bool)
    return i[free], j[free], length[free]


def _pairs(
    pts: np.ndarray, n_base: int, alive: np.ndarray, max_edge_m: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (zone vertex, live vertex): all, or those within ``max_edge_m``."""
    zone_idx = np.arange(n_base, len(pts))
    others = np.flatnonzero(alive)
    if max_edge_m is None:
        return np.repeat(zone_idx, len(others)), np.tile(others, len(zone_idx))
    near = cKDTree(pts[others]).query_ball_point(pts[zone_idx], max_edge_m)
    counts = np.fromiter((len(x) for x in near), dtype=np.int64, count=len(near))
    flat = np.fromiter((k for x in near for k in x), dtype=np.int64, count=int(counts.sum()))
    return np.repeat(zone_idx, counts), others[flat]
