"""Airspace conflicts among the flights that actually flew, checked after the run.

The reservation path refuses conflicts before take-off; this check is independent of it: it
takes every intent that was ever ``Activated`` (from the audit log), puts all its volumes back as
nominal ones in a fresh deconfliction engine, and counts the pairs whose 4D volumes meet (exact
test, 1 cm tolerance). A preempted lower-priority flight that flew anyway would be counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airspace.deconfliction import DeconflictionEngine, DeconflictionSettings
from airspace.intents import IntentState, OperationalIntent, intent_from_json


def as_flown(intent: OperationalIntent) -> OperationalIntent:
    """The intent as an Accepted one holding all its volumes (nominal and off-nominal)."""
    return OperationalIntent(
        intent.id, intent.operator_id, intent.priority, IntentState.ACCEPTED, intent.all_volumes
    )


def conflicting_pairs(intents: Sequence[OperationalIntent]) -> list[tuple[str, str]]:
    """Distinct pairs of intents (ids, sorted) whose volumes meet in space and time.

    Args:
        intents: the flown intents.

    Returns:
        The meeting pairs; empty when the flights were deconflicted.
    """
    engine = DeconflictionEngine(DeconflictionSettings(allow_equal_priority_conflicts=True))
    flown = [as_flown(i) for i in intents if i.all_volumes]
    engine.restore(flown)
    pairs: set[tuple[str, str]] = set()
    for intent in flown:
        for blocker in engine.find_conflicts(intent.volumes, exclude=[intent.id]):
            a, b = sorted((intent.id, blocker.intent_id))
            pairs.add((a, b))
    return sorted(pairs)


def intents_from_rows(f3548_docs: Sequence[dict[str, Any]]) -> list[OperationalIntent]:
    """Parse stored F3548 JSON documents (those without volumes are skipped)."""
    out = []
    for doc in f3548_docs:
        details = doc.get("details", {})
        if details.get("volumes") or details.get("off_nominal_volumes"):
            out.append(intent_from_json(doc))
    return out
