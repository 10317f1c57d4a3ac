"""One scheduling round of one operator, shared by the dispatch loop and ``POST /scheduling/run``.

The operator's ``requested`` missions become scheduling problems (one per dock, transfer points
picked for relays, vehicles available after their booked flights and queued sorties), the fleet
scheduler places them, the placed ones go ``scheduled`` on their vehicles and their sorties
join the dispatcher's queues. What the scheduler leaves out is failed with its reason by the
loop (nothing else would ever place it) and stays ``requested`` for a client's run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from fleet import lifecycle
from fleet.dispatch.dispatcher import Dispatcher
from fleet.dispatch.schedule import (
    ACTOR,
    SCHEDULER_TIME_LIMIT_S,
    Sortie,
    apply_schedule,
    run_scheduler,
    scheduling_problems,
    sorties,
)
from fleet.scheduler import Schedule
from fleet.service.context import ServiceContext


@dataclass(frozen=True, slots=True)
class Round:
    """What a scheduling round did.

    Attributes:
        plan: the merged plan of the operator's docks.
        placed: its sorties, in the order the plan starts them.
        scheduled: the missions moved to ``scheduled``.
        left_out: mission id -> the scheduler's reason (or why it could not be posed).
    """

    plan: Schedule
    placed: list[Sortie]
    scheduled: list[int] = field(default_factory=list)
    left_out: dict[int, str] = field(default_factory=dict)


def schedule_round(
    session: Session,
    context: ServiceContext,
    dispatcher: Dispatcher | None,
    operator_id: int,
    *,
    start: datetime,
    horizon: timedelta,
    actor: str = ACTOR,
    fail_left_out: bool = True,
    queue: bool = True,
    time_limit_s: float = SCHEDULER_TIME_LIMIT_S,
) -> Round:
    """Schedule the operator's requested missions after the work already queued, apply the
    plan and (``queue``) queue its sorties on ``dispatcher`` (run in a worker thread)."""
    queued = {} if dispatcher is None else dispatcher.queued_until()
    posed = scheduling_problems(session, context.city, operator_id, start, horizon, queued)
    plan = run_scheduler(posed.problems, start, time_limit_s)
    kinds = {v.id: v.kind.value for p in posed.problems for v in p.vehicles}
    ranks = {m.id: 2 - m.priority.rank for p in posed.problems for m in p.missions}
    placed = sorties(plan, kinds, ranks)
    left = apply_schedule(
        session, plan, placed, context.bus, start, actor=actor, fail_left_out=fail_left_out
    )
    for mission_id, reason in posed.invalid.items():
        left[mission_id] = f"not scheduled: {reason}"
        if fail_left_out:
            lifecycle.fail(
                session, mission_id, actor, left[mission_id][:480], bus=context.bus,
                clock=lambda: start,
            )  # fmt: skip
    if queue and dispatcher is not None:
        dispatcher.add(placed)
    scheduled = [m for s in placed for m in s.mission_ids]
    return Round(plan, placed, scheduled, left)
