"""Time-aware replanning: turn a conflicting plan into the least-cost deconflicted one.

Three kinds of fix are weighed, by cost in seconds (arrival later than the first plan, plus a
fixed penalty per kind for the change it asks of the operator):

- **delay**: the same route departing later, up to ``max_delay``. The smallest feasible delay is
  found exactly from :meth:`DeconflictionEngine.delay_windows` (no trial and error);
- **altitude**: the planner's route at another cruise height, nearest heights first (the first
  free one is taken: farther ones only add climb time);
- **reroute**: the planner's route with the busy volumes as temporary restrictions, at the first
  plan's cruise height (so the planner searches one altitude around them).

The planner is injected (:data:`RoutePlanner`), so the engine is testable with built routes;
:mod:`airspace.deconfliction.replan` adapts the real :class:`airspace.planner.Planner`. Planner
options are only tried while their penalty (a lower bound of their cost: the first plan is the
fastest) can beat the best fix so far. A conflict never passes silently: the result is either
:class:`Reserved` or :class:`Blocked` with the exact blockers of the first plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from airspace.deconfliction.engine import DeconflictionEngine
from airspace.deconfliction.results import Accepted, Blocker, Conflict
from airspace.errors import PlanningError
from airspace.intents.intent import PRIORITY_NORMAL, OperationalIntent, new_intent
from airspace.intents.volume import Circle, Volume4D
from airspace.route import Route
from airspace.volumes import AmslToW84, VolumeSettings, geoid_amsl_to_w84_m, route_to_volumes


class FixKind(StrEnum):
    """How a conflicting plan was fixed."""

    NONE = "none"
    DELAY = "delay"
    ALTITUDE = "altitude"
    REROUTE = "reroute"


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What the injected planner is asked.

    Attributes:
        departure: take-off time.
        cruise_agl_m: force this cruise height (``None``: the planner chooses).
        avoid: busy volumes the route must keep clear of.
        keep_cruise_of: a reroute keeps this route's cruise height when ``cruise_agl_m`` is
            ``None`` (one altitude to search around the busy volumes, not all of them).
    """

    departure: datetime
    cruise_agl_m: float | None = None
    avoid: tuple[Volume4D, ...] = ()
    keep_cruise_of: Route | None = None


RoutePlanner = Callable[[PlanRequest], Route]
"""Plans one route for a request; raises :class:`airspace.errors.PlanningError` when none."""


@dataclass(frozen=True, slots=True)
class FixSettings:
    """Search limits and costs.

    Attributes:
        max_delay: the delay horizon.
        cruise_alternatives_agl_m: cruise heights tried for the altitude fix.
        altitude_penalty_s: cost of asking for another cruise height.
        reroute_penalty_s: cost of asking for another route (high: it changes the path, and
            costs the planner a search of one altitude layer with the busy volumes laid over it).
        reroute_rounds: replans that add newly met volumes to the avoided set.
        altitude_plans: planner calls at most for the altitude fix (nearest heights first).
        reroute_max_blockers: no reroute is tried when more intents than this block the first
            plan (around that many busy volumes a detour within the penalty is unlikely, and
            each round costs the planner a layer with the volumes laid over it).
        attempts: retries when a concurrent reservation takes the space first.
        volumes: how routes are wrapped into volumes.
    """

    max_delay: timedelta = timedelta(minutes=30)
    cruise_alternatives_agl_m: tuple[float, ...] = (40.0, 60.0, 80.0, 100.0, 120.0)
    altitude_penalty_s: float = 20.0
    reroute_penalty_s: float = 120.0
    reroute_rounds: int = 1
    altitude_plans: int = 3
    reroute_max_blockers: int = 2
    attempts: int = 3
    volumes: VolumeSettings = field(default_factory=VolumeSettings)


@dataclass(frozen=True, slots=True)
class FlightRequest:
    """The flight to reserve."""

    intent_id: str
    operator_id: str
    departure: datetime
    priority: int = PRIORITY_NORMAL
    cruise_agl_m: float | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    """One candidate plan: its route, volumes, delay and cost."""

    kind: FixKind
    route: Route
    volumes: tuple[Volume4D, ...]
    delay_s: float = 0.0
    cost_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Reserved:
    """The flight is reserved; ``fix`` says how (``FixKind.NONE`` = as first planned)."""

    accepted: Accepted
    fix: Fix


@dataclass(frozen=True, slots=True)
class Blocked:
    """No fix within the limits; ``conflict`` lists exactly what blocks the first plan."""

    conflict: Conflict
    reason: str


def plan_and_reserve(
    engine: DeconflictionEngine,
    planner: RoutePlanner,
    request: FlightRequest,
    settings: FixSettings | None = None,
    *,
    amsl_to_w84: AmslToW84 | None = None,
) -> Reserved | Blocked:
    """Plan the flight, fix it if it conflicts, and reserve it atomically.

    Returns:
        :class:`Reserved` with the chosen fix, or :class:`Blocked` with the blockers.

    Raises:
        PlanningError: the planner finds no route at all for the first plan.
    """
    s = settings or FixSettings()
    search = _Search(engine, planner, request, s, amsl_to_w84)
    base = search.fix(FixKind.NONE, planner(PlanRequest(request.departure, request.cruise_agl_m)))
    result = engine.reserve(search.intent(base))
    if isinstance(result, Accepted):
        return Reserved(result, base)
    first_conflict = result
    for _ in range(s.attempts):
        found = search.best(base, result)
        if found is None:
            return Blocked(first_conflict, search.reason)
        result = engine.reserve(search.intent(found))
        if isinstance(result, Accepted):
            return Reserved(result, found)
    return Blocked(first_conflict, f"lost the race for free space {s.attempts} times")


class _Search:
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
