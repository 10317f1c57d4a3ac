"""``/audit``: the operator's append-only audit log (who did what, to what, when)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import col, select

from fleet.service.deps import Admin, SessionDep
from fleet.service.schemas import ERRORS
from fleet.storage.tables import AuditEntry

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERRORS)


class AuditPublic(BaseModel):
    """One audit entry."""

    id: int
    time: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any]


@router.get("", response_model=list[AuditPublic])
def list_audit(
    session: SessionDep,
    admin: Admin,
    action: Annotated[str | None, Query(max_length=60, description="e.g. vehicle.command")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[AuditEntry]:
    """The caller's operator's audit entries, newest first."""
    query = select(AuditEntry).where(AuditEntry.operator_id == admin.operator_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)))
