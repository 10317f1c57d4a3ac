"""``/operators/me``: the caller's operator's settings; today whether the dispatcher books its
work automatically (``auto``, on by default) or a dispatcher approves by hand."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from fleet.service.deps import ContextDep, CurrentUser, Dispatcher, SessionDep
from fleet.service.errors import NotFound
from fleet.service.schemas import ERRORS, Strict
from fleet.storage.audit import record
from fleet.storage.tables import Operator

router = APIRouter(prefix="/operators", tags=["operators"], responses=ERRORS)


class DispatchUpdate(Strict):
    """Turn the service's dispatcher on or off for the caller's operator."""

    auto: bool


class DispatchOut(BaseModel):
    """Whether the service's dispatcher schedules and books the operator's bookings."""

    operator_id: int
    auto: bool


@router.get("/me/dispatch", response_model=DispatchOut)
def get_dispatch(session: SessionDep, user: CurrentUser) -> DispatchOut:
    """Whether the dispatcher books the caller's operator's work."""
    operator = _operator(session.get(Operator, user.operator_id), user.operator_id)
    return DispatchOut(operator_id=user.operator_id, auto=operator.auto_dispatch)


@router.put("/me/dispatch", response_model=DispatchOut)
def put_dispatch(
    body: DispatchUpdate, session: SessionDep, context: ContextDep, user: Dispatcher
) -> DispatchOut:
    """Turn automatic dispatch on or off (off: ``POST /scheduling/run`` and approve by hand;
    what the dispatcher already queued still flies)."""
    operator = _operator(session.get(Operator, user.operator_id), user.operator_id)
    operator.auto_dispatch = body.auto
    session.add(operator)
    record(
        session,
        actor=user.actor,
        action="operator.dispatch",
        target_type="operator",
        target_id=operator.id,
        operator_id=operator.id,
        detail={"auto": body.auto},
        clock=context.clock,
    )
    session.commit()
    context.bus.emit("operator.dispatch", user.operator_id, auto=body.auto)
    return DispatchOut(operator_id=user.operator_id, auto=body.auto)


def _operator(operator: Operator | None, operator_id: int) -> Operator:
    if operator is None:
        raise NotFound(f"operator {operator_id} not found")
    return operator
