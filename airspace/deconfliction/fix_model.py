"""The vocabulary of time-aware replanning: requests, settings, fixes and results.

See :mod:`airspace.deconfliction.fixes` for the search that uses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from airspace.deconfliction.results import Accepted, Conflict
from airspace.intents.intent import PRIORITY_NORMAL
from airspace.intents.volume import Volume4D
from airspace.route import Route
from airspace.volumes import VolumeSettings


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
    reroute_max_blockers: int = 1
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
