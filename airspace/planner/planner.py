"""The prepared 3D route planner: layers of visibility graphs, searched best-first by time.

A route is a take-off column at the start, a horizontal path at one cruise altitude, and a
landing column at the goal. Cruise altitudes are a grid of ``layer_step_m`` from the minimum
cruise height to the ceiling (AGL is measured from the highest ground of the city for the floor
and from the lowest for the ceiling, so both hold everywhere). Each layer's obstacles and
visibility graph are built once and cached (:meth:`Planner.prepare` builds them all).

A query computes, for each layer in increasing order of its lower bound (climb + straight line +
descent), the exact shortest path of that layer's graph, and stops as soon as the best cost
found is below the next lower bound. The chosen path is then flown as low as the raw buildings
along it allow (never below the minimum cruise height), which can only make it cheaper.

Zones: those that apply (kind, permits, time window overlapping the estimated flight span
``[departure, departure + estimate]``, re-checked against the actual span) and whose altitude
band contains the layer become extra obstacles, laid over the cached layer for the query
(:func:`airspace.planner.overlay.with_zones`: its visibility graph is reused, only the zone
vertices' edges are added) when a zone is within ``zone_window_m`` of start and goal or the
cached layer's path crosses one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from airspace.city.model import City
from airspace.errors import PlanningError
from airspace.frames import FloatArray, geoid_height_m
from airspace.planner.layer import Layer, build_layer
from airspace.planner.overlay import with_zones
from airspace.planner.profile import Clearances, VehicleProfile
from airspace.planner.routing import RouteBuilder
from airspace.planner.search import SegmentTest, shortest_path
from airspace.route import AltitudeReference, Route
from airspace.zones import Zone, ZoneKind

__all__ = ["Planner", "plan_route"]

_ZONE_REACH_M = 5000.0  # zones farther than this from start and goal are ignored

Point3 = tuple[float, float, float]
Tests = tuple[SegmentTest | None, SegmentTest | None]
DEFAULT_CLEARANCES = Clearances()
DEFAULT_PROFILE = VehicleProfile()


class Planner:
    """A planner prepared for one city and one set of clearances.

    Args:
        city: the buildings.
        clearances: horizontal and vertical clearance from buildings.
        layer_step_m: spacing of the cruise altitude grid.
        min_cruise_agl_m: lowest layer built by :meth:`prepare`.
        ceiling_agl_m: highest layer built by :meth:`prepare`.
        simplify_m: outward simplification of obstacle outlines.
        zone_window_m: zones this close to start and goal are laid over a layer up front.
    """

    def __init__(
        self,
        city: City,
        clearances: Clearances = DEFAULT_CLEARANCES,
        *,
        layer_step_m: float = 10.0,
        min_cruise_agl_m: float = 30.0,
        ceiling_agl_m: float = 150.0,
        simplify_m: float = 0.2,
        zone_window_m: float = 800.0,
    ) -> None:
        self.city = city
        self.clearances = clearances
        self.layer_step_m = layer_step_m
        self.min_cruise_agl_m = min_cruise_agl_m
        self.ceiling_agl_m = ceiling_agl_m
        self.simplify_m = simplify_m
        self.zone_window_m = zone_window_m
        grounds = city.grounds_amsl_m if city.buildings else np.array([city.default_ground_amsl_m])
        self.ground_high_amsl_m = float(grounds.max())
        self.ground_low_amsl_m = float(grounds.min())
        self._layers: dict[float, Layer] = {}
        self._tall: dict[float, tuple[np.ndarray, shapely.STRtree]] = {}
        self._by_mask: dict[bytes, Layer] = {}

    # -- preprocessing -----------------------------------------------------------------------

    def levels_amsl_m(self, min_cruise_agl_m: float, ceiling_agl_m: float) -> list[float]:
        """Cruise altitudes (AMSL) of the grid between the given floor and ceiling."""
        low = self.ground_high_amsl_m + min_cruise_agl_m
        high = self.ground_low_amsl_m + ceiling_agl_m
        if high < low:
            return []
        count = math.floor((high - low) / self.layer_step_m + 1e-9) + 1
        return [round(low + k * self.layer_step_m, 3) for k in range(count)]

    def prepare(self) -> Planner:
        """Build every layer of the default band now (otherwise they are built on first use)."""
        for alt in self.levels_amsl_m(self.min_cruise_agl_m, self.ceiling_agl_m):
            self.layer(alt)
        return self

    def _obstacle_mask(self, alt_amsl_m: float) -> np.ndarray:
        return np.asarray(self.city.tops_amsl_m + self.clearances.vertical_m > alt_amsl_m)

    def layer(self, alt_amsl_m: float) -> Layer:
        """The cached layer at this cruise altitude (layers with the same obstacles are shared)."""
        if alt_amsl_m not in self._layers:
            mask = self._obstacle_mask(alt_amsl_m)
            key = np.packbits(mask).tobytes()
            if key not in self._by_mask:
                self._by_mask[key] = build_layer(
                    self.city.footprints_local[mask],
                    alt_amsl_m,
                    self.clearances.horizontal_m,
                    simplify_m=self.simplify_m,
                )
            self._layers[alt_amsl_m] = self._by_mask[key]
        return self._layers[alt_amsl_m]

    @cached_property
    def building_discs(self) -> tuple[FloatArray, FloatArray]:
        """Centre and radius of a disc around each footprint (bounding-box based)."""
        bounds = shapely.bounds(self.city.footprints_local)
        centres = (bounds[:, :2] + bounds[:, 2:]) / 2.0
        radii = np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / 2.0
        return centres, radii

    def tall_tree(self, floor_amsl_m: float) -> tuple[np.ndarray, shapely.STRtree]:
        """Indices of the buildings reaching above ``floor`` - vertical clearance, their tree."""
        if floor_amsl_m not in self._tall:
            tall = np.flatnonzero(self._obstacle_mask(floor_amsl_m))
            self._tall[floor_amsl_m] = (tall, shapely.STRtree(self.city.footprints_local[tall]))
        return self._tall[floor_amsl_m]

    @property
    def layers(self) -> dict[float, Layer]:
        """The layers built so far, by cruise altitude AMSL."""
        return dict(self._layers)

    # -- queries -----------------------------------------------------------------------------

    def plan(
        self,
        start: Point3,
        goal: Point3,
        profile: VehicleProfile = DEFAULT_PROFILE,
        *,
        departure: datetime,
        zones: Iterable[Zone] = (),
        permits: frozenset[str] = frozenset(),
        clearances: Clearances | None = None,
        ceiling_agl_m: float = 150.0,
        min_cruise_agl_m: float = 30.0,
        cruise_agl_m: float | None = None,
    ) -> Route:
        """Plan the fastest route from ``start`` to ``goal``.

        Args:
            start: (lon, lat, height above ground in metres) of the take-off point.
            goal: (lon, lat, height above ground) of the landing point.
            profile: vehicle performance (speed, climb and descent rates, max altitude).
            departure: take-off time (timezone-aware UTC).
            zones: zones to respect.
            permits: ids of permit-required zones the operator may enter.
            clearances: must equal the planner's (a planner is prepared for one set).
            ceiling_agl_m: highest cruise height above ground (capped by the profile).
            min_cruise_agl_m: lowest cruise height above ground.
            cruise_agl_m: force this cruise height (a single layer, built on demand).

        Returns:
            The route (waypoint altitudes AMSL with the ground under each).

        Raises:
            PlanningError: no route; the message says why.
            ValueError: bad arguments (naive departure, other clearances).
        """
        if departure.tzinfo is None:
            raise ValueError("departure must be timezone-aware UTC")
        if clearances is not None and clearances != self.clearances:
            raise ValueError("this planner was prepared for other clearances")
        query = _Query(self, start, goal, profile, departure, list(zones), permits)
        query.check_endpoints()
        ceiling = min(ceiling_agl_m, profile.max_alt_agl_m)
        if cruise_agl_m is not None:
            if not min_cruise_agl_m <= cruise_agl_m <= ceiling:
                raise PlanningError(
                    f"cruise height {cruise_agl_m} m is outside "
                    f"[{min_cruise_agl_m}, {ceiling}] m AGL"
                )
            levels = [round(self.ground_high_amsl_m + cruise_agl_m, 3)]
        else:
            levels = self.levels_amsl_m(min_cruise_agl_m, ceiling)
        if not levels:
            raise PlanningError(
                f"no cruise altitude between {min_cruise_agl_m} and {ceiling} m AGL"
            )
        return query.best(levels, min_cruise_agl_m, lower=cruise_agl_m is None)


@dataclass(frozen=True)
class _Best:
    cost_s: float
    alt_amsl_m: float
    path: FloatArray


class _Query:
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
        self.start, self.goal = start, goal
        self.profile = profile
        self.departure = departure
        self.zones = zones
        self.permits = permits
        self.s = np.array(self.city.frame.to_local(start[0], start[1]), dtype=np.float64)
        self.g = np.array(self.city.frame.to_local(goal[0], goal[1]), dtype=np.float64)
        self.s_amsl = self.city.ground_amsl_m(start[0], start[1]) + start[2]
        self.g_amsl = self.city.ground_amsl_m(goal[0], goal[1]) + goal[2]
        direct_m = float(np.hypot(*(self.g - self.s)))
        estimate_s = 2.0 * direct_m / profile.cruise_speed_mps + 2.0 * 150.0 / min(
            profile.climb_rate_mps, profile.descent_rate_mps
        )
        self.span = (departure, departure + timedelta(seconds=estimate_s))
        self.blocked_reasons: list[str] = []
        self._tests: dict[int, Tests | None] = {}
        self._zone_layers: dict[float, Layer | None] = {}
        self._extra: dict[float, BaseGeometry | None] = {}
        self.zone_areas = self._relevant_zones(zones)

    # -- endpoints ---------------------------------------------------------------------------

    def check_endpoints(self) -> None:
        for name, pt, amsl in (("start", self.s, self.s_amsl), ("goal", self.g, self.g_amsl)):
            for b in self.city.buildings_at(float(pt[0]), float(pt[1])):
                if amsl < b.top_amsl_m - 1e-6:
                    raise PlanningError(f"{name} is inside building {b.id}")
            for zone in self.zones:
                if zone.kind is ZoneKind.TEMPORARY_RESTRICTION:
                    continue  # may be avoided by its altitude band or its time window
                if zone.applies_to(self.permits, *self.span) and zone.area_local(
                    self.city.frame
                ).contains(Point(pt)):
                    raise PlanningError(
                        f"{name} is in {zone.kind} zone {zone.id} {zone.name}".rstrip()
                    )

    # -- zones -------------------------------------------------------------------------------

    def _band_amsl(self, zone: Zone) -> tuple[float, float]:
        if zone.altitude_reference is AltitudeReference.AMSL:
            return zone.floor_m, zone.ceiling_m
        if zone.altitude_reference is AltitudeReference.AGL:
            return (
                zone.floor_m + self.p.ground_low_amsl_m,
                zone.ceiling_m + self.p.ground_high_amsl_m,
            )
        lon, lat = self.start[0], self.start[1]
        n_m = geoid_height_m(lon, lat)
        return zone.floor_m - n_m - 1.0, zone.ceiling_m - n_m + 1.0

    def _relevant_zones(self, zones: list[Zone]) -> list[tuple[Zone, BaseGeometry]]:
        """Applicable zones near the flight (within ``_ZONE_REACH_M`` of start or goal)."""
        reach = LineString([self.s, self.g]).buffer(_ZONE_REACH_M)
        out: list[tuple[Zone, BaseGeometry]] = []
        for zone in zones:
            if not zone.applies_to(self.permits, *self.span):
                continue
            area = zone.area_local(self.city.frame)
            if area.intersects(reach):
                out.append((zone, area.buffer(0.5, join_style="mitre")))
        return out

    def zone_obstacles(self, alt_amsl_m: float, low_amsl_m: float) -> BaseGeometry | None:
        """Union of the zone areas blocking a cruise at ``alt_amsl_m`` (columns from below)."""
        areas = []
        for zone, area in self.zone_areas:
            floor, ceiling = self._band_amsl(zone)
            if floor < alt_amsl_m + 1e-6 and ceiling > low_amsl_m - 1e-6:
                areas.append(area)
        return shapely.union_all(areas) if areas else None

    def extra_at(self, alt_amsl_m: float) -> BaseGeometry | None:
        """Zone obstacles at this altitude (cached for the query)."""
        if alt_amsl_m not in self._extra:
            low = min(self.s_amsl, self.g_amsl, alt_amsl_m)
            self._extra[alt_amsl_m] = self.zone_obstacles(alt_amsl_m, low)
        return self._extra[alt_amsl_m]

    def layer_for(self, alt_amsl_m: float, *, confine: bool = False) -> Layer | None:
        """The layer to search: the cached one, or it with the zones laid over (no rebuild).

        Args:
            alt_amsl_m: cruise altitude.
            confine: use the zone layer even when no zone is in the window around start and
                goal (the cached layer's path crossed a zone outside it).
        """
        base = self.p.layer(alt_amsl_m)
        extra = self.extra_at(alt_amsl_m)
        if extra is None:
            return base
        margin = max(self.p.zone_window_m, 0.5 * float(np.hypot(*(self.g - self.s))))
        window = LineString([self.s, self.g]).buffer(margin, cap_style="square", join_style="mitre")
        if not confine and not window.intersects(extra):
            return base
        if alt_amsl_m not in self._zone_layers:  # the whole layer with the zones laid over
            self._zone_layers[alt_amsl_m] = self._zone_layer(alt_amsl_m, extra)
        return self._zone_layers[alt_amsl_m]

    def _zone_layer(self, alt_amsl_m: float, extra: BaseGeometry) -> Layer | None:
        for name, pt in (("start", self.s), ("goal", self.g)):
            if extra.contains(Point(pt)):
                self.blocked_reasons.append(f"{name} is under a zone at {alt_amsl_m:.0f} m AMSL")
                return None
        return with_zones(self.p.layer(alt_amsl_m), extra)

    # -- search ------------------------------------------------------------------------------

    def lower_bound_s(self, alt_amsl_m: float, direct_m: float) -> float:
        pr = self.profile
        return (
            pr.vertical_s(alt_amsl_m - self.s_amsl)
            + direct_m / pr.cruise_speed_mps
            + pr.vertical_s(self.g_amsl - alt_amsl_m)
        )

    def usable_layer(self, alt_amsl_m: float) -> Layer | None:
        """The layer at this altitude, or ``None`` when start or goal is inside its obstacles."""
        layer = self.layer_for(alt_amsl_m)
        if layer is None or self.endpoint_tests(layer, alt_amsl_m) is None:
            return None
        return layer

    def endpoint_tests(self, layer: Layer, alt_amsl_m: float) -> Tests | None:
        """Segment tests for the start's and goal's links, or ``None`` if one is blocked.

        An endpoint outside the layer's (conservative) obstacles uses the layer's test; one
        inside their margin but truly clear of the raw buildings uses the exact raw test; one
        truly within the clearance makes the layer unusable.
        """
        if id(layer) in self._tests:
            return self._tests[id(layer)]
        tests: list[SegmentTest | None] = []
        for name, pt in (("start", self.s), ("goal", self.g)):
            if not layer.contains(float(pt[0]), float(pt[1])):
                tests.append(None)
            elif self._raw_clear(pt, alt_amsl_m):
                tests.append(self._escape_test(layer, alt_amsl_m, pt))
            else:
                self.blocked_reasons.append(
                    f"{name} is within clearance of a building at {alt_amsl_m:.0f} m AMSL"
                )
                self._tests[id(layer)] = None
                return None
        self._tests[id(layer)] = (tests[0], tests[1])
        return self._tests[id(layer)]

    def _raw_clear(self, pt: FloatArray, alt_amsl_m: float) -> bool:
        mask = self.p._obstacle_mask(alt_amsl_m)
        h_m = self.p.clearances.horizontal_m
        near = self.city.tree.query(Point(pt), predicate="dwithin", distance=h_m)
        extra = self.extra_at(alt_amsl_m)
        inside_zone = extra is not None and extra.intersects(Point(pt))
        return not bool(mask[near].any()) and not inside_zone

    def _escape_test(self, layer: Layer, alt_amsl_m: float, pt: FloatArray) -> SegmentTest:
        """Test for links from ``pt``, an endpoint inside the layer's conservative margin.

        The first ``escape`` metres of each link (enough to leave the margin) are checked
        exactly against the raw footprints and zones; the rest against the layer as usual.
        """
        mask = self.p._obstacle_mask(alt_amsl_m)
        h_m = self.p.clearances.horizontal_m
        extra = self.extra_at(alt_amsl_m)
        escape_m = float(shapely.distance(Point(pt), layer.obstacles.boundary)) + 0.5
        close = self.city.tree.query(Point(pt), predicate="dwithin", distance=h_m + escape_m + 1)
        local = shapely.union_all(self.city.footprints_local[close[mask[close]]])
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

    def _direct_at(self, alt_amsl_m: float) -> bool:
        layer = self.usable_layer(alt_amsl_m)
        if layer is None:
            return False
        tests = self.endpoint_tests(layer, alt_amsl_m) or (None, None)
        test = tests[0] or tests[1] or layer.blocked
        return not test(self.s[None, :], self.g[None, :])[0]

    def _first_direct(self, order: list[float]) -> _Best | None:
        """The cheapest layer where the straight line is free (an upper bound to start from).

        Without zones, obstacles only shrink with altitude, so a binary search over the
        ascending altitudes finds the lowest free one.
        """
        if self.zone_areas or order != sorted(order):
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
        extra = self.extra_at(alt_amsl_m)
        if path is None or extra is None or not LineString(path).intersects(extra):
            return path
        layer = self.layer_for(alt_amsl_m, confine=True)
        tests = None if layer is None else self.endpoint_tests(layer, alt_amsl_m)
        if layer is None or tests is None:
            return None
        return shortest_path(layer, self.s, self.g, budget_m, tests=tests)

    def _same_nearby(self, below_m: float, alt_amsl_m: float, budget_m: float) -> bool:
        """True when no building dropping out between the two layers is near the ellipse.

        Then the layer at ``alt_amsl_m`` has the same obstacles as the one below inside the
        ellipse of paths shorter than ``budget_m``, so its best path there is no shorter and,
        flying higher, it cannot win.
        """
        tops = self.city.tops_amsl_m + self.p.clearances.vertical_m
        gone = np.flatnonzero((tops > below_m) & (tops <= alt_amsl_m))
        if len(gone) == 0:
            return True
        centres, radii = self.p.building_discs
        c, r = centres[gone], radii[gone] + self.p.clearances.horizontal_m + 3.0
        reach = np.hypot(*(c - self.s).T) + np.hypot(*(c - self.g).T) - 2.0 * r
        return not bool((reach <= budget_m).any())

    def _cost(self, alt_amsl_m: float, path: FloatArray) -> _Best:
        length = float(np.sum(np.hypot(*np.diff(path, axis=0).T)))
        return _Best(self.lower_bound_s(alt_amsl_m, length), alt_amsl_m, path)

    def best(self, levels: list[float], min_cruise_agl_m: float, *, lower: bool = True) -> Route:
        """Search the layers cheapest-first, each confined to paths that could still win."""
        order = sorted(levels, key=lambda a: self.lower_bound_s(a, 0.0))
        best = self._first_direct(order)
        chain = order == sorted(order) and not self.zone_areas  # obstacles shrink going up
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
            if layer is None:
                continue
            tests = self.endpoint_tests(layer, alt) or (None, None)
            path = shortest_path(
                layer, self.s, self.g, budget_m, direct_known_blocked=True, tests=tests
            )
            path = self._avoid_far_zones(alt, path, budget_m)
            if path is not None:
                found = self._cost(alt, path)
                if best is None or found.cost_s < best.cost_s:
                    best = found
        if best is None:
            raise PlanningError(self._explain(levels))
        builder = RouteBuilder(self.city, self.profile, self.departure)
        floor_amsl = self.p.ground_high_amsl_m + min_cruise_agl_m
        alt = best.alt_amsl_m
        if lower:
            alt = self._lowest_safe(best.path, alt, floor_amsl)
        return builder.build(best.path, alt, self.s_amsl, self.g_amsl)

    def _lowest_safe(self, path: FloatArray, alt_amsl_m: float, floor_amsl_m: float) -> float:
        """Lowest altitude in [floor, alt] at which ``path`` keeps clear of the raw buildings."""
        if self.zone_areas:
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


def plan_route(
    city: City,
    start: Point3,
    goal: Point3,
    profile: VehicleProfile = DEFAULT_PROFILE,
    *,
    departure: datetime,
    clearances: Clearances = DEFAULT_CLEARANCES,
    **kwargs: object,
) -> Route:
    """One-shot planning: build a :class:`Planner` for ``city`` and plan one route.

    Layers are built lazily, so only the altitudes the search visits are prepared. Keyword
    arguments are those of :meth:`Planner.plan`.

    Raises:
        PlanningError: no route exists.
    """
    planner = Planner(city, clearances)
    return planner.plan(start, goal, profile, departure=departure, **kwargs)  # type: ignore[arg-type]
