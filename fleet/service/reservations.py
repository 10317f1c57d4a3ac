"""Atomic airspace reservation across processes, with the database as the source of truth.

One reservation is one transaction:

1. take the airspace lock (PostgreSQL transaction-level advisory lock, or SQLite's write lock;
   see :mod:`fleet.storage.locks`);
2. load, through the indexed envelope columns, every live intent the candidate could meet;
3. restore them into a fresh :class:`~airspace.deconfliction.DeconflictionEngine` and ask it
   to ``reserve`` the candidate (exact 4D test and priority rules live there);
4. on ``Accepted``, insert (or update) the intent row, let the caller add its own rows (mission
   leg, lifecycle change) and commit; on ``Conflict``, roll back.

Because every process checks against what is committed, two service processes on one
PostgreSQL never both accept conflicting intents, and a restarted service sees exactly the
airspace that was booked before it stopped.

:func:`update_volumes` books a new version of a live nominal intent (e.g. a late flight's
volumes extended in time) on the same lock, stricter than :func:`reserve`: the new volumes may
meet no other live intent at all (none preempted, off-nominal volumes included), and the version
it replaces must still be the stored one (compare-and-set on the OVN, as F3548 updates are).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from airspace.deconfliction import Accepted, Conflict, DeconflictionEngine, DeconflictionSettings
from airspace.intents import IntentState, OperationalIntent, intent_from_json, intent_to_json
from fleet.service.intent_store import end_intent, envelope, intent_volumes, live_intents_meeting
from fleet.storage.audit import record
from fleet.storage.db import SessionFactory
from fleet.storage.locks import take_reservation_lock
from fleet.storage.tables import IntentRow, UserNotification

OnAccept = Callable[[Session, IntentRow], None]


@dataclass(frozen=True, slots=True)
class Reserved:
    """The intent is booked (committed); ``preempted`` lower-priority intents must replan."""

    row: IntentRow
    preempted: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Refused:
    """The intent conflicts with live intents the rules protect; nothing was written."""

    blocking: tuple[str, ...]
    explanation: str


ReservationOutcome = Reserved | Refused


@dataclass(frozen=True, slots=True)
class Booking:
    """Who books what: the candidate intent and what it belongs to."""

    candidate: OperationalIntent
    operator_id: int
    actor: str
    mission_id: int | None = None
    flight_plan_id: str | None = None


def reserve(
    sessions: SessionFactory,
    booking: Booking,
    *,
    now: datetime,
    policy: DeconflictionSettings | None = None,
    on_accept: OnAccept | None = None,
    dry_run: bool = False,
    force: bool = False,
    refuse_preemption: bool = False,
) -> ReservationOutcome:
    """Book ``booking.candidate`` atomically against every committed live intent.

    An intent with the same id that is already stored is replaced (an update): it is left out
    of the check and its row is rewritten with the candidate's volumes, state and version.

    Args:
        sessions: opens database sessions.
        booking: the candidate and its owner.
        now: the time stamped on the rows and audit entries.
        policy: deconfliction rules (default: equal priorities may not conflict).
        on_accept: called inside the transaction after the row is written, to add related rows.
        dry_run: check only, write nothing (InterUSS ``Hypothetical``).
        force: record the intent without deconfliction (InterUSS ``InReality``: the user is
            already doing it, allowed or not).
        refuse_preemption: refuse instead of preempting lower-priority intents (a dispatcher
            that booked them in priority order keeps them).

    Returns:
        :class:`Reserved` or :class:`Refused`.
    """
    env = envelope(intent_volumes(intent_to_json(booking.candidate)))  # nominal and off-nominal
    with sessions() as session:
        take_reservation_lock(session)
        others = [r for r in live_intents_meeting(session, env) if r.id != booking.candidate.id]
        engine = DeconflictionEngine(policy)
        engine.restore(intent_from_json(r.f3548) for r in others)
        result = Accepted(booking.candidate) if force else _check(engine, booking.candidate)
        if isinstance(result, Conflict):
            session.rollback()
            return Refused(result.blocking_intent_ids, result.explain())
        if refuse_preemption and result.preempted_intent_ids:
            session.rollback()
            ids = result.preempted_intent_ids
            return Refused(ids, f"would preempt approved intents {', '.join(ids)}")
        if dry_run:
            session.rollback()
            return Reserved(_row(booking, env, now), result.preempted_intent_ids)
        row = _write(session, booking, env, now)
        _notify_preempted(session, result, others, now)
        if on_accept is not None:
            on_accept(session, row)
        session.commit()
        return Reserved(row, result.preempted_intent_ids)


def _check(engine: DeconflictionEngine, candidate: OperationalIntent) -> Accepted | Conflict:
    if candidate.state.is_nominal:
        return engine.reserve(candidate)
    return Accepted(candidate)  # off-nominal intents are not deconflicted (F3548)


def _row(booking: Booking, env: dict[str, object], now: datetime) -> IntentRow:
    intent = booking.candidate
    return IntentRow(
        id=intent.id,
        operator_id=booking.operator_id,
        mission_id=booking.mission_id,
        flight_plan_id=booking.flight_plan_id,
        state=intent.state.value,
        live=intent.state.value != "Ended",
        priority=intent.priority,
        version=intent.version,
        f3548=intent_to_json(intent),
        created_at=now,
        updated_at=now,
        **env,  # type: ignore[arg-type]
    )


def _write(session: Session, booking: Booking, env: dict[str, object], now: datetime) -> IntentRow:
    fresh = _row(booking, env, now)
    existing = session.get(IntentRow, booking.candidate.id)
    if existing is None:
        session.add(fresh)
        row = fresh
    else:
        for name, value in fresh.model_dump(exclude={"id", "created_at"}).items():
            setattr(existing, name, value)
        session.add(existing)
        row = existing
    session.flush()
    record(
        session,
        actor=booking.actor,
        action="intent.reserve",
        target_type="intent",
        target_id=row.id,
        operator_id=booking.operator_id,
        detail={
            "state": row.state,
            "version": row.version,
            "mission_id": row.mission_id,
            "flight_plan_id": row.flight_plan_id,
        },
        clock=lambda: now,
    )
    return row


def _notify_preempted(
    session: Session, result: Accepted, others: list[IntentRow], now: datetime
) -> None:
    by_id = {r.id: r for r in others}
    for intent_id in result.preempted_intent_ids:
        victim = by_id[intent_id]
        session.add(
            UserNotification(
                operator_id=victim.operator_id,
                observed_at=now,
                flight_plan_id=victim.flight_plan_id,
                mission_id=victim.mission_id,
                message=f"a higher-priority operation ({result.intent.id}) now conflicts with "
                f"intent {intent_id}; replan it",
            )
        )


@dataclass(frozen=True, slots=True)
class VolumeUpdate:
    """A new version of a live nominal intent: same id and state, new volumes.

    Attributes:
        candidate: the new version (built with :func:`airspace.intents.transition`).
        base_ovn: the OVN of the version it replaces; the update is refused if the stored
            intent has moved on since (e.g. the conformance monitor changed its state).
        operator_id: the owner (audited).
        actor: who updates (audited).
        why: the reason, audited with the change.
    """

    candidate: OperationalIntent
    base_ovn: str
    operator_id: int
    actor: str
    why: str


def update_volumes(
    sessions: SessionFactory, update: VolumeUpdate, *, now: datetime
) -> ReservationOutcome:
    """Replace a live nominal intent's volumes with ``update.candidate``'s, atomically.

    Under the airspace lock, in one transaction: the stored intent must still be the version
    ``update.base_ovn`` names and nominal; the new volumes must meet no other live intent's
    volumes (nominal or off-nominal, whatever its priority); then the row (F3548 JSON, indexed
    envelope, version) is rewritten and an ``intent.update`` audit entry added.

    Returns:
        :class:`Reserved` (committed) or :class:`Refused` naming the intents in the way
        (none when the stored version moved on); nothing is written on a refusal.

    Raises:
        ValueError: the candidate is not nominal or has no volumes.
    """
    candidate = update.candidate
    if not candidate.state.is_nominal or not candidate.volumes:
        raise ValueError(f"intent {candidate.id}: only nominal volumes are updated this way")
    env = envelope(intent_to_json(candidate)["details"]["volumes"])
    with sessions() as session:
        take_reservation_lock(session)
        row = session.get(IntentRow, candidate.id)
        stale = _stale(row, update)
        if stale is not None:
            session.rollback()
            return Refused((), stale)
        assert row is not None
        others = [r for r in live_intents_meeting(session, env) if r.id != candidate.id]
        blocking = meeting(candidate, [intent_from_json(r.f3548) for r in others])
        if blocking:
            session.rollback()
            return Refused(blocking, f"would meet live intents {', '.join(blocking)}")
        previous = row.version
        row.f3548 = intent_to_json(candidate)
        row.state = candidate.state.value
        row.version = max(row.version + 1, candidate.version)
        row.updated_at = now
        for name, value in env.items():
            setattr(row, name, value)
        session.add(row)
        record(
            session,
            actor=update.actor,
            action="intent.update",
            target_type="intent",
            target_id=row.id,
            operator_id=update.operator_id,
            detail={
                "from_version": previous,
                "to_version": row.version,
                "state": row.state,
                "why": update.why,
                "mission_id": row.mission_id,
            },
            clock=lambda: now,
        )
        session.commit()
        return Reserved(row)


def _stale(row: IntentRow | None, update: VolumeUpdate) -> str | None:
    """Why the stored intent cannot take ``update`` (``None``: it can)."""
    if row is None or not row.live:
        return f"intent {update.candidate.id} is not live"
    if row.f3548.get("reference", {}).get("ovn") != update.base_ovn:
        return f"intent {row.id} changed since (now {row.state}, version {row.version})"
    if not IntentState(row.state).is_nominal:
        return f"intent {row.id} is {row.state}"
    return None


def meeting(candidate: OperationalIntent, others: list[OperationalIntent]) -> tuple[str, ...]:
    """Ids of ``others`` whose volumes (nominal and off-nominal) meet ``candidate``'s nominal
    ones, whatever their state and priority (1 cm tolerance)."""
    engine = DeconflictionEngine(DeconflictionSettings(allow_equal_priority_conflicts=True))
    engine.restore(
        OperationalIntent(o.id, o.operator_id, o.priority, IntentState.ACCEPTED, o.all_volumes)
        for o in others
        if o.all_volumes and o.id != candidate.id
    )
    found = engine.find_conflicts(candidate.volumes, exclude=[candidate.id])
    return tuple(dict.fromkeys(b.intent_id for b in found))


def end_intent_by_id(
    sessions: SessionFactory, intent_id: str, *, actor: str, now: datetime
) -> IntentRow | None:
    """End a live intent (under the airspace lock); ``None`` when it is not live."""
    with sessions() as session:
        take_reservation_lock(session)
        row = session.get(IntentRow, intent_id)
        if row is None or not row.live:
            session.rollback()
            return None
        end_intent(session, row, actor=actor, now=now)
        session.commit()
        return row
