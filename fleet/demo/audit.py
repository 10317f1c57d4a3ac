"""Airspace conflicts among the flights that actually flew, checked after the run.

The reservation path refuses conflicts before take-off; this check does not trust its
decisions: it takes every intent that was ever ``Activated`` (from the audit log) in its last
stored version (extensions and off-nominal volumes included), cuts its volumes at the time it
``Ended`` (the rest of its reservation was released then and may rightly be booked again), and
counts the pairs whose 4D volumes meet with an independent oracle
(:mod:`fleet.oracle.meeting`: pyproj + shapely, 1 cm, whatever the priorities), which shares no
code with the deconfliction engine the booking path trusts, so a bug in the engine's index or
geometry shows here. A preempted lower-priority flight that flew anyway would be counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from airspace.intents import OperationalIntent, intent_from_json
from fleet.oracle.meeting import meeting_pairs


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
    return meeting_pairs(intents, ended_at)


def intents_from_rows(f3548_docs: Sequence[dict[str, Any]]) -> list[OperationalIntent]:
    """Parse stored F3548 JSON documents (those without volumes are skipped)."""
    out = []
    for doc in f3548_docs:
        details = doc.get("details", {})
        if details.get("volumes") or details.get("off_nominal_volumes"):
            out.append(intent_from_json(doc))
    return out
