"""Strategic deconfliction: the live set of operational intents and atomic reservations.

Rules (F3548-21 strategic coordination, with skyfleet's priority policy):

- only nominal intents (Accepted, Activated) are deconflicted against; off-nominal ones
  (Nonconforming, Contingent) are neither indexed nor checked;
- a candidate may not meet a live intent of higher priority, nor one of equal priority unless
  ``DeconflictionSettings.allow_equal_priority_conflicts``;
- a candidate of higher priority is accepted over lower-priority intents and the result lists
  them (``Accepted.preempted``) so their owners can replan.

Every public method holds one re-entrant lock for its whole read-check-write, so concurrent
threads (and coroutines, which never interleave inside a call) see reservations as atomic. The
calls are CPU-only and short; an asyncio service may call them directly or via
``asyncio.to_thread``. Atomicity across processes is the storage layer's job.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from airspace.deconfliction.geometry import LocalProjection, VolumeShape
from airspace.deconfliction.index import Hit, SpatioTemporalIndex
from airspace.deconfliction.results import Accepted, Blocker, Conflict, ReserveResult
from airspace.errors import DuplicateIntent, IntentError, StaleVersion, UnknownIntent
from airspace.intents.f3548 import INTERSECTION_MINIMUM_PRECISION_M
from airspace.intents.intent import IntentState, OperationalIntent, transition
from airspace.intents.volume import Volume4D


@dataclass(frozen=True, slots=True)
class DeconflictionSettings:
    """Engine policy.

    Attributes:
        allow_equal_priority_conflicts: let equal priorities overlap (F3548 leaves it to the
            regulator; default: forbidden).
        intersection_tolerance_m: outlines/bands this close count as meeting
            (``IntersectionMinimumPrecisionCm`` = 1 cm).
        origin_lonlat_deg: origin of the local metric frame; ``None`` = the first volume seen.
    """

    allow_equal_priority_conflicts: bool = False
    intersection_tolerance_m: float = INTERSECTION_MINIMUM_PRECISION_M
    origin_lonlat_deg: tuple[float, float] | None = None


class DeconflictionEngine:
    """The live operational intents of one airspace, with atomic reserve/update/transition."""

    def __init__(self, settings: DeconflictionSettings | None = None) -> None:
        self.settings = settings or DeconflictionSettings()
        origin = self.settings.origin_lonlat_deg
        self._projection = LocalProjection(*origin) if origin else None
        self._lock = threading.RLock()
        self._intents: dict[str, OperationalIntent] = {}
        self._index = SpatioTemporalIndex(self._projection, self.settings.intersection_tolerance_m)

    # ----------------------------------------------------------------- queries
    def intents(self) -> tuple[OperationalIntent, ...]:
        """Every live (not Ended) intent."""
        with self._lock:
            return tuple(self._intents.values())

    def get(self, intent_id: str) -> OperationalIntent:
        """The live intent ``intent_id``.

        Raises:
            UnknownIntent: no live intent has that id.
        """
        with self._lock:
            try:
                return self._intents[intent_id]
            except KeyError:
                raise UnknownIntent(f"no live intent {intent_id!r}") from None

    def find_conflicts(
        self,
        volumes: Iterable[Volume4D],
        *,
        priority: int | None = None,
        exclude: Iterable[str] = (),
    ) -> tuple[Blocker, ...]:
        """Live nominal intents whose volumes meet ``volumes``.

        Args:
            volumes: the volumes to test.
            priority: when given, only the intents that would *block* a candidate of this
                priority; when ``None``, every meeting intent.
            exclude: intent ids to ignore (e.g. the one being updated).

        Returns:
            One :class:`Blocker` per meeting pair of volumes.
        """
        with self._lock:
            hits = self._index.query(self._index.shapes(volumes), frozenset(exclude))
            blockers = self._blockers(hits)
            if priority is None:
                return blockers
            return tuple(b for b in blockers if self._blocks(b.priority, priority))

    def delay_windows(
        self, volumes: Iterable[Volume4D], *, priority: int, max_delay_s: float
    ) -> list[tuple[float, float]]:
        """Departure delays that would make ``volumes`` meet an intent that blocks ``priority``.

        Shifting every volume by ``d`` seconds meets a blocking volume iff ``lo < d < hi`` for
        one returned open interval ``(lo, hi)``: the spatial test does not depend on ``d``, the
        time windows then overlap exactly on that interval.

        Args:
            volumes: the candidate volumes at zero delay.
            priority: the candidate's priority (which intents block is decided by the rules).
            max_delay_s: the horizon; intervals entirely beyond it are left out.
        """
        windows: list[tuple[float, float]] = []
        with self._lock:
            for shape in self._index.shapes(volumes):
                # one second of slack: the exact window test below decides
                for other in self._index.meeting(shape, max_delay_s + 1.0):
                    if not self._blocks(self._intents[other.intent_id].priority, priority):
                        continue
                    lo = other.shape.start_s - shape.end_s
                    hi = other.shape.end_s - shape.start_s
                    if hi > 0 and lo < max_delay_s:
                        windows.append((lo, hi))
        return windows

    # -------------------------------------------------------------- mutations
    def reserve(self, candidate: OperationalIntent) -> ReserveResult:
        """Atomically check ``candidate`` against the live set and add it if the rules allow.

        Returns:
            :class:`Accepted` (with the lower-priority intents it preempts) or
            :class:`Conflict` listing exactly the blocking intents and volumes.

        Raises:
            DuplicateIntent: an intent with that id is live.
            IntentError: the candidate is not in a nominal state.
        """
        if not candidate.state.is_nominal:
            raise IntentError(f"intent {candidate.id}: only nominal intents can be reserved")
        with self._lock:
            if candidate.id in self._intents:
                raise DuplicateIntent(f"intent {candidate.id!r} is already live")
            return self._check_and_put(candidate, exclude=frozenset())

    def update(
        self,
        intent_id: str,
        volumes: tuple[Volume4D, ...],
        *,
        priority: int | None = None,
        expected_ovn: str | None = None,
    ) -> ReserveResult:
        """Replace the nominal volumes (and priority) of a nominal intent, deconflicted.

        Returns:
            :class:`Accepted` with the new version, or :class:`Conflict` (nothing changed).

        Raises:
            UnknownIntent, StaleVersion: see :meth:`transition`.
            IntentError: the intent is off-nominal (use :meth:`transition`).
        """
        with self._lock:
            current = self._current(intent_id, expected_ovn)
            if not current.state.is_nominal:
                raise IntentError(f"intent {intent_id}: off-nominal intents change by transition")
            new = transition(current, current.state, volumes=volumes, priority=priority)
            return self._check_and_put(new, exclude=frozenset({intent_id}))

    def activate(self, intent_id: str, *, expected_ovn: str | None = None) -> OperationalIntent:
        """Accepted -> Activated (take-off).

        Raises:
            UnknownIntent, StaleVersion, IllegalTransition: see :meth:`transition`.
        """
        return self.transition(intent_id, IntentState.ACTIVATED, expected_ovn=expected_ovn)

    def transition(
        self,
        intent_id: str,
        state: IntentState,
        *,
        off_nominal_volumes: tuple[Volume4D, ...] | None = None,
        expected_ovn: str | None = None,
    ) -> OperationalIntent:
        """Move a live intent to ``state`` keeping its nominal volumes (F3548 rules apply).

        Off-nominal targets need ``off_nominal_volumes`` (or keep the current ones); entering
        Ended removes the intent from the live set.

        Raises:
            UnknownIntent: no live intent has that id.
            StaleVersion: ``expected_ovn`` is given and is not the current ovn.
            IllegalTransition: F3548 does not allow the change.
            IntentError: the resulting volumes break the state's rules.
        """
        with self._lock:
            current = self._current(intent_id, expected_ovn)
            new = transition(current, state, off_nominal_volumes=off_nominal_volumes)
            self._put(new)
            return new

    def end(self, intent_id: str, *, expected_ovn: str | None = None) -> OperationalIntent:
        """The intent moved to Ended and removed from the live set.

        Raises:
            UnknownIntent, StaleVersion, IllegalTransition: see :meth:`transition`.
        """
        return self.transition(intent_id, IntentState.ENDED, expected_ovn=expected_ovn)

    def remove(self, intent_id: str) -> OperationalIntent | None:
        """Drop an intent without a transition (e.g. undo a reservation storage refused).

        Returns:
            The removed intent, or ``None`` when it was not live.
        """
        with self._lock:
            self._index.remove(intent_id)
            return self._intents.pop(intent_id, None)

    def expire(self, now: datetime) -> tuple[OperationalIntent, ...]:
        """Remove every live intent whose volumes all ended before ``now``; returns them."""
        with self._lock:
            gone = [
                i for i in self._intents.values() if max(v.time_end for v in i.all_volumes) < now
            ]
            for intent in gone:
                self.remove(intent.id)
            return tuple(gone)

    def restore(self, intents: Iterable[OperationalIntent]) -> None:
        """Replace the live set with ``intents`` (e.g. from storage after a restart).

        The stored set was deconflicted when it was built, so it is loaded as is; Ended intents
        are skipped. Nothing changes if an id repeats.

        Raises:
            DuplicateIntent: two intents share an id.
        """
        loaded: dict[str, OperationalIntent] = {}
        for intent in intents:
            if intent.id in loaded:
                raise DuplicateIntent(f"restore: intent {intent.id!r} appears twice")
            if intent.state is not IntentState.ENDED:
                loaded[intent.id] = intent
        with self._lock:
            self._index.clear()
            self._intents = {}
            for intent in loaded.values():
                self._put(intent)

    # -------------------------------------------------------------- internals
    def _current(self, intent_id: str, expected_ovn: str | None) -> OperationalIntent:
        current = self.get(intent_id)
        if expected_ovn is not None and expected_ovn != current.ovn:
            raise StaleVersion(f"intent {intent_id}: ovn {expected_ovn} is not {current.ovn}")
        return current

    def _check_and_put(
        self, candidate: OperationalIntent, exclude: frozenset[str]
    ) -> ReserveResult:
        shapes = self._index.shapes(candidate.volumes)
        meeting = self._blockers(self._index.query(shapes, exclude))
        blocking = tuple(b for b in meeting if self._blocks(b.priority, candidate.priority))
        if blocking:
            return Conflict(candidate, blocking)
        self._put(candidate, shapes)
        return Accepted(candidate, tuple(b for b in meeting if b.priority < candidate.priority))

    def _put(self, intent: OperationalIntent, shapes: list[VolumeShape] | None = None) -> None:
        self._index.remove(intent.id)
        if intent.state is IntentState.ENDED:
            self._intents.pop(intent.id, None)
            return
        self._intents[intent.id] = intent
        if intent.state.is_nominal:
            self._index.add(intent.id, shapes or self._index.shapes(intent.volumes))

    def _blocks(self, existing_priority: int, candidate_priority: int) -> bool:
        if existing_priority == candidate_priority:
            return not self.settings.allow_equal_priority_conflicts
        return existing_priority > candidate_priority

    def _blockers(self, hits: list[Hit]) -> tuple[Blocker, ...]:
        out = []
        for h in hits:
            other = self._intents[h.intent_id]
            out.append(
                Blocker(
                    other.id,
                    other.operator_id,
                    other.priority,
                    other.state,
                    other.ovn,
                    h.volume_index,
                    h.query_index,
                )
            )
        return tuple(out)
