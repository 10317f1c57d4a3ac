"""Append-only audit log: who did what, to which object, and when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from fleet.storage.tables import AuditEntry


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: object,
    operator_id: int | None = None,
    detail: dict[str, Any] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> AuditEntry:
    """Add an audit entry to ``session`` (committed with the caller's transaction).

    Args:
        session: the session whose transaction the entry joins, so the audited change and
            its entry are committed or rolled back together.
        actor: who acted (``user:<name>``, ``token:<subject>``, ``runner``, ...).
        action: what was done, e.g. ``vehicle.command`` or ``mission.transition``.
        target_type: kind of object acted on (``mission``, ``vehicle``, ``intent``, ...).
        target_id: its id.
        operator_id: the tenant the object belongs to.
        detail: JSON-serialisable specifics.
        clock: source of the timestamp.

    Returns:
        The pending entry.
    """
    entry = AuditEntry(
        time=clock(),
        actor=actor,
        operator_id=operator_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail or {},
    )
    session.add(entry)
    return entry
