"""The prepared 3D route planner: layers of visibility graphs, searched best-first by time.

A route is a take-off column at the start, a horizontal path at one cruise altitude, and a
landing column at the goal. Cruise altitudes are a grid of ``layer_step_m`` from the minimum
cruise height to the ceiling (AGL is measured from the highest ground of the city for the floor
and from the lowest for the ceiling, so both hold everywhere). Each layer's obstacles and
visibility graph are built once and cached (:meth:`Planner.prepare` builds them all).

A request (:class:`airspace.planner.query.Query`) searches the layers cheapest-first under a
rising cost cap; zones are laid over the cached layers (:mod:`airspace.planner.zoneview`), and
endpoints inside a layer's conservative margin get exact link tests
(:mod:`airspace.planner.endpoints`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from functools import cached_property

import numpy as np
import shapely

from airspace.city.model import City
from airspace.errors import PlanningError
from airspace.frames import FloatArray
from airspace.planner.layer import ARC_SEGMENTS, Layer, build_layer
from airspace.planner.profile import Clearances, VehicleProfile
from airspace.planner.query import Point3, Query
from airspace.route import Route
from airspace.zones import Zone

__all__ = ["Planner", "plan_route"]

# above this many buildings, coarser outlines (mitre joins, 1 m) keep the graphs small: the
# fine ones cost 2.5x the preprocessing and 1.6x the query time on a 50,000-building city
FINE_MAX_BUILDINGS = 20_000
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
        simplify_m: outward simplification of obstacle outlines; ``None`` picks by city size
            (0.3 m up to ``FINE_MAX_BUILDINGS`` buildings, else 1 m).
        arc_segments: round-join segments per quarter circle of the buffers, 0 for mitre
            joins; ``None`` picks by city size (16, else 0).
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
        simplify_m: float | None = None,
        arc_segments: int | None = None,
        zone_window_m: float = 800.0,
    ) -> None:
        self.city = city
        self.clearances = clearances
        self.layer_step_m = layer_step_m
        self.min_cruise_agl_m = min_cruise_agl_m
        self.ceiling_agl_m = ceiling_agl_m
        fine = len(city.buildings) <= FINE_MAX_BUILDINGS
        self.simplify_m = simplify_m if simplify_m is not None else (0.3 if fine else 1.0)
        self.arc_segments = (
            arc_segments if arc_segments is not None else (ARC_SEGMENTS if fine else 0)
        )
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

    def obstacle_mask(self, alt_amsl_m: float) -> np.ndarray:
        """Which buildings are obstacles at this cruise altitude (roof + clearance above it)."""
        return np.asarray(self.city.tops_amsl_m + self.clearances.vertical_m > alt_amsl_m)

    def layer(self, alt_amsl_m: float) -> Layer:
        """The cached layer at this cruise altitude (layers with the same obstacles are shared)."""
        if alt_amsl_m not in self._layers:
            mask = self.obstacle_mask(alt_amsl_m)
            key = np.packbits(mask).tobytes()
            if key not in self._by_mask:
                self._by_mask[key] = build_layer(
                    self.city.footprints_local[mask],
                    alt_amsl_m,
                    self.clearances.horizontal_m,
                    simplify_m=self.simplify_m,
                    arc_segments=self.arc_segments,
                ).warm()
            self._layers[alt_amsl_m] = self._by_mask[key]
        return self._layers[alt_amsl_m]

    @cached_property
    def tops_order(self) -> tuple[np.ndarray, FloatArray]:
        """Building indices by increasing roof + vertical clearance, and those heights."""
        tops = self.city.tops_amsl_m + self.clearances.vertical_m
        order = np.argsort(tops, kind="stable")
        return order, tops[order]

    def dropping_out(self, below_amsl_m: float, alt_amsl_m: float) -> np.ndarray:
        """Buildings that are obstacles at ``below_amsl_m`` but no longer at ``alt_amsl_m``."""
        order, tops = self.tops_order
        lo, hi = np.searchsorted(tops, [below_amsl_m, alt_amsl_m], side="right")
        return order[lo:hi]

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
            tall = np.flatnonzero(self.obstacle_mask(floor_amsl_m))
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
        query = Query(self, start, goal, profile, departure, list(zones), permits)
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
