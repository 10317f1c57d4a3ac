"""Time-aware replanning: turn a conflicting plan into the least-cost deconflicted one.

Three kinds of fix are weighed, by cost in seconds (arrival later than the first plan, plus a
fixed penalty per kind for the change it asks of the operator):

- **delay**: the same route departing later, up to ``max_delay``. The smallest feasible delay is
  found exactly from :meth:`DeconflictionEngine.delay_windows` (no trial and error);
- **altitude**: the planner's route at another cruise height, nearest heights first (the first
  free one is taken: farther ones only add climb time), at most ``altitude_plans`` planner
  calls; heights whose climb column is busy, or where the first plan's path moved to that
  height is busy, are not planned;
- **reroute**: the planner's route with the busy volumes as temporary restrictions, at the first
  plan's cruise height (so the planner searches one altitude around them), ``reroute_rounds``
  times, only around at most ``reroute_max_blockers`` blocking intents.

The planner is injected (:data:`RoutePlanner`), so the engine is testable with built routes;
:mod:`airspace.deconfliction.replan` adapts the real :class:`airspace.planner.Planner`. The
delay is computed first (one index query); planner options are only tried while their penalty
(a lower bound of their cost: the first plan is the fastest) can beat the best fix so far, and
not at all when the take-off point is busy at departure (every undelayed route starts there).
A conflict never passes silently: the result is either :class:`Reserved` (checked and inserted
atomically by the engine) or :class:`Blocked` with the exact blockers of the first plan.
"""

from __future__ import annotations

from airspace.deconfliction.engine import DeconflictionEngine
from airspace.deconfliction.fix_model import (
    Blocked,
    Fix,
    FixKind,
    FixSettings,
    FlightRequest,
    PlanRequest,
    Reserved,
    RoutePlanner,
)
from airspace.deconfliction.fix_search import FixSearch, smallest_free_delay_s
from airspace.deconfliction.results import Accepted
from airspace.volumes import AmslToW84

__all__ = [
    "Blocked",
    "Fix",
    "FixKind",
    "FixSettings",
    "FlightRequest",
    "PlanRequest",
    "Reserved",
    "RoutePlanner",
    "plan_and_reserve",
    "smallest_free_delay_s",
]


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
    search = FixSearch(engine, planner, request, s, amsl_to_w84)
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
