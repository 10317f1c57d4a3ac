"""The scaled clock: simulated time runs ``speedup`` times faster than the injected wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fleet.runner.clock import ScaledClock

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_simulated_time_advances_speedup_times_the_wall_time() -> None:
    wall = [100.0]
    clock = ScaledClock(T0, speedup=20.0, monotonic=lambda: wall[0])
    wall[0] += 3.0
    assert clock.now() == T0 + timedelta(seconds=60)
    assert clock.elapsed_s() == pytest.approx(60.0)
    assert clock.wall_s(60.0) == pytest.approx(3.0)


async def test_sleep_until_a_past_time_returns_at_once() -> None:
    clock = ScaledClock(T0, speedup=1000.0)
    await clock.sleep_until(T0 - timedelta(hours=1))
    await clock.sleep_until(T0 + timedelta(seconds=5))  # 5 ms of wall time
    assert clock.now() >= T0 + timedelta(seconds=5)


@pytest.mark.parametrize(("start", "speedup"), [(datetime(2026, 5, 1), 1.0), (T0, 0.0), (T0, -2.0)])
def test_bad_clocks_are_refused(start: datetime, speedup: float) -> None:
    with pytest.raises(ValueError):
        ScaledClock(start, speedup)


async def test_a_held_clock_stays_at_its_start_until_it_runs() -> None:
    wall = [0.0]
    clock = ScaledClock(T0, speedup=10.0, monotonic=lambda: wall[0], running=False)
    wall[0] = 50.0
    assert clock.now() == T0
    clock.run()
    wall[0] = 52.0
    assert clock.now() == T0 + timedelta(seconds=20)
