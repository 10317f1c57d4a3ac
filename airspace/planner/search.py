"""Shortest horizontal path between two points of one layer, on its visibility graph.

The start and goal join the precomputed graph through the convex vertices they can see and are
tangent to. Only vertices inside the ellipse ``|sv| + |vg| <= bound`` can lie on a path shorter
than ``bound``; the search first tries a tight ellipse and widens it when that fails, so the
result is the exact shortest path of the layer's graph whenever it is found.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from airspace.frames import FloatArray
from airspace.planner.layer import Layer, tangent_mask

__all__ = ["shortest_path"]

_BOUND_FACTORS = (1.4, 2.5, math.inf)


def _links(
    layer: Layer, p: FloatArray, other: FloatArray, bound_m: float
) -> tuple[np.ndarray, FloatArray]:
    """Indices of vertices visible from ``p`` (within the ellipse), and their distances."""
    v = layer.vertices
    if len(v) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    d_p = np.hypot(v[:, 0] - p[0], v[:, 1] - p[1])
    d_o = np.hypot(v[:, 0] - other[0], v[:, 1] - other[1])
    cand = np.flatnonzero((d_p + d_o <= bound_m) & (d_p > 1e-6))
    cand = cand[tangent_mask(p[None, :], v[cand], layer.prev[cand], layer.next[cand])]
    free = ~layer.blocked(np.repeat(p[None, :], len(cand), axis=0), v[cand])
    return cand[free], d_p[cand[free]]


def _search(layer: Layer, s: FloatArray, g: FloatArray, bound_m: float) -> list[int] | None:
    n = layer.n_vertices
    s_idx, s_d = _links(layer, s, g, bound_m)
    g_idx, g_d = _links(layer, g, s, bound_m)
    if len(s_idx) == 0 or len(g_idx) == 0:
        return None
    rows = np.concatenate([np.full(len(s_idx), n), s_idx, np.full(len(g_idx), n + 1), g_idx])
    cols = np.concatenate([s_idx, np.full(len(s_idx), n), g_idx, np.full(len(g_idx), n + 1)])
    data = np.concatenate([s_d, s_d, g_d, g_d])
    graph = layer.graph + coo_matrix((data, (rows, cols)), shape=layer.graph.shape).tocsr()
    dist, pred = dijkstra(graph, directed=False, indices=n, return_predecessors=True, limit=bound_m)
    if not math.isfinite(dist[n + 1]):
        return None
    path = [n + 1]
    while path[-1] != n:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def shortest_path(layer: Layer, s: FloatArray, g: FloatArray) -> FloatArray | None:
    """Shortest obstacle-free polyline from ``s`` to ``g`` at this layer, or ``None``.

    Args:
        layer: the prepared layer.
        s: start (x, y), metres in the local frame; must be outside the obstacles.
        g: goal (x, y).

    Returns:
        Array (k, 2) of points from ``s`` to ``g`` inclusive, or ``None`` when unreachable.
    """
    if not layer.blocked(s[None, :], g[None, :])[0]:
        return np.stack([s, g])
    direct = float(np.hypot(*(g - s)))
    for factor in _BOUND_FACTORS:
        path = _search(layer, s, g, direct * factor)
        if path is not None:
            n = layer.n_vertices
            pts = [s if i == n else g if i == n + 1 else layer.vertices[i] for i in path]
            return np.asarray(pts, dtype=np.float64)
    return None
