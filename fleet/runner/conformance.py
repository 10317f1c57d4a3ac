"""Conformance monitoring of the flights the runner flies (F3548 via :mod:`airspace.conformance`).

Each activated intent gets a monitor over a private deconfliction engine holding just that
intent: the monitor moves it Activated -> Nonconforming -> (Activated | Contingent) from the
position reports, and the runner persists every change it makes (state, off-nominal volumes,
version) with an audit entry, so the stored intent is what the monitor decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from airspace.conformance import (
    BecameContingent,
    ConformanceEvent,
    ConformanceMonitor,
    ConformanceSettings,
    LeftVolumes,
    PositionReport,
    Recovered,
)
from airspace.deconfliction import DeconflictionEngine
from airspace.intents import IntentState, OperationalIntent, intent_from_json, intent_to_json
from airspace.volumes import geoid_amsl_to_w84_m
from firmware_bridge.telemetry import Position
from fleet.service.intent_store import envelope, intent_volumes
from fleet.storage.audit import record
from fleet.storage.tables import IntentRow

ACTOR = "runner:conformance"


@dataclass
class FlightConformance:
    """The monitor of one intent and what it has seen."""

    intent_id: str
    monitor: ConformanceMonitor
    engine: DeconflictionEngine
    """The monitor's private engine, holding just this intent."""
    excursions: list[dict[str, Any]] = field(default_factory=list)
    state: IntentState = IntentState.ACTIVATED
    """The intent's state after the last report."""

    @classmethod
    def of(
        cls,
        f3548: dict[str, Any],
        log: list[dict[str, Any]],
        settings: ConformanceSettings | None = None,
    ) -> FlightConformance:
        """A monitor for the (Activated) intent stored as ``f3548``; excursions go to ``log``."""
        intent = intent_from_json(f3548)
        engine = DeconflictionEngine()
        engine.restore([intent])
        return cls(intent.id, ConformanceMonitor(engine, intent.id, settings), engine, log)

    @property
    def intent(self) -> OperationalIntent:
        """The intent as the monitor holds it now."""
        return self.engine.get(self.intent_id)

    def updated(self, intent: OperationalIntent) -> bool:
        """Monitor ``intent`` (a new version with new volumes, stored) from now on.

        Returns:
            False (nothing changed) when the monitor's intent is no longer the Activated one
            the new version was built from (it moved on meanwhile).
        """
        current = self.intent
        if current.state is not IntentState.ACTIVATED or intent.version != current.version + 1:
            return False
        self.engine.restore([intent])
        return True

    def observe(self, position: Position, when: datetime) -> tuple[ConformanceEvent, ...]:
        """Feed one telemetry fix (AMSL altitude converted to W84 with the geoid)."""
        alt_w84 = geoid_amsl_to_w84_m(position.lon_deg, position.lat_deg, position.alt_amsl_m)
        report = PositionReport(when, position.lon_deg, position.lat_deg, alt_w84)
        events = self.monitor.observe(report)
        for event in events:
            self.state = event.intent.state
            if isinstance(event, LeftVolumes):
                ex = event.excursion
                self.excursions.append(
                    {
                        "time": when.isoformat(),
                        "kind": ex.kind.value,
                        "lateral_m": ex.lateral_m,
                        "vertical_m": ex.vertical_m,
                        "early_s": ex.early_s,
                        "late_s": ex.late_s,
                    }
                )
        return events


def describe(event: ConformanceEvent) -> str:
    """One line saying what the monitor decided."""
    if isinstance(event, LeftVolumes):
        ex = event.excursion
        return (
            f"left its volumes ({ex.kind.value}: lateral {ex.lateral_m:.1f} m, vertical "
            f"{ex.vertical_m:.1f} m, early {ex.early_s:.0f} s, late {ex.late_s:.0f} s)"
        )
    if isinstance(event, Recovered):
        return f"back inside its volumes after {event.nonconforming_s:.0f} s"
    if isinstance(event, BecameContingent):
        return f"not recovered within {event.nonconforming_s:.0f} s: contingent"
    return f"still outside its volumes ({event.nonconforming_s:.0f} s)"


def save_intent(
    session: Session, intent: OperationalIntent, *, why: str, now: datetime
) -> IntentRow | None:
    """Store the monitor's new version of an intent, audited; commits. ``None`` if unknown."""
    row = session.get(IntentRow, intent.id)
    if row is None or (row.version >= intent.version and row.state == intent.state.value):
        return None
    previous = row.state
    row.f3548 = intent_to_json(intent)
    # the indexed envelope covers the off-nominal volumes too, so reservations' prefilter
    # finds them (an off-nominal circle may reach beyond the nominal volumes)
    for name, value in envelope(intent_volumes(row.f3548)).items():
        setattr(row, name, value)
    row.state = intent.state.value
    row.version = max(row.version + 1, intent.version)
    row.updated_at = now
    session.add(row)
    record(
        session,
        actor=ACTOR,
        action="intent.transition",
        target_type="intent",
        target_id=intent.id,
        operator_id=row.operator_id,
        detail={"from": previous, "to": intent.state.value, "why": why},
        clock=lambda: now,
    )
    session.commit()
    return row
