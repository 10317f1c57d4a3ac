"""The F3548-21 operational intent: identity, priority, state, volumes and an OVN-like version.

States and legal transitions (F3548-21 operational-intent state diagram; ``Ended`` stands for the
reference being removed from the DSS)::

    (new) ──► Accepted ──► Activated ◄──► Nonconforming
                 │            │    ╲           │
                 │            │     ╲──► Contingent ◄┘
                 └────────────┴──────────┴───────┴──► Ended   (terminal)

A state may also be "updated into itself" (new volumes, same state). Volume rules (OPIN0015 and the
OpenAPI ``OperationalIntentDetails``): Accepted and Activated have at least one nominal volume
and no off-nominal ones; Nonconforming has at least one off-nominal volume; Contingent has no
nominal volumes and at least one off-nominal; all volumes together hold at most ``OiMaxVertices``.
Each accepted change gets a new ``version`` (+1) and a new ``ovn`` token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from enum import StrEnum

from airspace.errors import IllegalTransition, IntentError
from airspace.intents.f3548 import OiMaxVertices
from airspace.intents.volume import Volume4D

PRIORITY_NORMAL = 0
"""Priority of ordinary commercial flights (F3548 leaves the scale to the competent authority)."""

PRIORITY_MEDICAL = 100
"""Priority of medical/emergency-response flights: above every normal flight."""


class IntentState(StrEnum):
    """``OperationalIntentState`` of F3548-21, plus ``Ended`` (reference removed)."""

    ACCEPTED = "Accepted"
    ACTIVATED = "Activated"
    NONCONFORMING = "Nonconforming"
    CONTINGENT = "Contingent"
    ENDED = "Ended"

    @property
    def is_nominal(self) -> bool:
        """Accepted and Activated intents are deconflicted; off-nominal ones are not."""
        return self in (IntentState.ACCEPTED, IntentState.ACTIVATED)


_S = IntentState
LEGAL_TRANSITIONS: dict[IntentState, frozenset[IntentState]] = {
    _S.ACCEPTED: frozenset({_S.ACCEPTED, _S.ACTIVATED, _S.ENDED}),
    _S.ACTIVATED: frozenset({_S.ACTIVATED, _S.NONCONFORMING, _S.CONTINGENT, _S.ENDED}),
    _S.NONCONFORMING: frozenset({_S.NONCONFORMING, _S.ACTIVATED, _S.CONTINGENT, _S.ENDED}),
    _S.CONTINGENT: frozenset({_S.CONTINGENT, _S.ENDED}),
    _S.ENDED: frozenset(),
}
"""Allowed ``from -> to`` state changes; a same-state entry is an update of the volumes."""

INITIAL_STATES = frozenset({_S.ACCEPTED, _S.ACTIVATED})
"""States a new intent may be created in."""


@dataclass(frozen=True, slots=True)
class OperationalIntent:
    """One operational intent; build with :func:`new_intent`, change with :func:`transition`.

    Raises:
        IntentError: empty id/operator, volumes that break the state's rules (OPIN0015) or more
            than ``OiMaxVertices`` vertices (OPIN0020), a version below 1 or a malformed ovn.
    """

    id: str
    operator_id: str
    priority: int
    state: IntentState
    volumes: tuple[Volume4D, ...]
    off_nominal_volumes: tuple[Volume4D, ...] = ()
    version: int = 1
    ovn: str = ""

    def __post_init__(self) -> None:
        if not self.id or not self.operator_id:
            raise IntentError("an operational intent needs an id and an operator id")
        if self.version < 1:
            raise IntentError(f"intent {self.id}: version must be >= 1, got {self.version}")
        if not self.ovn:
            object.__setattr__(self, "ovn", _ovn(self))
        if not 16 <= len(self.ovn) <= 128:
            raise IntentError(f"intent {self.id}: ovn must be 16..128 characters")
        _check_volumes(self)

    @property
    def all_volumes(self) -> tuple[Volume4D, ...]:
        """Nominal then off-nominal volumes."""
        return self.volumes + self.off_nominal_volumes


def new_intent(
    intent_id: str,
    operator_id: str,
    volumes: tuple[Volume4D, ...],
    *,
    priority: int = PRIORITY_NORMAL,
    state: IntentState = IntentState.ACCEPTED,
) -> OperationalIntent:
    """A new intent in ``Accepted`` (or directly ``Activated``) state, version 1.

    Raises:
        IllegalTransition: ``state`` is not an initial state.
        IntentError: the volumes break the model's rules.
    """
    if state not in INITIAL_STATES:
        raise IllegalTransition(f"intent {intent_id}: cannot be created in state {state}")
    return OperationalIntent(intent_id, operator_id, priority, state, tuple(volumes))


def transition(
    intent: OperationalIntent,
    state: IntentState,
    *,
    volumes: tuple[Volume4D, ...] | None = None,
    off_nominal_volumes: tuple[Volume4D, ...] | None = None,
    priority: int | None = None,
) -> OperationalIntent:
    """The intent moved to ``state`` (or updated in place), with a new version and ovn.

    Volumes not given are kept, except that entering Accepted/Activated drops the off-nominal
    volumes and entering Contingent drops the nominal ones, as the volume rules require.

    Args:
        intent: the current intent.
        state: the target state (same state = update).
        volumes: new nominal volumes, or ``None`` to keep/derive them.
        off_nominal_volumes: new off-nominal volumes, or ``None`` to keep/derive them.
        priority: a new priority, or ``None`` to keep it.

    Returns:
        The new intent (version + 1).

    Raises:
        IllegalTransition: F3548 does not allow ``intent.state -> state``.
        IntentError: the resulting volumes break the state's rules.
    """
    if state not in LEGAL_TRANSITIONS[intent.state]:
        raise IllegalTransition(f"intent {intent.id}: {intent.state} -> {state} is not allowed")
    if volumes is None:
        volumes = () if state is IntentState.CONTINGENT else intent.volumes
    if off_nominal_volumes is None:
        off_nominal_volumes = () if state.is_nominal else intent.off_nominal_volumes
    return replace(
        intent,
        state=state,
        volumes=tuple(volumes),
        off_nominal_volumes=tuple(off_nominal_volumes),
        priority=intent.priority if priority is None else priority,
        version=intent.version + 1,
        ovn="",
    )


def _check_volumes(intent: OperationalIntent) -> None:
    nominal, off = intent.volumes, intent.off_nominal_volumes
    where = f"intent {intent.id} ({intent.state})"
    if intent.state.is_nominal and (not nominal or off):
        raise IntentError(f"{where}: needs nominal volumes and no off-nominal ones (OPIN0015)")
    if intent.state is IntentState.NONCONFORMING and not off:
        raise IntentError(f"{where}: needs at least one off-nominal volume")
    if intent.state is IntentState.CONTINGENT and (nominal or not off):
        raise IntentError(f"{where}: needs off-nominal volumes only")
    vertices = sum(v.vertex_count for v in intent.all_volumes)
    if vertices > OiMaxVertices:
        raise IntentError(f"{where}: {vertices} vertices > OiMaxVertices={OiMaxVertices}")


def _ovn(intent: OperationalIntent) -> str:
    """A deterministic OVN: a digest of identity, version, state, priority and volumes."""
    digest = hashlib.sha256(
        repr(
            (intent.id, intent.version, intent.state.value, intent.priority, intent.all_volumes)
        ).encode()
    )
    return digest.hexdigest()[:32]
