"""What a reservation returns: :class:`Accepted` or :class:`Conflict`, with exact blockers."""

from __future__ import annotations

from dataclasses import dataclass

from airspace.intents.intent import IntentState, OperationalIntent


@dataclass(frozen=True, slots=True)
class Blocker:
    """One live intent whose nominal volume ``volume_index`` meets the candidate's
    ``candidate_volume_index``."""

    intent_id: str
    operator_id: str
    priority: int
    state: IntentState
    ovn: str
    volume_index: int
    candidate_volume_index: int


@dataclass(frozen=True, slots=True)
class Accepted:
    """The candidate is now live. ``preempted`` lists lower-priority intents it conflicts with:
    their owners must replan (F3548 lets a higher priority be accepted over them)."""

    intent: OperationalIntent
    preempted: tuple[Blocker, ...] = ()

    @property
    def preempted_intent_ids(self) -> tuple[str, ...]:
        """Distinct ids of the preempted intents, in order of first appearance."""
        return tuple(dict.fromkeys(b.intent_id for b in self.preempted))


@dataclass(frozen=True, slots=True)
class Conflict:
    """The candidate was refused; ``blockers`` are exactly the volumes it may not meet."""

    candidate: OperationalIntent
    blockers: tuple[Blocker, ...]

    @property
    def blocking_intent_ids(self) -> tuple[str, ...]:
        """Distinct ids of the blocking intents, in order of first appearance."""
        return tuple(dict.fromkeys(b.intent_id for b in self.blockers))

    def explain(self) -> str:
        """One line per blocker, for operators and logs."""
        return "\n".join(
            f"candidate volume {b.candidate_volume_index} meets volume {b.volume_index} of "
            f"intent {b.intent_id} (operator {b.operator_id}, priority {b.priority}, {b.state})"
            for b in self.blockers
        )


ReserveResult = Accepted | Conflict
