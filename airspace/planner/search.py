"""Shortest horizontal path between two points of one layer, on its visibility graph.

The start and goal join the precomputed graph through the convex vertices they can see and are
tangent to. Only vertices inside the ellipse ``|sv| + |vg| <= bound`` can lie on a path shorter
than ``bound``; the search first tries a tight ellipse and widens it when that fails, so the
result is the exact shortest path of the layer's graph whenever it is found.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from airspace.frames import FloatArray
from airspace.planner.layer import Layer, tangent_mask

__all__ = ["SegmentTest", "direct_free", "shortest_path"]

SegmentTest = Callable[[FloatArray, FloatArray], np.ndarray]

_BOUND_FACTORS = (1.15, 1.6, math.inf)
_BATCHES = ((0, 8), (8, 40), (40, None))


def _candidates(layer: Layer, p: FloatArray, other: FloatArray, bound_m: float) -> np.ndarray:
    """Vertices a shortest path may reach first from ``p``: in the ellipse, tangent from ``p``."""
    v = layer.vertices
    d_p = np.hypot(v[:, 0] - p[0], v[:, 1] - p[1])
    d_o = np.hypot(v[:, 0] - other[0], v[:, 1] - other[1])
    cand = np.flatnonzero((d_p + d_o <= bound_m) & (d_p > 1e-6))
    keep = tangent_mask(p[None, :], v[cand], layer.prev[cand], layer.next[cand])
    return np.asarray(cand[keep], dtype=np.int64)


def _visible(
    layer: Layer, p: FloatArray, idx: np.ndarray, test: SegmentTest | None = None
) -> np.ndarray:
    """The subset of vertex indices ``idx`` that ``p`` sees (``test`` overrides the layer's)."""
    test = test or layer.blocked
    blocked = test(np.repeat(p[None, :], len(idx), axis=0), layer.vertices[idx])
    return np.asarray(idx[~blocked], dtype=np.int64)


def _from_goal(
    layer: Layer, g: FloatArray, g_idx: np.ndarray, bound_m: float
) -> tuple[FloatArray, np.ndarray]:
    """Graph distance from the goal to every vertex, and the predecessor towards the goal."""
    n = layer.n_vertices
    g_d = np.hypot(*(layer.vertices[g_idx] - g).T)
    base = layer.graph  # row n is empty: fill it with the goal's links, search from there
    nnz = base.indptr[n]
    indptr = base.indptr.copy()
    indptr[n + 1 :] = nnz + len(g_idx)
    graph = csr_matrix(
        (
            np.concatenate([base.data[:nnz], g_d]),
            np.concatenate([base.indices[:nnz], g_idx]),
            indptr,
        ),
        shape=base.shape,
    )
    dist, pred = dijkstra(graph, directed=True, indices=n, return_predecessors=True, limit=bound_m)
    return np.asarray(dist, dtype=np.float64), np.asarray(pred)


def _search(
    layer: Layer,
    s: FloatArray,
    g: FloatArray,
    bound_m: float,
    tests: tuple[SegmentTest | None, SegmentTest | None] = (None, None),
) -> list[int] | None:
    """Vertex indices of the shortest path (``n`` stands for the start, ``n + 1`` the goal).

    The goal side is exact (every link tested, one Dijkstra from the goal); the start side is
    lazy: candidate first vertices are tested in increasing order of ``|sv| + dist_g(v)`` and
    the first one the start sees is the optimum.
    """
    n = layer.n_vertices
    if n == 0:
        return None
    g_idx = _visible(layer, g, _candidates(layer, g, s, bound_m), tests[1])
    if len(g_idx) == 0:
        return None
    dist_g, pred = _from_goal(layer, g, g_idx, bound_m)
    s_idx = _candidates(layer, s, g, bound_m)
    total = np.hypot(*(layer.vertices[s_idx] - s).T) + dist_g[s_idx]
    # only vertices the goal's Dijkstra reached: with an infinite bound ``inf <= inf`` would
    # keep the unreached ones (another component, e.g. cut off by a zone across the window),
    # whose predecessor is -9999
    keep = np.isfinite(total) & (total <= bound_m)
    s_idx, total = s_idx[keep], total[keep]
    s_idx = s_idx[np.argsort(total, kind="stable")]
    first = None
    for lo, hi in _BATCHES:
        seen = _visible(layer, s, s_idx[lo:hi], tests[0])
        if len(seen):
            first = int(seen[0])
            break
    if first is None:
        return None
    path = [n, first]
    while path[-1] != n:  # n is the goal's row in this search
        path.append(int(pred[path[-1]]))
    path[-1] = n + 1
    return path


def direct_free(layer: Layer, s: FloatArray, g: FloatArray) -> bool:
    """True when the straight segment ``s -> g`` crosses no obstacle of the layer."""
    return not layer.blocked(s[None, :], g[None, :])[0]


def shortest_path(
    layer: Layer,
    s: FloatArray,
    g: FloatArray,
    max_length_m: float = math.inf,
    *,
    direct_known_blocked: bool = False,
    tests: tuple[SegmentTest | None, SegmentTest | None] = (None, None),
) -> FloatArray | None:
    """Shortest obstacle-free polyline from ``s`` to ``g`` at this layer, or ``None``.

    Args:
        layer: the prepared layer.
        s: start (x, y), metres in the local frame; must be outside the obstacles.
        g: goal (x, y).
        max_length_m: only paths at most this long are of interest (the search is confined
            to the ellipse they can reach, which makes hopeless layers cheap to reject).
        direct_known_blocked: the caller already knows the straight line is blocked.
        tests: segment tests for the links of the start and of the goal (default: the
            layer's); an endpoint inside the layer's conservative margin but truly clear of the
            buildings gets an exact test instead.

    Returns:
        Array (k, 2) of points from ``s`` to ``g`` inclusive, or ``None`` when there is no
        path (no path within ``max_length_m``).
    """
    direct = float(np.hypot(*(g - s)))
    if direct > max_length_m:
        return None
    direct_test = tests[0] or tests[1] or layer.blocked
    if not direct_known_blocked and not direct_test(s[None, :], g[None, :])[0]:
        return np.stack([s, g])
    # one search when a budget confines it, else widening ellipses
    finite = math.isfinite(max_length_m)
    bounds = [max_length_m] if finite else [direct * f for f in _BOUND_FACTORS]
    for bound in bounds:
        path = _search(layer, s, g, bound, tests)
        if path is not None:
            n = layer.n_vertices
            pts = [s if i == n else g if i == n + 1 else layer.vertices[i] for i in path]
            return np.asarray(pts, dtype=np.float64)
    return None
