"""Simulator cost: CPU per wall second for N PX4-like vehicles in one process.

Each run builds a ``simulators.Swarm`` of N vehicles on SITL-style UDP ports, points every API
link at one sink socket (as if a bridge had contacted each vehicle) and drives the swarm with a
manual clock: ``--seconds`` of wall time are simulated as 50 ticks per second (the swarm's real
tick), so the work per simulated second is exactly what the live swarm does, and CPU is measured
with ``time.process_time``. Figures: CPU seconds per wall second (cores needed to hold N in real
time), messages and datagrams per second, and vehicles per core.

Baseline in the same run: the same swarm with the plain pymavlink send path (``msg.pack`` per
message, one UDP datagram per message), i.e. the simulator without its fast framing and PX4-style
batching. The ratio baseline CPU / simulator CPU is the speedup.

    .venv/bin/python benchmarks/bench_sim.py --counts 100,250,500 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import time
from dataclasses import dataclass
from typing import Any

from simulators import Swarm
from simulators.clock import ManualClock
from simulators.link import UdpLink

PORT_OFFSET = 1300  # the simulator engineer's port range (1000-1999)
TICK_S = 0.02


class PlainLink(UdpLink):
    """Baseline send path: pymavlink packs, one datagram per message."""

    def send(self, msg: Any, batch: bool = False) -> None:
        buf = msg.pack(self.mav)
        self.mav.seq = (self.mav.seq + 1) & 0xFF
        self.send_bytes(buf)


@dataclass(frozen=True)
class Run:
    """One measurement."""

    vehicles: int
    cpu_per_s: float
    messages_per_s: float
    datagrams_per_s: float


async def measure(count: int, seconds: float, rates: str, plain: bool) -> Run:
    """CPU per simulated wall second of a contacted ``count``-vehicle swarm."""
    clock = ManualClock(1000.0)
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    swarm = Swarm(count, port_offset=PORT_OFFSET, rates=rates, gcs_link=False, clock=clock)
    try:
        async with swarm:
            links = [link for vehicle in swarm.vehicles for link in vehicle.links]
            for link in links:
                link.remote = sink.getsockname()
                if plain:
                    link.__class__ = PlainLink
            messages = _count_messages(links)
            for _ in range(50):  # warm up one second
                clock.advance(TICK_S)
                swarm.tick()
            sent0, started = sum(link.sent for link in links), time.process_time()
            messages.clear()
            for _ in range(round(seconds / TICK_S)):
                clock.advance(TICK_S)
                swarm.tick()
            cpu = time.process_time() - started
            datagrams = sum(link.sent for link in links) - sent0
    finally:
        sink.close()
    return Run(count, cpu / seconds, len(messages) / seconds, datagrams / seconds)


def _count_messages(links: list[UdpLink]) -> list[int]:
    """Wrap each link's send to count messages (not datagrams); returns the tally list."""
    tally: list[int] = []
    for link in links:
        original = link.send

        def counted(msg: Any, batch: bool = False, _send: Any = original) -> None:
            tally.append(1)
            _send(msg, batch)

        link.send = counted  # type: ignore[method-assign]
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="100,250,500", help="vehicle counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="simulated wall seconds")
    parser.add_argument("--rates", default="px4", choices=["px4", "low"])
    args = parser.parse_args()
    rows = []
    for count in (int(c) for c in args.counts.split(",")):
        fast = asyncio.run(measure(count, args.seconds, args.rates, plain=False))
        plain = asyncio.run(measure(count, args.seconds, args.rates, plain=True))
        rows.append((fast, plain))
        print(f"N={count}: sim {fast.cpu_per_s:.3f} cores, plain {plain.cpu_per_s:.3f} cores")
    print("\n| vehicles | msg/s | datagrams/s | sim CPU (cores) | vehicles per core "
          "| plain pymavlink CPU (cores) | plain / sim |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for fast, plain in rows:
        print(
            f"| {fast.vehicles} | {fast.messages_per_s:,.0f} | {fast.datagrams_per_s:,.0f} "
            f"| {fast.cpu_per_s:.3f} | {fast.vehicles / fast.cpu_per_s:,.0f} "
            f"| {plain.cpu_per_s:.3f} | {plain.cpu_per_s / fast.cpu_per_s:.2f} |"
        )


if __name__ == "__main__":
    main()
