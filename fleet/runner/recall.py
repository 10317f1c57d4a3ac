"""The airspace of a flight stopped by its operator, while its vehicle comes back.

An aborted flight's vehicle flies home (or down) off its planned route, so its intent stays
live as ``Contingent`` (F3548: the operator can no longer ensure conformance; its volumes
become off-nominal, so other operators see where it may be) until the vehicle is on the
ground and disarmed, when the fleet watcher ends it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from airspace.intents import IntentState
from fleet.lifecycle import TERMINAL
from fleet.runner.store import set_intent_state
from fleet.service.intent_store import end_intent
from fleet.storage.tables import IntentRow, MissionLeg, MissionRow

_FLOWN = (IntentState.ACTIVATED.value, IntentState.NONCONFORMING.value)
_ENDED = [s.value for s in TERMINAL]


def returning(session: Session, mission_id: int, why: str, *, now: datetime) -> list[IntentRow]:
    """Turn the mission's flown intents Contingent (audited, committed); the rows changed."""
    query = select(IntentRow).where(
        IntentRow.mission_id == mission_id, col(IntentRow.state).in_(_FLOWN)
    )
    changed = []
    for row in session.exec(query).all():
        done = set_intent_state(
            session, row.id, IntentState.CONTINGENT, now=now, why=why, commit=False
        )
        if done is not None:
            changed.append(done)
    session.commit()
    return changed


def landed(session: Session, vehicle_id: int, *, now: datetime) -> list[IntentRow]:
    """End the live intents of ended missions flown by ``vehicle_id``, now on the ground and
    disarmed (audited, committed); the rows ended."""
    flown = select(MissionLeg.mission_id).where(MissionLeg.vehicle_id == vehicle_id)
    ended = select(MissionRow.id).where(
        col(MissionRow.id).in_(flown), col(MissionRow.state).in_(_ENDED)
    )
    query = select(IntentRow).where(col(IntentRow.live), col(IntentRow.mission_id).in_(ended))
    rows = list(session.exec(query).all())
    for row in rows:
        end_intent(session, row, actor="runner", now=now)
    session.commit()
    return rows
