"""Operational intents (ASTM F3548-21): 4D volumes, the state machine, F3548 JSON.

Public API: :class:`Volume4D` (with :class:`Polygon` / :class:`Circle` outlines),
:class:`OperationalIntent`, :class:`IntentState`, :func:`new_intent`, :func:`transition`,
:func:`intent_to_json` / :func:`intent_from_json`, :func:`volume_to_json` /
:func:`volume_from_json`, and the named F3548 constants in :mod:`airspace.intents.f3548`.
"""

from airspace.intents.f3548_json import (
    intent_from_json,
    intent_to_json,
    volume_from_json,
    volume_to_json,
)
from airspace.intents.intent import (
    LEGAL_TRANSITIONS,
    PRIORITY_MEDICAL,
    PRIORITY_NORMAL,
    IntentState,
    OperationalIntent,
    new_intent,
    transition,
)
from airspace.intents.volume import Circle, Outline, Polygon, Volume4D, time_window

__all__ = [
    "LEGAL_TRANSITIONS",
    "PRIORITY_MEDICAL",
    "PRIORITY_NORMAL",
    "Circle",
    "IntentState",
    "OperationalIntent",
    "Outline",
    "Polygon",
    "Volume4D",
    "intent_from_json",
    "intent_to_json",
    "new_intent",
    "time_window",
    "transition",
    "volume_from_json",
    "volume_to_json",
]
