"""Strategic deconfliction of operational intents (ASTM F3548-21) and time-aware replanning.

Public API: :class:`DeconflictionEngine` (``reserve``, ``update``, ``activate``, ``transition``,
``end``, ``remove``, ``expire``, ``intents``, ``get``, ``find_conflicts``, ``restore``) with
:class:`DeconflictionSettings`; results :class:`Accepted`, :class:`Conflict`, :class:`Blocker`;
the index :class:`SpatioTemporalIndex`; time-aware replanning :func:`plan_and_reserve` with an
injected :data:`RoutePlanner` (:func:`airspace.deconfliction.replan.planner_for` adapts the real
planner), returning :class:`Reserved` (with the :class:`Fix` chosen) or :class:`Blocked`.
"""

from airspace.deconfliction.engine import DeconflictionEngine, DeconflictionSettings
from airspace.deconfliction.fixes import (
    Blocked,
    Fix,
    FixKind,
    FixSettings,
    FlightRequest,
    PlanRequest,
    Reserved,
    RoutePlanner,
    plan_and_reserve,
)
from airspace.deconfliction.geometry import LocalProjection, VolumeShape
from airspace.deconfliction.index import Hit, SpatioTemporalIndex
from airspace.deconfliction.results import Accepted, Blocker, Conflict, ReserveResult

__all__ = [
    "Accepted",
    "Blocked",
    "Blocker",
    "Conflict",
    "DeconflictionEngine",
    "DeconflictionSettings",
    "Fix",
    "FixKind",
    "FixSettings",
    "FlightRequest",
    "Hit",
    "LocalProjection",
    "PlanRequest",
    "ReserveResult",
    "Reserved",
    "RoutePlanner",
    "SpatioTemporalIndex",
    "VolumeShape",
    "plan_and_reserve",
]
