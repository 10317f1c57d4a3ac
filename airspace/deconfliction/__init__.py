"""Strategic deconfliction of operational intents (ASTM F3548-21) and time-aware replanning.

Public API: :class:`DeconflictionEngine` (``reserve``, ``update``, ``activate``, ``transition``,
``end``, ``remove``, ``expire``, ``intents``, ``get``, ``find_conflicts``, ``restore``) with
:class:`DeconflictionSettings`; results :class:`Accepted`, :class:`Conflict`, :class:`Blocker`;
the index :class:`SpatioTemporalIndex`.
"""

from airspace.deconfliction.engine import DeconflictionEngine, DeconflictionSettings
from airspace.deconfliction.geometry import LocalProjection, VolumeShape
from airspace.deconfliction.index import Hit, SpatioTemporalIndex
from airspace.deconfliction.results import Accepted, Blocker, Conflict, ReserveResult

__all__ = [
    "Accepted",
    "Blocker",
    "Conflict",
    "DeconflictionEngine",
    "DeconflictionSettings",
    "Hit",
    "LocalProjection",
    "ReserveResult",
    "SpatioTemporalIndex",
    "VolumeShape",
]
