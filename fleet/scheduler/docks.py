"""Dock slots: at no instant do more vehicles recharge or swap at a dock than it has slots.

PyVRP has no shared-resource constraint (a reload depot serves any number of vehicles at
once), so slots are enforced by a documented post-pass inside the exact replay
(:mod:`fleet.scheduler.decode`): every recharge or swap is booked in a :class:`DockCalendar`
at the earliest instant from the vehicle's landing at which a slot stays free for the whole
service. When the dock the engine chose would make the vehicle wait, it lands instead at the
dock (within its remaining energy) where it is ready again first. A vehicle that still has to
wait does so on the apron (landed, no energy drawn, no slot held) and takes off later; the
following trip is re-timed, its time windows and energy re-checked, and a mission it can no
longer keep is returned with :attr:`~fleet.scheduler.types.UnassignedReason.DOCK_SLOTS_FULL`
and the wait in the detail. Vehicles are replayed most urgent work first (the highest
priority on their routes), so they get slots before the others.

Occupancy intervals are half-open, ``[start, end)``: a vehicle leaving a slot at ``t`` frees
it for one arriving at ``t``; a zero-length service (a 0 s swap) holds no slot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

EPS_S = 1e-9


@dataclass(frozen=True, slots=True)
class SlotBooking:
    """A dock slot held by a vehicle from ``start_s`` to ``end_s`` (seconds from the start)."""

    dock: int
    start_s: float
    end_s: float


@dataclass(slots=True)
class DockCalendar:
    """Slot bookings per dock (index into the problem's docks) and the first-fit booking rule."""

    slots: list[int]
    bookings: dict[int, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    @classmethod
    def with_bookings(cls, slots: list[int], held: Iterable[SlotBooking]) -> DockCalendar:
        """A calendar already holding ``held`` (e.g. recharges of trips in the air)."""
        calendar = cls(slots)
        for b in held:
            if b.end_s - b.start_s > EPS_S:
                calendar.bookings[b.dock].append((b.start_s, b.end_s))
        return calendar

    def book(self, dock: int, earliest_s: float, duration_s: float) -> float:
        """Book ``duration_s`` at ``dock`` from the earliest start ``>= earliest_s`` that fits.

        A start fits when fewer than ``slots`` bookings overlap ``[start, start + duration)``
        at every instant; candidates are ``earliest_s`` and the ends of later bookings (the
        only instants at which a slot can free up).

        >>> cal = DockCalendar([1])
        >>> cal.book(0, 10.0, 5.0), cal.book(0, 12.0, 5.0), cal.book(0, 0.0, 5.0)
        (10.0, 15.0, 0.0)

        Returns:
            The start of the booked service (the slot wait is ``start - earliest_s``).
        """
        start = self.earliest(dock, earliest_s, duration_s)
        if duration_s > EPS_S:
            self.bookings[dock].append((start, start + duration_s))
        return start

    def earliest(self, dock: int, earliest_s: float, duration_s: float) -> float:
        """The start :meth:`book` would give, without booking."""
        if duration_s <= EPS_S:
            return earliest_s
        held = self.bookings[dock]
        candidates = sorted({earliest_s, *(e for _, e in held if e > earliest_s)})
        for start in candidates:
            if self._fits(held, start, start + duration_s, self.slots[dock]):
                return start
        raise AssertionError("unreachable: the last booking's end always fits")

    @staticmethod
    def _fits(held: list[tuple[float, float]], start: float, end: float, slots: int) -> bool:
        overlapping = [(s, e) for s, e in held if s < end - EPS_S and e > start + EPS_S]
        if len(overlapping) < slots:
            return True
        instants = [start, *(s for s, _ in overlapping if s > start)]
        return all(
            sum(1 for s, e in overlapping if s <= t + EPS_S and e > t + EPS_S) < slots
            for t in instants
        )


def max_occupancy(intervals: Iterable[tuple[float, float]]) -> int:
    """Most half-open intervals ``[start, end)`` holding at one instant.

    >>> max_occupancy([(0, 10), (5, 15), (10, 20)])
    2
    """
    events = sorted(
        (t, delta) for s, e in intervals if e - s > EPS_S for t, delta in ((s, 1), (e, -1))
    )
    best = current = 0
    for _, delta in events:  # ends sort before starts at equal times: -1 < +1
        current += delta
        best = max(best, current)
    return best
