"""A scaled clock: simulated UTC time running ``speedup`` times faster than the wall clock.

The demo, the simulated vehicles and the runner share one, so a flight planned to depart at
10:05 (simulated) departs when the clock says 10:05, whatever the acceleration. Waiting for a
departure time is a timer on this clock, not a poll.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class ScaledClock:
    """Simulated time = ``start + (wall - wall_at_start) * speedup``.

    A clock created with ``running=False`` stays at ``start`` until :meth:`run` is called, so
    a demo can book and plan against a fixed time origin however long planning takes.

    Args:
        start: simulated time at creation (timezone-aware UTC).
        speedup: how many simulated seconds pass per wall second (> 0).
        monotonic: wall-clock source in seconds (injected in tests).
        running: whether time passes from creation on.

    Raises:
        ValueError: naive ``start`` or a non-positive ``speedup``.
    """

    def __init__(
        self,
        start: datetime,
        speedup: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        running: bool = True,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock's start must be timezone-aware (UTC)")
        if speedup <= 0:
            raise ValueError(f"speedup must be positive, got {speedup}")
        self.start = start.astimezone(UTC)
        self.speedup = speedup
        self._monotonic = monotonic
        self._wall0 = monotonic()
        self._running = asyncio.Event()
        self._frozen = not running
        if running:
            self._running.set()

    def run(self) -> None:
        """Let time pass from now on (no effect on a running clock)."""
        if self._frozen:
            self._frozen = False
            self._wall0 = self._monotonic()
            self._running.set()

    def now(self) -> datetime:
        """The current simulated time."""
        return self.start + timedelta(seconds=self.elapsed_s())

    def elapsed_s(self) -> float:
        """Simulated seconds since the clock started (0 while it is held)."""
        if self._frozen:
            return 0.0
        return (self._monotonic() - self._wall0) * self.speedup

    def wall_s(self, sim_s: float) -> float:
        """Wall seconds that ``sim_s`` simulated seconds take."""
        return sim_s / self.speedup

    async def sleep_until(self, when: datetime) -> None:
        """Return once the simulated time has reached ``when`` (at once if it has)."""
        await self._running.wait()
        delay_s = (when - self.now()).total_seconds()
        if delay_s > 0:
            await asyncio.sleep(self.wall_s(delay_s))
