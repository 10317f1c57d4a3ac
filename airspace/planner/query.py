"""One planning request: search the cached layers cheapest-first, each under a budget.

For each layer, in increasing order of its lower bound (climb + straight line + descent), the
exact shortest path of that layer's graph is searched, confined to the ellipse of paths that
could still beat the best found so far, and the search stops as soon as the best cost is below
the next lower bound; a layer whose obstacles near that ellipse are those of the layer below is
skipped. The chosen path is then flown as low as the raw buildings along it allow (never below
the minimum cruise height), which can only make it cheaper. (Capping the first searches at a
few percent above the straight line and widening was measured slower: the failed rounds repeat
the goal-side visibility tests.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry import LineString

from airspace.errors import PlanningError
from airspace.frames import FloatArray
from airspace.planner.endpoints import EndpointTests
from airspace.planner.layer import Layer
from airspace.planner.profile import VehicleProfile
from airspace.planner.routing import RouteBuilder
from airspace.planner.search import SightMemo, shortest_path
from airspace.planner.zoneview import Endpoints, ZoneView
from airspace.route import Route
from airspace.zones import Zone

if TYPE_CHECKING:
    from airspace.planner.planner import Planner

__all__ = ["Point3", "Query"]

Point3 = tuple[float, float, float]


@dataclass(frozen=True)
class _Best:
    cost_s: float
    alt_amsl_m: float
    path: FloatArray


class Query:
    """One planning request: endpoints in the local frame, zones, search over layers."""

    def __init__(
        self,
        planner: Planner,
        start: Point3,
        goal: Point3,
        profile: VehicleProfile,
        departure: datetime,
        zones: list[Zone],
        permits: frozenset[str],
    ) -> None:
        self.p = planner
        self.city = planner.city
        self.profile = profile
        self.departure = departure
        frame = self.city.frame
        self.ends = Endpoints(
            np.array(frame.to_local(start[0], start[1]), dtype=np.float64),
            np.array(frame.to_local(goal[0], goal[1]), dtype=np.float64),
            self.city.ground_amsl_m(start[0], start[1]) + start[2],
            self.city.ground_amsl_m(goal[0], goal[1]) + goal[2],
            (start[0], start[1]),
        )
        self.s, self.g = self.ends.s, self.ends.g
        estimate_s = 2.0 * self.ends.direct_m / profile.cruise_speed_mps + 2.0 * 150.0 / min(
            profile.climb_rate_mps, profile.descent_rate_mps
        )
        span = (departure, departure + timedelta(seconds=estimate_s))
        self.blocked_reasons: list[str] = []
        self.zones = ZoneView(planner, self.ends, zones, permits, span, self.blocked_reasons)
        self.endpoints = EndpointTests(planner, self.zones)
        self.memo = SightMemo()  # what start and goal see, per layer (widening re-searches)

    def check_endpoints(self) -> None:
        """Raise :class:`PlanningError` when start or goal is in a building or a zone."""
        self.endpoints.check_inside_buildings()
        self.zones.check_endpoints()

    # -- layers ------------------------------------------------------------------------------

    def lower_bound_s(self, alt_amsl_m: float, direct_m: float) -> float:
        """Climb + ``direct_m`` at cruise speed + descent, for a cruise at ``alt_amsl_m``."""
        pr = self.profile
        return (
            pr.vertical_s(alt_amsl_m - self.ends.s_amsl_m)
            + direct_m / pr.cruise_speed_mps
            + pr.vertical_s(self.ends.g_amsl_m - alt_amsl_m)
        )

    def usable_layer(self, alt_amsl_m: float) -> Layer | None:
        """The layer at this altitude, or ``None`` when start or goal is inside its obstacles."""
        layer = self.zones.layer_for(alt_amsl_m)
        if layer is None or self.endpoints.tests(layer, alt_amsl_m) is None:
            return None
        return layer

    def _direct_at(self, alt_amsl_m: float) -> bool:
        layer = self.usable_layer(alt_amsl_m)
        if layer is None:
            return False
        tests = self.endpoints.tests(layer, alt_amsl_m) or (None, None)
        test = tests[0] or tests[1] or layer.blocked
        return not test(self.s[None, :], self.g[None, :])[0]

    def _first_direct(self, order: list[float]) -> _Best | None:
        """The cheapest layer where the straight line is free (an upper bound to start from).

        Without zones, obstacles only shrink with altitude, so a binary search over the
        ascending altitudes finds the lowest free one.
        """
        if self.zones.areas or order != sorted(order):
            free = next((alt for alt in order if self._direct_at(alt)), None)
        else:
            lo, hi = 0, len(order)
            while lo < hi:
                mid = (lo + hi) // 2
                if self._direct_at(order[mid]):
                    hi = mid
                else:
                    lo = mid + 1
            free = order[lo] if lo < len(order) else None
        return None if free is None else self._cost(free, np.stack([self.s, self.g]))

    def _avoid_far_zones(
        self, alt_amsl_m: float, path: FloatArray | None, budget_m: float
    ) -> FloatArray | None:
        """Re-plan inside the zone window when a cached layer's path crossed a zone."""
        extra = self.zones.extra_at(alt_amsl_m)
        if path is None or extra is None or not LineString(path).intersects(extra):
            return path
        layer = self.zones.layer_for(alt_amsl_m, confine=True)
        tests = None if layer is None else self.endpoints.tests(layer, alt_amsl_m)
        if layer is None or tests is None:
            return None
        return shortest_path(layer, self.s, self.g, budget_m, tests=tests)

    def _same_nearby(self, below_m: float, alt_amsl_m: float, budget_m: float) -> bool:
        """True when no building dropping out between the two layers is near the ellipse.

        Then the layer at ``alt_amsl_m`` has the same obstacles as the one below inside the
        ellipse of paths shorter than ``budget_m``, so its best path there is no shorter and,
        flying higher, it cannot win.
        """
        gone = self.p.dropping_out(below_m, alt_amsl_m)
        if len(gone) == 0:
            return True
        centres, radii = self.p.building_discs
        c, r = centres[gone], radii[gone] + self.p.clearances.horizontal_m + 3.0
        reach = np.hypot(*(c - self.s).T) + np.hypot(*(c - self.g).T) - 2.0 * r
        return not bool((reach <= budget_m).any())

    def _cost(self, alt_amsl_m: float, path: FloatArray) -> _Best:
        length = float(np.sum(np.hypot(*np.diff(path, axis=0).T)))
        return _Best(self.lower_bound_s(alt_amsl_m, length), alt_amsl_m, path)

    # -- search ------------------------------------------------------------------------------

    def _search_layers(self, order: list[float], best: _Best | None) -> _Best | None:
        """The best path over the layers, each searched only for paths cheaper than ``best``."""
        chain = order == sorted(order) and not self.zones.areas  # obstacles shrink going up
        prev: float | None = None
        for alt in order:
            if best is not None and alt == best.alt_amsl_m:
                break  # every remaining layer is higher, hence dearer, than a straight line here
            budget_s = math.inf if best is None else best.cost_s - self.lower_bound_s(alt, 0.0)
            if budget_s <= 0:
                break
            budget_m = budget_s * self.profile.cruise_speed_mps
            if chain and prev is not None and self._same_nearby(prev, alt, budget_m):
                prev = alt  # same obstacles where a winning path could go: cannot do better
                continue
            layer = self.usable_layer(alt)
            prev = alt if layer is not None else None
            if layer is None or budget_m < self.ends.direct_m:
                continue
            tests = self.endpoints.tests(layer, alt) or (None, None)
            path = shortest_path(
                layer,
                self.s,
                self.g,
                budget_m,
                direct_known_blocked=True,
                tests=tests,
                memo=self.memo,
            )
            path = self._avoid_far_zones(alt, path, budget_m)
            if path is not None:
                found = self._cost(alt, path)
                if best is None or found.cost_s < best.cost_s:
                    best = found
        return best

    def best(self, levels: list[float], min_cruise_agl_m: float, *, lower: bool = True) -> Route:
        """The cheapest route over ``levels`` (cruise altitudes AMSL).

        Raises:
            PlanningError: no layer has a path; the message says why.
        """
        order = sorted(levels, key=lambda a: self.lower_bound_s(a, 0.0))
        best = self._search_layers(order, self._first_direct(order))
        if best is None:
            raise PlanningError(self._explain(levels))
        builder = RouteBuilder(self.city, self.profile, self.departure)
        floor_amsl = self.p.ground_high_amsl_m + min_cruise_agl_m
        alt = best.alt_amsl_m
        if lower:
            alt = self._lowest_safe(best.path, alt, floor_amsl)
        return builder.build(best.path, alt, self.ends.s_amsl_m, self.ends.g_amsl_m)

    def _lowest_safe(self, path: FloatArray, alt_amsl_m: float, floor_amsl_m: float) -> float:
        """Lowest altitude in [floor, alt] at which ``path`` keeps clear of the raw buildings."""
        if self.zones.areas:
            return alt_amsl_m  # zone bands make lowering non-monotone: keep the layer
        tall, tree = self.p.tall_tree(floor_amsl_m)
        segments = shapely.linestrings(np.stack([path[:-1], path[1:]], axis=1))
        _, near = tree.query(segments, predicate="dwithin", distance=self.p.clearances.horizontal_m)
        tops = self.city.tops_amsl_m[tall[near]] + self.p.clearances.vertical_m
        needed = max([floor_amsl_m, *tops.tolist()])
        return float(min(alt_amsl_m, needed))

    def _explain(self, levels: list[float]) -> str:
        if self.blocked_reasons and len(self.blocked_reasons) >= len(levels):
            return "every cruise altitude is blocked: " + "; ".join(
                sorted(set(self.blocked_reasons))[:3]
            )
        return (
            f"no path between start and goal at any of {len(levels)} cruise altitudes "
            f"({levels[0]:.0f}-{levels[-1]:.0f} m AMSL): "
            "every layer is blocked by buildings or zones"
        )
