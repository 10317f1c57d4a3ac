"""Start and goal against a layer: inside a building, within its margin, or clear.

A layer's obstacles are slightly conservative, so an endpoint may lie inside them while truly
clear of every building. Such an endpoint gets an exact segment test for its links (the first
metres, enough to leave the margin, checked against the raw footprints and zones); one truly
within the clearance makes the layer unusable for the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry import Point

from airspace.errors import PlanningError
from airspace.frames import FloatArray
from airspace.planner.layer import Layer
from airspace.planner.search import SegmentTest, Tests
from airspace.planner.zoneview import ZoneView

if TYPE_CHECKING:
    from airspace.planner.planner import Planner

__all__ = ["EndpointTests"]

# exact test this far past the margin: a link leaving at a grazing angle along a wall stays
# inside the (sub-metre) margin for tens of metres, and a shorter exact stretch blocked it
_ESCAPE_M = 60.0


class EndpointTests:
    """Segment tests for the start's and goal's links, per layer (cached for the request)."""

    def __init__(self, planner: Planner, zones: ZoneView) -> None:
        self.planner = planner
        self.zones = zones
        self.ends = zones.ends
        self._tests: dict[int, Tests | None] = {}

    def check_inside_buildings(self) -> None:
        """Raise when start or goal is inside a building (below its roof)."""
        city = self.planner.city
        for name, pt, amsl in (
            ("start", self.ends.s, self.ends.s_amsl_m),
            ("goal", self.ends.g, self.ends.g_amsl_m),
        ):
            for b in city.buildings_at(float(pt[0]), float(pt[1])):
                if amsl < b.top_amsl_m - 1e-6:
                    raise PlanningError(f"{name} is inside building {b.id}")

    def tests(self, layer: Layer, alt_amsl_m: float) -> Tests | None:
        """Segment tests for the start's and goal's links, or ``None`` if one is blocked.

        An endpoint outside the layer's (conservative) obstacles uses the layer's test; one
        inside their margin but truly clear of the raw buildings uses the exact raw test; one
        truly within the clearance makes the layer unusable.
        """
        if id(layer) in self._tests:
            return self._tests[id(layer)]
        tests: list[SegmentTest | None] = []
        for name, pt in (("start", self.ends.s), ("goal", self.ends.g)):
            if not layer.contains(float(pt[0]), float(pt[1])):
                tests.append(None)
            elif self._raw_clear(pt, alt_amsl_m):
                tests.append(self._escape_test(layer, alt_amsl_m, pt))
            else:
                self.zones.blocked_reasons.append(
                    f"{name} is within clearance of a building at {alt_amsl_m:.0f} m AMSL"
                )
                self._tests[id(layer)] = None
                return None
        self._tests[id(layer)] = (tests[0], tests[1])
        return self._tests[id(layer)]

    def _raw_clear(self, pt: FloatArray, alt_amsl_m: float) -> bool:
        mask = self.planner.obstacle_mask(alt_amsl_m)
        h_m = self.planner.clearances.horizontal_m
        near = self.planner.city.tree.query(Point(pt), predicate="dwithin", distance=h_m)
        extra = self.zones.extra_at(alt_amsl_m)
        inside_zone = extra is not None and extra.intersects(Point(pt))
        return not bool(mask[near].any()) and not inside_zone

    def _escape_test(self, layer: Layer, alt_amsl_m: float, pt: FloatArray) -> SegmentTest:
        """Test for links from ``pt``, an endpoint inside the layer's conservative margin.

        The first ``escape`` metres of each link (enough to leave the margin, even along a
        wall) are checked exactly against the raw footprints and zones; the rest against the
        layer as usual.
        """
        city = self.planner.city
        mask = self.planner.obstacle_mask(alt_amsl_m)
        h_m = self.planner.clearances.horizontal_m
        extra = self.zones.extra_at(alt_amsl_m)
        escape_m = float(shapely.distance(Point(pt), layer.obstacles.boundary)) + _ESCAPE_M
        close = city.tree.query(Point(pt), predicate="dwithin", distance=h_m + escape_m + 1)
        local = shapely.union_all(city.footprints_local[close[mask[close]]])
        shapely.prepare(local)

        def blocked(a: FloatArray, b: FloatArray) -> np.ndarray:
            length = np.hypot(*(b - a).T)
            cut = np.minimum(escape_m, length)
            mid = a + (b - a) * (cut / np.maximum(length, 1e-9))[:, None]
            near = shapely.linestrings(np.stack([a, mid], axis=1))
            out = np.asarray(shapely.dwithin(local, near, h_m), dtype=np.bool_)
            if extra is not None:
                out = out | np.asarray(shapely.intersects(extra, near), dtype=np.bool_)
            rest = length > escape_m
            out[rest] |= layer.blocked(mid[rest], b[rest])
            return out

        return blocked
