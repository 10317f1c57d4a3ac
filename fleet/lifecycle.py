"""The mission state machine: one function per allowed transition, every other change refused.

::

    requested ─► scheduled ─► approved ─► uploaded ─► in_flight ─► completed
        │            │            │           │            │
        └────────────┴────────────┴───────────┴────► cancelled (before take-off)
                                   uploaded, in_flight ─► aborted (vehicle recalled)
    any non-terminal state ─► failed (with reason)

``approved`` means the mission's operational intent is ``Accepted``; ``in_flight`` that it is
``Activated``. A scheduled or approved mission may go back to ``requested`` (``unschedule``)
when a new restriction or a vehicle failure forces replanning. Terminal states record why.

Each transition updates the mission row, appends an audit entry in the same transaction and,
when given an event bus, publishes a ``mission.state`` event once committed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlmodel import Session

from fleet.errors import FleetError
from fleet.storage.audit import record
from fleet.storage.tables import MissionRow

if TYPE_CHECKING:
    from fleet.service.events import EventBus


class MissionState(StrEnum):
    """Where a mission is in its lifecycle."""

    REQUESTED = "requested"
    SCHEDULED = "scheduled"
    APPROVED = "approved"
    UPLOADED = "uploaded"
    IN_FLIGHT = "in_flight"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ABORTED = "aborted"
    FAILED = "failed"


TERMINAL = frozenset(
    {MissionState.COMPLETED, MissionState.CANCELLED, MissionState.ABORTED, MissionState.FAILED}
)
NEEDS_REASON = frozenset({MissionState.CANCELLED, MissionState.ABORTED, MissionState.FAILED})
_PRE_FLIGHT = (
    MissionState.REQUESTED,
    MissionState.SCHEDULED,
    MissionState.APPROVED,
    MissionState.UPLOADED,
)

ALLOWED: dict[MissionState, frozenset[MissionState]] = {
    MissionState.REQUESTED: frozenset({MissionState.SCHEDULED}),
    MissionState.SCHEDULED: frozenset({MissionState.APPROVED, MissionState.REQUESTED}),
    MissionState.APPROVED: frozenset({MissionState.UPLOADED, MissionState.REQUESTED}),
    MissionState.UPLOADED: frozenset({MissionState.IN_FLIGHT, MissionState.ABORTED}),
    MissionState.IN_FLIGHT: frozenset({MissionState.COMPLETED, MissionState.ABORTED}),
}
for _state in _PRE_FLIGHT:
    ALLOWED[_state] = ALLOWED[_state] | {MissionState.CANCELLED, MissionState.FAILED}
ALLOWED[MissionState.IN_FLIGHT] = ALLOWED[MissionState.IN_FLIGHT] | {MissionState.FAILED}
for _state in TERMINAL:
    ALLOWED[_state] = frozenset()


class MissionNotFound(FleetError):
    """No mission has the given id."""


class IllegalMissionTransition(FleetError):
    """A lifecycle change the state machine does not allow; ``str(err)`` says which."""


Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def advance(
    session: Session,
    mission_id: int,
    to_state: MissionState | str,
    actor: str,
    reason: str | None = None,
    *,
    bus: EventBus | None = None,
    commit: bool = True,
    clock: Clock = _utc_now,
) -> MissionRow:
    """Move mission ``mission_id`` to ``to_state``, persist and audit it.

    Args:
        session: the database session (the change joins its transaction).
        mission_id: the mission.
        to_state: the state to move to.
        actor: who causes the change (audited).
        reason: why; required for ``cancelled``, ``aborted`` and ``failed``.
        bus: when given, a ``mission.state`` event is published after the commit.
        commit: commit the transaction (``False`` lets the caller add more to it).
        clock: source of the transition time.

    Returns:
        The updated mission row.

    Raises:
        MissionNotFound: no such mission.
        IllegalMissionTransition: the change is not allowed from the current state, or a
            reason is missing.
    """
    target = MissionState(to_state)
    mission = session.get(MissionRow, mission_id)
    if mission is None:
        raise MissionNotFound(f"mission {mission_id} does not exist")
    current = MissionState(mission.state)
    if target not in ALLOWED[current]:
        allowed = ", ".join(sorted(ALLOWED[current])) or "none (terminal state)"
        raise IllegalMissionTransition(
            f"mission {mission_id}: cannot go from {current} to {target}; allowed: {allowed}"
        )
    if target in NEEDS_REASON and not reason:
        raise IllegalMissionTransition(f"mission {mission_id}: {target} needs a reason")
    _apply(session, mission, current, target, actor, reason, clock())
    if commit:
        session.commit()
        if bus is not None:
            bus.publish_mission_state(mission)
    return mission


def _apply(
    session: Session,
    mission: MissionRow,
    current: MissionState,
    target: MissionState,
    actor: str,
    reason: str | None,
    now: datetime,
) -> None:
    mission.state = target.value
    mission.state_reason = reason
    mission.updated_at = now
    if target is MissionState.COMPLETED:
        mission.progress_fraction = 1.0
    session.add(mission)
    record(
        session,
        actor=actor,
        action="mission.transition",
        target_type="mission",
        target_id=mission.id,
        operator_id=mission.operator_id,
        detail={"from": current.value, "to": target.value, "reason": reason},
        clock=lambda: now,
    )
    session.flush()


def _transition(to_state: MissionState) -> Callable[..., MissionRow]:
    def move(
        session: Session,
        mission_id: int,
        actor: str,
        reason: str | None = None,
        *,
        bus: EventBus | None = None,
        commit: bool = True,
        clock: Clock = _utc_now,
    ) -> MissionRow:
        return advance(
            session, mission_id, to_state, actor, reason, bus=bus, commit=commit, clock=clock
        )

    move.__name__ = f"to_{to_state.value}"
    move.__doc__ = f"Move a mission to ``{to_state.value}`` (see :func:`advance`)."
    return move


schedule = _transition(MissionState.SCHEDULED)
unschedule = _transition(MissionState.REQUESTED)
approve = _transition(MissionState.APPROVED)
upload = _transition(MissionState.UPLOADED)
start_flight = _transition(MissionState.IN_FLIGHT)
complete = _transition(MissionState.COMPLETED)
cancel = _transition(MissionState.CANCELLED)
abort = _transition(MissionState.ABORTED)
fail = _transition(MissionState.FAILED)
