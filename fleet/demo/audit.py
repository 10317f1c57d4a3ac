"""Airspace conflicts among the flights that actually flew, checked after the run.

The reservation path refuses conflicts before take-off; this check does not trust its
decisions: it takes every intent that was ever ``Activated`` (from the audit log) in its last
stored version (extensions and off-nominal volumes included), cuts its volumes at the time it
``Ended`` (the rest of its reservation was released then and may rightly be booked again), and
counts the pairs whose 4D volumes meet, with the reservation path's exact test
(:func:`fleet.service.reservations.meeting`: 1 cm, whatever the priorities). A preempted
lower-priority flight that flew anyway would be counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from airspace.intents import IntentState, OperationalIntent, intent_from_json
from fleet.service.reservations import meeting


def as_flown(intent: OperationalIntent, end: datetime | None = None) -> OperationalIntent | None:
    """The intent as an Accepted one holding all its volumes (nominal and off-nominal) as flown
    until ``end``: volumes starting later are dropped, the others cut there (``None``: never
    ended, kept whole). ``None`` when nothing is left."""
    kept = tuple(
        v if end is None or v.time_end <= end else replace(v, time_end=end)
        for v in intent.all_volumes
        if end is None or v.time_start < end
    )
    if not kept:
        return None
    return OperationalIntent(
        intent.id, intent.operator_id, intent.priority, IntentState.ACCEPTED, kept
    )


def conflicting_pairs(
    intents: Sequence[OperationalIntent], ended_at: Mapping[str, datetime] | None = None
) -> list[tuple[str, str]]:
    """Distinct pairs of intents (ids, sorted) whose volumes meet in space and time.

    Args:
        intents: the flown intents, each in its last version.
        ended_at: when each intent that ended did so (its volumes are cut there).

    Returns:
        The meeting pairs; empty when the flights were deconflicted.
    """
    ends = ended_at or {}
    flown = [f for i in intents if (f := as_flown(i, ends.get(i.id))) is not None]
    pairs: set[tuple[str, str]] = set()
    for intent in flown:  # the same exact test as the reservation path's (1 cm, any priority)
        for other in meeting(intent, flown):
            a, b = sorted((intent.id, other))
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
