"""Shortest horizontal path between two points of one layer, on its visibility graph.

The start and goal join the precomputed graph through the convex vertices they can see and are
tangent to. Only vertices inside the ellipse ``|sv| + |vg| <= bound`` can lie on a path shorter
than ``bound``, so the search runs on the subgraph of those vertices (a few percent of a large
layer). It first tries a tight ellipse and widens it when that fails, so the result is the
exact shortest path of the layer's graph whenever it is found.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from airspace.frames import FloatArray
from airspace.planner.layer import Layer, tangent_mask
from airspace.planner.shadow import shadowed

__all__ = ["SegmentTest", "SightMemo", "Tests", "direct_free", "shortest_path"]

SegmentTest = Callable[[FloatArray, FloatArray], np.ndarray]
Tests = tuple[SegmentTest | None, SegmentTest | None]

_BOUND_FACTORS = (1.2, 1.5, math.inf)
_BATCHES = ((0, 8), (8, 40), (40, None))


class SightMemo:
    """What the start and the goal of one request see, per layer (-1 untested, 0, 1)."""

    def __init__(self) -> None:
        self._by_layer: dict[int, tuple[Layer, np.ndarray, np.ndarray]] = {}

    def arrays(self, layer: Layer) -> tuple[np.ndarray, np.ndarray]:
        """The start's and the goal's memo for this layer."""
        entry = self._by_layer.get(id(layer))
        if entry is None:  # the layer is kept in the entry, so its id stays its own
            n = layer.n_vertices
            entry = (layer, np.full(n, -1, np.int8), np.full(n, -1, np.int8))
            self._by_layer[id(layer)] = entry
        return entry[1], entry[2]


@dataclass(frozen=True)
class _Ellipse:
    """The layer's vertices that a path shorter than the bound may visit."""

    idx: np.ndarray  # layer vertex indices inside the ellipse
    d_s: FloatArray  # their distance to the start
    d_g: FloatArray  # their distance to the goal


def _ellipse(layer: Layer, s: FloatArray, g: FloatArray, bound_m: float) -> _Ellipse:
    a = 0.5 * min(bound_m, 1e12)  # semi-major axis; foci s and g
    c = 0.5 * float(np.hypot(*(g - s)))
    b2 = max(a * a - c * c, 0.0)
    ux, uy = (g - s) / (2.0 * c) if c > 1e-9 else (1.0, 0.0)  # s == g: a circle
    # the ellipse's half extent along x and along y: cut the band along the narrower one
    half = (math.sqrt(a * a * ux * ux + b2 * uy * uy), math.sqrt(a * a * uy * uy + b2 * ux * ux))
    axis = 0 if half[0] <= half[1] else 1
    order, keys = layer.axis_order(axis)
    mid = 0.5 * (s[axis] + g[axis])
    lo, hi = np.searchsorted(keys, [mid - half[axis] - 1e-6, mid + half[axis] + 1e-6])
    near = order[lo:hi]
    v = layer.vertices[near]
    d_s = np.hypot(v[:, 0] - s[0], v[:, 1] - s[1])
    d_g = np.hypot(v[:, 0] - g[0], v[:, 1] - g[1])
    inside = np.flatnonzero(d_s + d_g <= bound_m)
    return _Ellipse(near[inside], d_s[inside], d_g[inside])


def _tangent_from(layer: Layer, p: FloatArray, idx: np.ndarray, dist: FloatArray) -> np.ndarray:
    """Positions in ``idx`` of the vertices a shortest path may reach first from ``p``."""
    pos = np.flatnonzero(dist > 1e-6)
    v = idx[pos]
    ring = layer.rings[v]  # one gather: each vertex with its ring neighbours
    keep = tangent_mask(p[None, :], ring[:, 0:2], ring[:, 2:4], ring[:, 4:6])
    return np.asarray(pos[keep], dtype=np.int64)


def _visible(
    layer: Layer,
    p: FloatArray,
    idx: np.ndarray,
    pos: np.ndarray,
    test: SegmentTest | None,
    known: np.ndarray | None = None,
) -> np.ndarray:
    """The subset of positions ``pos`` (into ``idx``) whose vertex ``p`` sees.

    ``known`` (per layer vertex: -1 untested, 0 hidden, 1 seen) memoises the answers, so a
    wider search of the same layer from the same point tests only the new vertices.
    """
    if len(pos) == 0:
        return pos
    v = idx[pos]
    if known is None:
        return np.asarray(pos[~_blocked_from(layer, p, v, test)], dtype=np.int64)
    new = v[known[v] < 0]
    if len(new):
        known[new] = np.where(_blocked_from(layer, p, new, test), 0, 1)
    return np.asarray(pos[known[v] == 1], dtype=np.int64)


def _blocked_from(
    layer: Layer, p: FloatArray, v: np.ndarray, test: SegmentTest | None
) -> np.ndarray:
    """Whether the links ``p -> vertex v`` are blocked; shadows spare most exact tests.

    With its own test the layer's blocker decides, so a link proven to cross it is blocked; an
    endpoint's exact escape test (``test`` given) judges every link itself.
    """
    pts = layer.vertices[v]
    if test is not None:
        return test(np.repeat(p[None, :], len(v), axis=0), pts)
    blocked = shadowed(layer, p, pts)
    rest = ~blocked
    blocked[rest] = layer.blocked(np.repeat(p[None, :], int(rest.sum()), axis=0), pts[rest])
    return blocked


def _subgraph(graph: csr_matrix, idx: np.ndarray, extra: int) -> tuple[np.ndarray, ...]:
    """CSR arrays (data, indices, indptr) of ``graph`` restricted to the sorted ``idx``.

    Plain numpy gathers over the selected rows only (scipy's fancy indexing scans far more).
    ``extra`` empty rows are appended.
    """
    start, stop = graph.indptr[idx], graph.indptr[idx + 1]
    counts = stop - start
    offsets = np.cumsum(counts) - counts
    pos = np.repeat(start - offsets, counts) + np.arange(int(counts.sum()))
    local = np.full(graph.shape[0], -1, dtype=np.int32)
    local[idx] = np.arange(len(idx), dtype=np.int32)
    cols = local[graph.indices[pos]]
    keep = cols >= 0
    row = np.repeat(np.arange(len(idx)), counts)[keep]
    # int32 indices: scipy then skips scanning their contents to choose an index dtype
    indptr = np.zeros(len(idx) + 1 + extra, dtype=np.int32)
    np.cumsum(np.bincount(row, minlength=len(idx)), out=indptr[1 : len(idx) + 1])
    indptr[len(idx) + 1 :] = indptr[len(idx)]
    return graph.data[pos[keep]], cols[keep], indptr


def _from_goal(
    layer: Layer, ell: _Ellipse, g_pos: np.ndarray, bound_m: float
) -> tuple[FloatArray, np.ndarray]:
    """Graph distance from the goal to each ellipse vertex, and the predecessor towards it.

    The subgraph of the ellipse's vertices gets one more row, the goal, linked to ``g_pos``.
    """
    m = len(ell.idx)
    data, indices, indptr = _subgraph(layer.graph, ell.idx, 1)
    indptr[m + 1] += len(g_pos)
    graph = csr_matrix(
        (
            np.concatenate([data, ell.d_g[g_pos]]),
            np.concatenate([indices, g_pos.astype(np.int32)]),
            indptr,
        ),
        shape=(m + 1, m + 1),
    )
    dist, pred = dijkstra(graph, directed=True, indices=m, return_predecessors=True, limit=bound_m)
    return np.asarray(dist, dtype=np.float64), np.asarray(pred)


def _first_seen(
    layer: Layer,
    s: FloatArray,
    ell: _Ellipse,
    dist_g: FloatArray,
    bound_m: float,
    test: SegmentTest | None,
    known: np.ndarray | None,
) -> int | None:
    """Position of the best first vertex from the start (cheapest candidates tested first)."""
    total = ell.d_s + dist_g[: len(ell.idx)]
    # only vertices the goal's Dijkstra reached: with an infinite bound ``inf <= inf`` would
    # keep the unreached ones (another component, e.g. cut off by a zone across the window),
    # whose predecessor is -9999
    reach = np.flatnonzero(np.isfinite(total) & (total <= bound_m))
    s_pos = reach[_tangent_from(layer, s, ell.idx[reach], ell.d_s[reach])]
    s_pos = s_pos[np.argsort(total[s_pos], kind="stable")]
    for lo, hi in _BATCHES:
        seen = _visible(layer, s, ell.idx, s_pos[lo:hi], test, known)
        if len(seen):
            return int(seen[0])
    return None


def _search(
    layer: Layer,
    s: FloatArray,
    g: FloatArray,
    bound_m: float,
    tests: Tests = (None, None),
    memo: SightMemo | None = None,
) -> list[int] | None:
    """Layer vertex indices of the shortest path's bends (start and goal excluded).

    The goal side is exact (every link tested, one Dijkstra from the goal); the start side is
    lazy: candidate first vertices are tested in increasing order of ``|sv| + dist_g(v)`` and
    the first one the start sees is the optimum.
    """
    if layer.n_vertices == 0:
        return None
    ell = _ellipse(layer, s, g, bound_m)
    known_s, known_g = (None, None) if memo is None else memo.arrays(layer)
    g_cand = _tangent_from(layer, g, ell.idx, ell.d_g)
    g_pos = _visible(layer, g, ell.idx, g_cand, tests[1], known_g)
    if len(g_pos) == 0:
        return None
    dist_g, pred = _from_goal(layer, ell, g_pos, bound_m)
    first = _first_seen(layer, s, ell, dist_g, bound_m, tests[0], known_s)
    if first is None:
        return None
    m = len(ell.idx)
    path = [first]
    while (nxt := int(pred[path[-1]])) != m:  # m is the goal's row in this search
        path.append(nxt)
    return [int(ell.idx[k]) for k in path]


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
    tests: Tests = (None, None),
    memo: SightMemo | None = None,
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
        memo: what ``s`` and ``g`` see, kept across searches of the same request (they must
            be the same two points in every call).

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
        bends = _search(layer, s, g, bound, tests, memo)
        if bends is not None:
            return np.vstack([s, layer.vertices[bends], g]).astype(np.float64)
    return None
