"""Time buckets of volume rows in numpy arrays: the vectorised prefilter of the index.

A volume is one row of a bucket chosen by its start time (``floor(start_s / width_s)``), or of the
*long* bucket when it lasts longer than ``long_s``. Each row stores the eight numbers of the
prefilter in a form where "may conflict" is ``row <= query`` in every column (maxima are stored
negated, the tolerance already added), so a whole bucket is tested with one broadcast
comparison. The comparisons are the same floating-point expressions as the exact test's
(:meth:`VolumeShape.overlaps_in_time_and_altitude` and :meth:`VolumeShape.boxes_meet`), so a row
rejected here is a pair the exact test rejects too; survivors still go through the exact outline
test. Not thread-safe: the engine serialises access.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from airspace.deconfliction.geometry import VolumeShape

LONG = -(2**62)
"""Bucket id of the volumes longer than the index's ``long_s`` (scanned by every query)."""

FloatRows = npt.NDArray[np.float64]
ALL_PASS = np.frombuffer(bytes([1] * 8), dtype=np.uint64)[0]
"""Eight ``True`` bytes read as one 64-bit word (any byte order)."""


def stored_row(shape: VolumeShape, tolerance_m: float) -> list[float]:
    """The eight prefilter numbers of an indexed volume (maxima negated, tolerance added)."""
    x0, y0, x1, y1 = shape.xy_box
    return [
        x0,
        y0,
        shape.lower_m,
        shape.start_s,
        -(x1 + tolerance_m),
        -(y1 + tolerance_m),
        -(shape.upper_m + tolerance_m),
        -shape.end_s,
    ]


def query_row(shape: VolumeShape, tolerance_m: float, extra_s: float = 0.0) -> FloatRows:
    """The bounds a stored row must not exceed to possibly meet ``shape``.

    Times are half-open (strict comparisons become ``<=`` the next float down); ``extra_s``
    extends the query's end (the volume shifted by any delay up to ``extra_s``).
    """
    x0, y0, x1, y1 = shape.xy_box
    end_s = shape.end_s + extra_s
    return np.array(
        [
            x1 + tolerance_m,
            y1 + tolerance_m,
            shape.upper_m + tolerance_m,
            math.nextafter(end_s, -math.inf),
            -x0,
            -y0,
            -shape.lower_m,
            -math.nextafter(shape.start_s, math.inf),
        ]
    )


class Bucket:
    """Growable arrays of rows: prefilter numbers, keys, outlines and inflation radii."""

    __slots__ = ("geoms", "keys", "max_duration_s", "n", "radii", "rows")

    def __init__(self, capacity: int = 16) -> None:
        self.rows: FloatRows = np.empty((capacity, 8))
        self.keys = np.empty(capacity, dtype=np.int64)
        self.geoms = np.empty(capacity, dtype=object)
        self.radii = np.empty(capacity)
        self.n = 0
        self.max_duration_s = 0.0

    def append(self, key: int, shape: VolumeShape, tolerance_m: float) -> int:
        """Store ``shape`` under ``key``; returns its row."""
        if self.n == len(self.keys):
            self._grow()
        row = self.n
        self.rows[row] = stored_row(shape, tolerance_m)
        self.keys[row] = key
        self.geoms[row] = shape.geometry
        self.radii[row] = shape.radius_m
        self.max_duration_s = max(self.max_duration_s, shape.end_s - shape.start_s)
        self.n += 1
        return row

    def pop(self, row: int) -> int | None:
        """Delete ``row`` by moving the last row into it; returns the moved key (or ``None``)."""
        last = self.n - 1
        moved = None
        if row != last:
            for array in (self.rows, self.keys, self.geoms, self.radii):
                array[row] = array[last]
            moved = int(self.keys[row])
        self.geoms[last] = None
        self.n = last
        return moved

    def survivors(self, query: FloatRows) -> npt.NDArray[np.intp]:
        """Rows that pass the prefilter against ``query`` (see :func:`query_row`)."""
        passed = self.rows[: self.n] <= query  # C-contiguous (n, 8) booleans
        # a row passes iff its eight bytes are all 1: one 64-bit compare per row
        return np.flatnonzero(passed.view(np.uint64).ravel() == ALL_PASS)

    def outlines_meet(
        self, rows: npt.NDArray[np.intp], geometry: BaseGeometry, reach_m: float
    ) -> npt.NDArray[np.bool_]:
        """Exact outline test of ``rows`` against ``geometry`` (radii added to ``reach_m``)."""
        reach: FloatRows = reach_m + self.radii[rows]
        # the stored outlines are prepared: they go first
        met = shapely.dwithin(self.geoms[rows], geometry, reach)  # type: ignore[call-overload]
        return np.asarray(met, dtype=np.bool_)

    def _grow(self) -> None:
        capacity = 2 * len(self.keys)
        rows: FloatRows = np.empty((capacity, 8))
        rows[: self.n] = self.rows
        keys = np.empty(capacity, dtype=np.int64)
        keys[: self.n] = self.keys
        geoms = np.empty(capacity, dtype=object)
        geoms[: self.n] = self.geoms
        radii = np.empty(capacity)
        radii[: self.n] = self.radii
        self.rows, self.keys, self.geoms, self.radii = rows, keys, geoms, radii


class Buckets:
    """Every bucket of an index, with the bucket ids a time window has to visit."""

    def __init__(self, width_s: float, long_s: float) -> None:
        self.width_s = width_s
        self.long_s = long_s
        self.by_id: dict[int, Bucket] = {}

    def bucket_id(self, shape: VolumeShape) -> int:
        """Where ``shape`` is stored."""
        if shape.end_s - shape.start_s > self.long_s:
            return LONG
        return math.floor(shape.start_s / self.width_s)

    def bucket(self, bucket_id: int) -> Bucket:
        """The bucket ``bucket_id``, created when absent."""
        found = self.by_id.get(bucket_id)
        if found is None:
            found = self.by_id[bucket_id] = Bucket()
        return found

    def overlapping(self, start_s: float, end_s: float) -> Iterator[Bucket]:
        """Buckets that may hold a volume overlapping ``[start_s, end_s]``."""
        width = self.width_s
        # one second of slack on each side absorbs the rounding of ``floor(start_s / width)``
        first = math.floor((start_s - self.long_s - 1.0) / width)
        last = math.floor((end_s + 1.0) / width)
        ids: Iterable[int] = range(first, last + 1)
        if last - first > len(self.by_id):  # a very long window: walk the buckets that exist
            ids = sorted(k for k in self.by_id if first <= k <= last)
        for k in ids:
            bucket = self.by_id.get(k)
            if bucket is None or not bucket.n:
                continue
            if (k + 1) * width + bucket.max_duration_s + 1.0 >= start_s:
                yield bucket
        long = self.by_id.get(LONG)
        if long is not None and long.n:
            yield long
