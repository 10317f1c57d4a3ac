"""Spatio-temporal index of volumes: a vectorised 4D prefilter plus the exact test.

Volumes are rows of numpy arrays bucketed by start time (:mod:`airspace.deconfliction.buckets`).
A query visits the few buckets its time window can reach, tests each bucket's rows at once for
time, altitude and lateral-box overlap (the same comparisons as the exact test, so nothing it
drops could conflict), then runs the exact outline test (shapely ``dwithin`` within 1 cm, on the
outlines projected once at insertion) on the survivors, vectorised per bucket. Nothing is
decided on bounding boxes alone: every hit is confirmed by the outline test. Not thread-safe:
the engine serialises access.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from airspace.deconfliction.buckets import Bucket, Buckets, query_row
from airspace.deconfliction.geometry import LocalProjection, VolumeShape
from airspace.intents.volume import Outline, Volume4D

BUCKET_WIDTH_S = 600.0
"""Time span of the start times sharing one bucket."""

RECENT_OUTLINES = 4096
"""Outlines whose projection and geometry the index keeps for reuse."""

LONG_VOLUME_S = 1800.0
"""Volumes lasting longer than this share one bucket that every query scans."""


@dataclass(frozen=True, slots=True)
class Hit:
    """A confirmed conflict: query volume ``query_index`` meets ``intent_id``'s ``volume_index``."""

    intent_id: str
    volume_index: int
    query_index: int


@dataclass(frozen=True, slots=True)
class _Entry:
    intent_id: str
    volume_index: int
    shape: VolumeShape
    bucket: Bucket


class SpatioTemporalIndex:
    """Volumes of many intents, keyed by intent id."""

    def __init__(self, projection: LocalProjection | None, tolerance_m: float) -> None:
        self._projection = projection
        self._tolerance_m = tolerance_m
        self._buckets = Buckets(BUCKET_WIDTH_S, LONG_VOLUME_S)
        self._entries: dict[int, _Entry] = {}
        self._rows: dict[int, int] = {}
        self._keys: dict[str, list[int]] = {}
        self._next_key = 0
        # outline object id -> (the outline, kept alive so the id stays its own; its shape)
        self._recent_outlines: OrderedDict[int, tuple[Outline, VolumeShape]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, intent_id: object) -> bool:
        return intent_id in self._keys

    def shapes(self, volumes: Iterable[Volume4D]) -> list[VolumeShape]:
        """Volumes projected into this index's frame (the first volume fixes the origin).

        Outlines seen recently (the same outline object, e.g. a volume delayed or re-levelled
        with ``dataclasses.replace``) reuse their projection and shapely geometry.
        """
        vols = list(volumes)
        if self._projection is None and vols:
            lon0, lat0, _, _ = vols[0].lonlat_bounds_deg()
            self._projection = LocalProjection(lon0, lat0)
        projection = self._projection
        return [self._shape(v, projection) for v in vols] if projection else []

    def _shape(self, volume: Volume4D, projection: LocalProjection) -> VolumeShape:
        cache = self._recent_outlines
        seen = cache.get(id(volume.outline))
        if seen is None or seen[0] is not volume.outline:
            shape = VolumeShape.of(volume, projection)
            cache[id(volume.outline)] = (volume.outline, shape)
            if len(cache) > RECENT_OUTLINES:
                cache.popitem(last=False)
            return shape
        cache.move_to_end(id(volume.outline))
        return seen[1].retimed(
            volume.altitude_lower_w84_m,
            volume.altitude_upper_w84_m,
            volume.time_start.timestamp(),
            volume.time_end.timestamp(),
        )

    def add(self, intent_id: str, shapes: list[VolumeShape]) -> None:
        """Index ``shapes`` as the volumes of ``intent_id`` (replacing none: remove first)."""
        keys = self._keys.setdefault(intent_id, [])
        for i, shape in enumerate(shapes):
            key = self._next_key
            self._next_key += 1
            bucket = self._buckets.bucket(self._buckets.bucket_id(shape))
            self._entries[key] = _Entry(intent_id, i, shape, bucket)
            self._rows[key] = bucket.append(key, shape, self._tolerance_m)
            keys.append(key)

    def remove(self, intent_id: str) -> None:
        """Drop every volume of ``intent_id`` (no-op when absent)."""
        for key in self._keys.pop(intent_id, []):
            entry = self._entries.pop(key)
            row = self._rows.pop(key)
            moved = entry.bucket.pop(row)
            if moved is not None:  # the bucket's last row now sits in the freed one
                self._rows[moved] = row

    def query(self, shapes: list[VolumeShape], exclude: frozenset[str] = frozenset()) -> list[Hit]:
        """Every indexed volume that truly conflicts with one of ``shapes``."""
        hits: list[Hit] = []
        for qi, shape in enumerate(shapes):
            for entry in self.meeting(shape):
                if entry.intent_id not in exclude:
                    hits.append(Hit(entry.intent_id, entry.volume_index, qi))
        return hits

    def meeting(self, shape: VolumeShape, extra_s: float = 0.0) -> list[_Entry]:
        """Indexed volumes meeting ``shape`` exactly, its end extended by ``extra_s``.

        With ``extra_s == 0`` this is the exact 4D conflict test; with ``extra_s > 0`` the
        volumes that ``shape`` delayed by some ``d`` in ``[0, extra_s]`` could meet (the spatial
        and altitude tests are exact, the time test covers every such ``d``).
        """
        tol = self._tolerance_m
        query = query_row(shape, tol, extra_s)
        found: list[tuple[int, _Entry]] = []
        geometry = None
        for bucket in self._buckets.overlapping(shape.start_s, shape.end_s + extra_s):
            rows = bucket.survivors(query)
            if not len(rows):
                continue
            geometry = geometry if geometry is not None else shape.outline
            rows = rows[bucket.outlines_meet(rows, geometry, shape.radius_m + tol)]
            found += [(k, self._entries[k]) for k in bucket.keys[rows].tolist()]
        found.sort(key=lambda pair: pair[0])
        return [entry for _, entry in found]

    def candidates(self, box: tuple[float, ...]) -> Iterator[tuple[str, int, VolumeShape]]:
        """Indexed volumes whose padded boxes overlap ``box`` (prefilter only, not exact)."""
        x0, y0, z0, t0, x1, y1, z1, t1 = box
        tol = self._tolerance_m
        query = np.array([x1 + tol, y1 + tol, z1 + tol, t1, -x0, -y0, -z0, -t0])
        for bucket in self._buckets.overlapping(t0, t1):
            for key in bucket.keys[bucket.survivors(query)].tolist():
                entry = self._entries[key]
                yield entry.intent_id, entry.volume_index, entry.shape

    def clear(self) -> None:
        """Drop everything (the projection is kept)."""
        self._buckets = Buckets(BUCKET_WIDTH_S, LONG_VOLUME_S)
        self._entries.clear()
        self._rows.clear()
        self._keys.clear()
