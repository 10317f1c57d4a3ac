"""An independent exact check of 4D volumes meeting, for audits of what flew.

The booking path decides conflicts with the deconfliction engine (its spatio-temporal index,
its own outline geometry and tolerances). An audit that used the same code could not catch a
bug in it, so this module shares none of it: each outline is projected with pyproj into an
azimuthal equidistant frame centred on the pair being compared (metres, no UTM-zone seams),
circles become shapely discs (0.05 m segments at most), and two volumes meet when their time
windows overlap, their W84 altitude bands overlap, and their outlines come within ``tol_m``.

>>> from datetime import datetime, UTC
>>> from airspace.intents import Circle, Volume4D
>>> t0, t1 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC)
>>> a = Volume4D(Circle(139.70, 35.69, 50.0), 40.0, 90.0, t0, t1)
>>> b = Volume4D(Circle(139.7011, 35.69, 50.0), 80.0, 120.0, t0, t1)  # ~99 m east
>>> volumes_meet(a, b)
True
>>> volumes_meet(a, Volume4D(Circle(139.7012, 35.69, 50.0), 80.0, 120.0, t0, t1))  # ~108 m
False
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache

import shapely
from pyproj import CRS, Transformer

from airspace.intents import OperationalIntent
from airspace.intents.volume import Circle, Polygon, Volume4D

TOLERANCE_M = 0.01


@lru_cache(maxsize=256)
def _aeqd(lon0_deg: float, lat0_deg: float) -> Transformer:
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0_deg} +lon_0={lon0_deg} +datum=WGS84 +units=m")
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _centre(v: Volume4D) -> tuple[float, float]:
    if isinstance(v.outline, Circle):
        return v.outline.center_lon_deg, v.outline.center_lat_deg
    lons, lats = zip(*v.outline.vertices_lonlat_deg, strict=True)
    return sum(lons) / len(lons), sum(lats) / len(lats)


def _shape(v: Volume4D, to_m: Transformer) -> shapely.Geometry:
    outline = v.outline
    if isinstance(outline, Circle):
        x, y = to_m.transform(outline.center_lon_deg, outline.center_lat_deg)
        quad_segs = max(8, math.ceil(math.pi * outline.radius_m / 2 / 0.05))
        return shapely.Point(x, y).buffer(outline.radius_m, quad_segs=min(quad_segs, 4096))
    assert isinstance(outline, Polygon)
    lons, lats = zip(*outline.vertices_lonlat_deg, strict=True)
    xs, ys = to_m.transform(lons, lats)
    return shapely.Polygon(zip(xs, ys, strict=True)).buffer(0)


def _overlap(lo1: float, hi1: float, lo2: float, hi2: float) -> bool:
    return lo1 < hi2 and lo2 < hi1


def volumes_meet(a: Volume4D, b: Volume4D, tol_m: float = TOLERANCE_M) -> bool:
    """Whether ``a`` and ``b`` share a moment, an altitude and a place (within ``tol_m``)."""
    if not (a.time_start < b.time_end and b.time_start < a.time_end):
        return False
    if not _overlap(
        a.altitude_lower_w84_m,
        a.altitude_upper_w84_m,
        b.altitude_lower_w84_m,
        b.altitude_upper_w84_m,
    ):
        return False
    lon0, lat0 = _centre(a)
    to_m = _aeqd(round(lon0, 4), round(lat0, 4))
    return bool(shapely.distance(_shape(a, to_m), _shape(b, to_m)) <= tol_m)


def cut_at(intent: OperationalIntent, end: datetime | None) -> tuple[Volume4D, ...]:
    """All the intent's volumes (nominal and off-nominal) as flown until ``end``."""
    out = []
    for v in intent.all_volumes:
        if end is not None and v.time_start >= end:
            continue
        out.append(v if end is None or v.time_end <= end else _ending(v, end))
    return tuple(out)


def _ending(v: Volume4D, end: datetime) -> Volume4D:
    return Volume4D(v.outline, v.altitude_lower_w84_m, v.altitude_upper_w84_m, v.time_start, end)


def meeting_pairs(
    intents: Sequence[OperationalIntent],
    ended_at: Mapping[str, datetime] | None = None,
    tol_m: float = TOLERANCE_M,
) -> list[tuple[str, str]]:
    """Distinct pairs of intent ids (sorted) whose volumes meet, each cut where it ended.

    Every pair of volumes of two different intents is compared (after a cheap time and
    altitude test): quadratic, meant for the few hundred volumes of a day's audit.
    """
    ends = ended_at or {}
    flown = [(i.id, v) for i in intents for v in cut_at(i, ends.get(i.id))]
    pairs: set[tuple[str, str]] = set()
    for k, (id_a, a) in enumerate(flown):
        for id_b, b in flown[k + 1 :]:
            if id_a == id_b or tuple(sorted((id_a, id_b))) in pairs:
                continue
            if volumes_meet(a, b, tol_m):
                pairs.add((min(id_a, id_b), max(id_a, id_b)))
    return sorted(pairs)
