"""Spatio-temporal index of volumes: a 4D R-tree (x, y, z, t) prefilter plus the exact test.

The R-tree only proposes candidates whose padded boxes overlap; every answer is confirmed by
:meth:`VolumeShape.conflicts`, so nothing is decided on bounding boxes alone. Not thread-safe:
the engine serialises access.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rtree import index as rtree_index

from airspace.deconfliction.geometry import LocalProjection, VolumeShape
from airspace.intents.volume import Volume4D


@dataclass(frozen=True, slots=True)
class Hit:
    """A confirmed conflict: query volume ``query_index`` meets ``intent_id``'s ``volume_index``."""

    intent_id: str
    volume_index: int
    query_index: int


class SpatioTemporalIndex:
    """Volumes of many intents, keyed by intent id."""

    def __init__(self, projection: LocalProjection | None, tolerance_m: float) -> None:
        self._projection = projection
        self._tolerance_m = tolerance_m
        self._tree = _new_tree()
        self._entries: dict[int, tuple[str, int, VolumeShape]] = {}
        self._keys: dict[str, list[int]] = {}
        self._next_key = 0

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, intent_id: object) -> bool:
        return intent_id in self._keys

    def shapes(self, volumes: Iterable[Volume4D]) -> list[VolumeShape]:
        """Volumes projected into this index's frame (the first volume fixes the origin)."""
        vols = list(volumes)
        if self._projection is None and vols:
            lon0, lat0, _, _ = vols[0].lonlat_bounds_deg()
            self._projection = LocalProjection(lon0, lat0)
        projection = self._projection
        return [VolumeShape.of(v, projection) for v in vols] if projection else []

    def add(self, intent_id: str, shapes: list[VolumeShape]) -> None:
        """Index ``shapes`` as the volumes of ``intent_id`` (replacing none: remove first)."""
        keys = self._keys.setdefault(intent_id, [])
        for i, shape in enumerate(shapes):
            key = self._next_key
            self._next_key += 1
            self._entries[key] = (intent_id, i, shape)
            shape.geometry  # noqa: B018 - build the exact outline now, not inside a later query
            self._tree.insert(key, shape.bounds(self._tolerance_m))
            keys.append(key)

    def remove(self, intent_id: str) -> None:
        """Drop every volume of ``intent_id`` (no-op when absent)."""
        for key in self._keys.pop(intent_id, []):
            _, _, shape = self._entries.pop(key)
            self._tree.delete(key, shape.bounds(self._tolerance_m))

    def query(self, shapes: list[VolumeShape], exclude: frozenset[str] = frozenset()) -> list[Hit]:
        """Every indexed volume that truly conflicts with one of ``shapes``."""
        hits: list[Hit] = []
        tol = self._tolerance_m
        for qi, shape in enumerate(shapes):
            for key in self._tree.intersection(shape.bounds(0.0)):
                intent_id, vi, other = self._entries[key]
                if intent_id not in exclude and shape.conflicts(other, tol):
                    hits.append(Hit(intent_id, vi, qi))
        return hits

    def candidates(self, box: tuple[float, ...]) -> Iterator[tuple[str, int, VolumeShape]]:
        """Indexed volumes whose padded boxes overlap ``box`` (prefilter only, not exact)."""
        for key in self._tree.intersection(box):
            yield self._entries[key]

    def clear(self) -> None:
        """Drop everything (the projection is kept)."""
        self._tree = _new_tree()
        self._entries.clear()
        self._keys.clear()


def _new_tree() -> rtree_index.Index:
    props = rtree_index.Property()
    props.dimension = 4
    return rtree_index.Index(properties=props)
