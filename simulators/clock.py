"""Clocks injected into the simulator: the real monotonic one, and a manual one for tests."""

from __future__ import annotations

import time


class MonotonicClock:
    """Wall time from :func:`time.monotonic`."""

    def __call__(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to (deterministic tests)."""

    def __init__(self, start_s: float = 0.0) -> None:
        self.now_s = start_s

    def __call__(self) -> float:
        return self.now_s

    def advance(self, dt_s: float) -> None:
        """Move time forward by ``dt_s``."""
        self.now_s += dt_s
