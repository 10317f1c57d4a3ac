"""Operators (tenants): find or create one by name, audited."""

from __future__ import annotations

from sqlmodel import Session, select

from fleet.storage.audit import record
from fleet.storage.tables import Operator


def ensure_operator(session: Session, name: str, *, actor: str) -> Operator:
    """The operator called ``name``, created (and audited) if it does not exist yet.

    Args:
        session: the session (committed here when the operator is created).
        name: operator name.
        actor: who asks (audited on creation).

    Returns:
        The operator row.

    Raises:
        ValueError: ``name`` is empty or longer than 100 characters.
    """
    name = name.strip()
    if not 0 < len(name) <= 100:
        raise ValueError("operator name must be 1 to 100 characters")
    existing = session.exec(select(Operator).where(Operator.name == name)).first()
    if existing is not None:
        return existing
    operator = Operator(name=name)
    session.add(operator)
    session.flush()
    record(
        session,
        actor=actor,
        action="operator.create",
        target_type="operator",
        target_id=operator.id,
        operator_id=operator.id,
        detail={"name": name},
    )
    session.commit()
    return operator
