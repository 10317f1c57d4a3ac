"""The service at real time: 12 simulated drones + 4 robots, 15 minutes of bookings.

``skyfleet demo``'s machinery (the service as ``skyfleet serve`` builds it under uvicorn, the
simulated fleet on loopback MAVLink, bookings over HTTP, progress over the WebSocket) at
speed-up 1 instead of 50, with the demo's mix of bookings (deliveries, medical, relays, two
inspections) whose windows open over the first 15 minutes (``--horizon-s 900``). Nothing
approves by hand: the service's dispatcher does everything. Figures:

- completed share of what the scheduler placed (goal 100 %), failures with their reasons;
- on-time share; airspace conflicts among the flown intents (independent oracle, goal 0);
- dispatcher CPU per booking: thread CPU time inside the dispatcher's scheduling rounds and
  sortie bookings (planning, fixing, reserving), against the whole process's CPU per booking
  in the same run (simulators, runner, service, client) as the baseline.

Usage::

    .venv/bin/python benchmarks/bench_serve_realtime.py [--horizon-s 900] [--limit-s 3600]

It runs until every mission ended or ``--limit-s`` wall seconds passed (tens of minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from rich.console import Console

from fleet.demo.report import render
from fleet.demo.run import DemoOptions, run_demo
from fleet.demo.scenario import ScenarioSize
from fleet.dispatch.dispatcher import Dispatcher
from fleet.dispatch.loop import DispatchLoop

CPU = {"dispatcher_s": 0.0, "calls": 0}


def _thread_timed(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def timed(*args: Any, **kw: Any) -> Any:
        t0 = time.thread_time()
        try:
            return fn(*args, **kw)
        finally:
            CPU["dispatcher_s"] += time.thread_time() - t0
            CPU["calls"] += 1

    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--horizon-s", type=float, default=900.0, help="bookings' windows span")
    parser.add_argument("--limit-s", type=float, default=3600.0, help="wall time limit")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    # the dispatcher's synchronous work runs in worker threads: count its thread CPU there
    Dispatcher.dispatch = _thread_timed(Dispatcher.dispatch)  # type: ignore[method-assign]
    DispatchLoop._schedule_all = _thread_timed(DispatchLoop._schedule_all)  # type: ignore[method-assign]
    options = DemoOptions(
        seed=args.seed,
        speedup=1.0,
        size=ScenarioSize(horizon_s=args.horizon_s),
        time_limit_s=args.limit_s,
    )
    console = Console()
    cpu0 = time.process_time()
    report = asyncio.run(run_demo(options, console))
    process_s = time.process_time() - cpu0
    render(report, console)
    booked = report.missions_total
    placed = booked - sum(
        1 for m in report.missions if m.state == "failed" and "not scheduled" in (m.reason or "")
    )
    print("\n| figure | value |\n|---|---|")
    print(f"| booked / placed by the scheduler / completed | {booked} / {placed} / "
          f"{report.missions_completed} |")  # fmt: skip
    share = 100.0 * report.missions_completed / max(placed, 1)
    print(f"| completed share of placed | {share:.1f} % |")
    print(f"| on time | {report.on_time_pct} % |")
    print(f"| airspace conflicts (flown intents audited) | {report.airspace_conflicts} "
          f"({report.intents_audited}) |")  # fmt: skip
    print(f"| failures | {report.failures} |")
    print(f"| wall / simulated time | {report.wall_time_s:.0f} s / {report.sim_time_s:.0f} s |")
    per_booking = CPU["dispatcher_s"] / max(booked, 1)
    baseline = process_s / max(booked, 1)
    print(f"| dispatcher CPU per booking | {per_booking * 1000:.0f} ms ({CPU['calls']} calls) |")
    print(f"| whole process CPU per booking (baseline) | {baseline * 1000:.0f} ms |")
    print(f"| dispatcher share | {per_booking / max(baseline, 1e-9):.3f} |")


if __name__ == "__main__":
    main()
