"""The fix search behind :func:`airspace.deconfliction.fixes.plan_and_reserve`.

Cheap tests come before planner calls: the exact smallest delay from the engine's delay windows;
a busy take-off column (only a delay can help then); for each other cruise height, its climb
column and the first plan's path moved to that height (a screen: the planner's route there
usually keeps the path); a reroute only around few blockers and when its penalty can still beat
the best fix found.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

from airspace.deconfliction.engine import DeconflictionEngine
from airspace.deconfliction.fix_model import (
    Fix,
    FixKind,
    FixSettings,
    FlightRequest,
    PlanRequest,
    RoutePlanner,
)
from airspace.deconfliction.results import Blocker, Conflict
from airspace.errors import PlanningError
from airspace.intents.intent import OperationalIntent, new_intent
from airspace.intents.volume import Circle, Volume4D
from airspace.route import Route
from airspace.volumes import AmslToW84, geoid_amsl_to_w84_m, route_to_volumes


class FixSearch:
    """One flight's search for the least-cost fix (see the module docstring)."""

    def __init__(
        self,
        engine: DeconflictionEngine,
        planner: RoutePlanner,
        request: FlightRequest,
        settings: FixSettings,
        amsl_to_w84: AmslToW84 | None,
    ) -> None:
        self.engine, self.planner, self.request, self.s = engine, planner, request, settings
        self.to_w84 = amsl_to_w84
        self.reason = "no delay, cruise height or route within the limits"

    def fix(self, kind: FixKind, route: Route, base: Fix | None = None) -> Fix:
        volumes = route_to_volumes(route, self.s.volumes, amsl_to_w84=self.to_w84)
        if base is None:
            return Fix(kind, route, volumes)
        penalty = (
            self.s.altitude_penalty_s if kind is FixKind.ALTITUDE else self.s.reroute_penalty_s
        )
        late_s = max(0.0, (route.arrival - base.route.arrival).total_seconds())
        return Fix(kind, route, volumes, 0.0, late_s + penalty)

    def intent(self, fix: Fix) -> OperationalIntent:
        r = self.request
        return new_intent(r.intent_id, r.operator_id, fix.volumes, priority=r.priority)

    def free(self, fix: Fix) -> bool:
        return not self.engine.find_conflicts(fix.volumes, priority=self.request.priority)

    def best(self, base: Fix, conflict: Conflict) -> Fix | None:
        best = self.delay(base)
        if self.column_blockers(base):
            # every route leaving this point at this time meets them: only a delay can help
            self.reason = "the take-off point is busy at departure and no delay frees it"
            return best
        for option in self._planned_options(base, conflict, best):
            if best is None or option.cost_s < best.cost_s:
                best = option
        return best

    def column_blockers(self, base: Fix, height_m: float = 0.0) -> tuple[Blocker, ...]:
        """Blocking intents over the take-off point, up to ``height_m`` above it, at departure.

        Every undelayed route of this flight leaves that point then and climbs at least to its
        cruise height above it; the volume holding the climb contains the point's column up to
        the cruise height with the lateral, vertical and time buffers around it
        (:func:`airspace.volumes.route_to_volumes`). So a blocker of this thin column (1 m
        lateral radius, one second) blocks every undelayed route cruising ``height_m`` or more
        above the take-off point.
        """
        first = base.route.waypoints[0]
        to_w84 = self.to_w84 or geoid_amsl_to_w84_m
        ground_w84_m = to_w84(first.lon_deg, first.lat_deg, first.alt_amsl_m)
        column = Volume4D(
            Circle(first.lon_deg, first.lat_deg, min(1.0, self.s.volumes.lateral_buffer_m)),
            ground_w84_m,
            ground_w84_m + height_m,
            first.time,
            first.time + timedelta(seconds=1),
        )
        return self.engine.find_conflicts((column,), priority=self.request.priority)

    def delay(self, base: Fix) -> Fix | None:
        horizon_s = self.s.max_delay.total_seconds()
        windows = self.engine.delay_windows(
            base.volumes, priority=self.request.priority, max_delay_s=horizon_s
        )
        d = smallest_free_delay_s(windows)
        if d > horizon_s:
            return None
        shift = timedelta(seconds=d)
        volumes = tuple(
            replace(v, time_start=v.time_start + shift, time_end=v.time_end + shift)
            for v in base.volumes
        )
        return Fix(FixKind.DELAY, base.route.shifted(shift), volumes, d, d)

    def _planned_options(self, base: Fix, conflict: Conflict, best: Fix | None) -> Iterator[Fix]:
        def worth(penalty_s: float) -> bool:
            return best is None or penalty_s < best.cost_s

        if worth(self.s.altitude_penalty_s):
            option = self._altitude(base)
            if option is not None:
                yield option
                best = option if best is None or option.cost_s < best.cost_s else best
        few = len(conflict.blocking_intent_ids) <= self.s.reroute_max_blockers
        climb_m = (
            max(w.alt_amsl_m for w in base.route.waypoints) - base.route.waypoints[0].alt_amsl_m
        )
        # a reroute keeps the cruise height: it cannot pass a busy climb column
        if few and worth(self.s.reroute_penalty_s) and not self.column_blockers(base, climb_m):
            option = self._reroute(base, conflict)
            if option is not None:
                yield option

    def _altitude(self, base: Fix) -> Fix | None:
        """The nearest free cruise height, planning at most ``altitude_plans`` new levels.

        The first free one is taken: heights farther from the first plan's only add climb time.
        """
        top_m = max(w.alt_amsl_m for w in base.route.waypoints)
        cruise_agl_m = max(w.alt_agl_m for w in base.route.waypoints)
        plans = 0
        for alt in sorted(self.s.cruise_alternatives_agl_m, key=lambda a: abs(a - cruise_agl_m)):
            if plans >= self.s.altitude_plans:
                break
            if self.column_blockers(base, alt) or not self._relevelled_free(base, alt):
                continue
            try:
                route = self.planner(PlanRequest(self.request.departure, alt))
            except PlanningError:
                continue
            if abs(max(w.alt_amsl_m for w in route.waypoints) - top_m) < 0.5:
                continue  # the first plan's own level again: known to conflict
            plans += 1
            option = self.fix(FixKind.ALTITUDE, route, base)
            if self.free(option):
                return option
        return None

    def _relevelled_free(self, base: Fix, cruise_agl_m: float) -> bool:
        """Whether the first plan's volumes moved to ``cruise_agl_m`` are free (a screen).

        The planner's route at another height usually keeps the first plan's path; when that
        path is busy at the new height, the height is not planned. The climb and descent
        volumes (first and last) keep their floor; the others move with the cruise.
        """
        rise_m = cruise_agl_m - max(w.alt_agl_m for w in base.route.waypoints)
        last = len(base.volumes) - 1
        moved = tuple(
            replace(
                v,
                altitude_lower_w84_m=v.altitude_lower_w84_m + (0.0 if i in (0, last) else rise_m),
                altitude_upper_w84_m=v.altitude_upper_w84_m + rise_m,
            )
            for i, v in enumerate(base.volumes)
        )
        return not self.engine.find_conflicts(moved, priority=self.request.priority)

    def _reroute(self, base: Fix, conflict: Conflict) -> Fix | None:
        by_id = {i.id: i for i in self.engine.intents()}
        avoid: dict[tuple[str, int], Volume4D] = {}
        blockers = conflict.blockers
        for _ in range(self.s.reroute_rounds):
            for b in blockers:
                if b.intent_id in by_id and b.volume_index < len(by_id[b.intent_id].volumes):
                    avoid[(b.intent_id, b.volume_index)] = by_id[b.intent_id].volumes[
                        b.volume_index
                    ]
            request = PlanRequest(
                self.request.departure, self.request.cruise_agl_m, tuple(avoid.values()), base.route
            )
            option = self._try(FixKind.REROUTE, request, base, check=False)
            if option is None:
                return None
            blockers = self.engine.find_conflicts(option.volumes, priority=self.request.priority)
            if not blockers:
                return option
        return None

    def _try(
        self, kind: FixKind, request: PlanRequest, base: Fix, *, check: bool = True
    ) -> Fix | None:
        try:
            option = self.fix(kind, self.planner(request), base)
        except PlanningError:
            return None
        return option if not check or self.free(option) else None


def smallest_free_delay_s(windows: list[tuple[float, float]]) -> float:
    """The smallest whole number of seconds ``d >= 0`` inside no open interval ``(lo, hi)``.

    >>> smallest_free_delay_s([(-5.0, 10.5), (10.0, 20.0), (30.0, 40.0)])
    20.0
    >>> smallest_free_delay_s([(1.0, 2.0)])
    0.0
    """
    ordered = sorted(windows)
    d = 0.0
    while True:
        for lo, hi in ordered:
            if lo >= d:
                break
            if hi > d:
                d = hi
        whole = float(math.ceil(d))
        if whole == d or not any(lo < whole < hi for lo, hi in ordered):
            return whole
        d = whole
