"""Fleet scale of the MAVLink bridge: how many PX4-like vehicles one bridge process holds.

A separate process plays N vehicles, each on its own UDP socket (like SITL's per-instance
ground-station link) sending to ONE bridge port at the PX4 default stream rates the simulator
uses (``simulators.telemetry.PX4_RATES_HZ``: 30 messages/s per vehicle) and answering every
COMMAND_LONG with a COMMAND_ACK. The bridge (``MavlinkHub`` on ``udpin``, one pymavlink parser)
runs in this process. Per N, over a measuring window:

- held: the bridge decoded >= 99 % of what the vehicles sent (no loss, so no backlog), the event
  loop's lag p99 stayed under 50 ms, and command round trips (``Vehicle.command``, to random
  vehicles, 20 workers) had p99 <= 50 ms;
- bridge CPU per vehicle (process CPU seconds / wall seconds / N);
- the limit, measured in the same run: raw pymavlink decode (``parse_buffer`` per datagram on
  the same packet mix, one core) in messages per CPU second, against the bridge's messages per
  CPU second (everything: sockets, routing, typed events, commands) as a ratio. The bridge
  frames every packet but decodes only the message types it consumes (about a third of PX4's
  stream: ATTITUDE alone is half of it), which is why the ratio can exceed 1.

Vehicle packets are encoded once per vehicle and re-sent (their content does not change), so
the vehicle process stays cheap and the bridge is what is measured.

    .venv/bin/python benchmarks/bench_bridge.py --counts 100,250,500,750 --window-s 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import os
import random
import statistics
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.errors import BridgeError
from firmware_bridge.hub import HubConfig, MavlinkHub
from firmware_bridge.transports.udp import UdpTransport
from firmware_bridge.vehicle import Vehicle
from simulators.telemetry import PX4_RATES_HZ

TICK_S = 0.01
REQUEST_MESSAGE = 512  # MAV_CMD_REQUEST_MESSAGE: a cheap command every PX4 acknowledges
LIMIT_MS = 50.0
VEHICLES_PER_LINK = 250  # system ids 1..250 per socket (255 is the ground station's)
SIM_PORT_OFFSET = 2900  # --source sim: SITL ports shifted into the bridge engineer's range
COMMAND_WORKERS = 10
COMMAND_PAUSE_S = 0.25  # 10 workers: about 40 commands/s, a busy dispatcher


# ---------------------------------------------------------------- the vehicles' process


def vehicle_packets(sysid: int) -> dict[int, bytes]:
    """One encoded packet per streamed message id, as vehicle ``sysid`` (PX4, component 1)."""
    mav = mavlink.MAVLink(None, sysid, 1)
    msgs = {
        0: mav.heartbeat_encode(2, 12, 157, (4 << 16) | (3 << 24), 4),
        1: mav.sys_status_encode(0, 0, 0, 300, 16000, 1200, 80, 0, 0, 0, 0, 0, 0),
        24: mav.gps_raw_int_encode(0, 3, 356895000, 1396917000, 40000, 80, 120, 0, 0, 14),
        30: mav.attitude_encode(0, 0.01, -0.02, 1.5, 0.0, 0.0, 0.0),
        33: mav.global_position_int_encode(0, 356895000, 1396917000, 55000, 15000, 10, 20, 0, 9000),
        42: mav.mission_current_encode(2, 5),
        74: mav.vfr_hud_encode(5.0, 5.0, 90, 50, 15.0, 0.0),
        147: mav.battery_status_encode(0, 0, 0, 2500, [4000] * 4 + [65535] * 6, 1200, -1, -1, 80),
        242: mav.home_position_encode(356895000, 1396917000, 40000, 0, 0, 0, [1, 0, 0, 0], 0, 0, 0),
        245: mav.extended_sys_state_encode(0, 2),
    }
    return {msg_id: bytes(msg.pack(mav)) for msg_id, msg in msgs.items()}


class _VehicleSocket(asyncio.DatagramProtocol):
    def __init__(self, sysid: int, owner: _Fleet) -> None:
        self.sysid, self.owner = sysid, owner
        self.mav: Any = mavlink.MAVLink(None, sysid, 1)
        self.mav.robust_parsing = True
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        for msg in self.mav.parse_buffer(data) or []:
            if msg.get_type() == "COMMAND_LONG" and self.transport is not None:
                ack = self.mav.command_ack_encode(msg.command, 0, 0, 0, 255, 190)
                self.transport.sendto(bytes(ack.pack(self.mav)))
                self.owner.sent += 1


class _Fleet:
    def __init__(self, count: int, bridge_ports: list[int]) -> None:
        self.count, self.bridge_ports = count, bridge_ports
        self.sent = 0
        self.sockets: list[_VehicleSocket] = []

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        for i in range(self.count):
            # A MAVLink system id is one byte: each bridge socket serves VEHICLES_PER_LINK.
            protocol = _VehicleSocket(i % VEHICLES_PER_LINK + 1, self)
            port = self.bridge_ports[i // VEHICLES_PER_LINK]
            await loop.create_datagram_endpoint(
                lambda p=protocol: p, remote_addr=("127.0.0.1", port)
            )
            self.sockets.append(protocol)

    async def stream(self) -> None:
        """Send every vehicle's messages at their rates, spread evenly over 10 ms ticks."""
        packets = [vehicle_packets(s.sysid) for s in self.sockets]
        owed = dict.fromkeys(PX4_RATES_HZ, 0.0)
        cursor = dict.fromkeys(PX4_RATES_HZ, 0)
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while True:
            for msg_id, hz in PX4_RATES_HZ.items():
                owed[msg_id] += hz * TICK_S * self.count
                due = int(owed[msg_id])
                owed[msg_id] -= due
                start = cursor[msg_id]
                for k in range(start, start + due):
                    i = k % self.count
                    transport = self.sockets[i].transport
                    if transport is not None:
                        transport.sendto(packets[i][msg_id])
                cursor[msg_id] = (start + due) % self.count
                self.sent += due
            next_tick += TICK_S
            await asyncio.sleep(max(0.0, next_tick - loop.time()))


def run_vehicles(count: int, bridge_ports: list[int], control: Connection) -> None:
    """The vehicles' process: stream until told to stop; answer stats requests."""

    async def main() -> None:
        fleet = _Fleet(count, bridge_ports)
        await fleet.open()
        streaming = asyncio.create_task(fleet.stream())
        stop = asyncio.Event()

        def on_control() -> None:
            if control.recv() == "stop":
                stop.set()
            control.send((fleet.sent, time.process_time()))

        asyncio.get_running_loop().add_reader(control.fileno(), on_control)
        control.send("ready")
        await stop.wait()
        streaming.cancel()

    asyncio.run(main())


def run_sim_vehicles(count: int, port_offset: int, control: Connection) -> None:
    """The project's simulator (``simulators.Swarm``) as the vehicles: GCS links to one port.

    Instance i's API link sends to 14540+offset+i, which for i = 10 is the GCS port the bridge
    listens on (as with PX4 SITL); the API links' streams are switched off so each vehicle
    streams once, on its GCS link.
    """
    from simulators.swarm import Swarm

    async def main() -> None:
        async with Swarm(count, port_offset=port_offset, rates="px4") as swarm:
            sent = [0]
            for vehicle in swarm.vehicles:
                for link in vehicle.links:
                    if link.name == "api":  # SET_MESSAGE_INTERVAL -1 for every stream
                        for msg_id in PX4_RATES_HZ:
                            vehicle.set_message_interval(link, msg_id, -1)
                    else:
                        link.send = _counting(link.send, sent)  # type: ignore[method-assign]
            ticking = asyncio.create_task(swarm.run())
            stop = asyncio.Event()

            def on_control() -> None:
                if control.recv() == "stop":
                    stop.set()
                control.send((sent[0], time.process_time()))

            asyncio.get_running_loop().add_reader(control.fileno(), on_control)
            control.send("ready")
            await stop.wait()
            ticking.cancel()

    asyncio.run(main())


def _counting(send: Any, sent: list[int]) -> Any:
    """Wrap a simulator link's ``send`` to count messages (it batches them into datagrams)."""

    def counted(msg: Any, batch: bool = False) -> None:
        sent[0] += 1
        send(msg, batch)

    return counted


# ---------------------------------------------------------------- the bridge side


@dataclass
class Row:
    count: int
    offered_msgs_s: float
    received_share: float
    bridge_msgs_s: float
    bridge_cpu_share: float
    cpu_per_vehicle_ms_s: float
    vehicles_cpu_share: float
    rtt_p50_ms: float
    rtt_p99_ms: float
    lag_p99_ms: float
    commands: int
    command_failures: int
    bridge_msgs_per_cpu_s: float

    @property
    def held(self) -> bool:
        ok_rtt = self.rtt_p99_ms <= LIMIT_MS and self.lag_p99_ms <= LIMIT_MS
        return self.received_share >= 0.99 and ok_rtt and self.command_failures == 0


def raw_decode_rate(duration_s: float = 2.0) -> float:
    """pymavlink's own decode rate on the benchmark's packet mix, per CPU second (one core)."""
    datagrams: list[bytes] = []
    packets = vehicle_packets(7)
    for msg_id, hz in PX4_RATES_HZ.items():
        datagrams += [packets[msg_id]] * round(hz * 2)
    random.Random(1).shuffle(datagrams)
    mav = mavlink.MAVLink(None, 255, 190)
    mav.robust_parsing = True
    decoded, start = 0, time.process_time()
    while time.process_time() - start < duration_s:
        for datagram in datagrams:
            decoded += len(mav.parse_buffer(datagram) or ())
    return decoded / (time.process_time() - start)


async def _command_worker(
    vehicles: list[Vehicle],
    rtts: list[float],
    failures: list[str],
    pause_s: float,
    stop: asyncio.Event,
) -> None:
    rng = random.Random(len(rtts))
    loop = asyncio.get_running_loop()
    await asyncio.sleep(rng.uniform(0, pause_s))
    while not stop.is_set():
        vehicle = rng.choice(vehicles)
        start = loop.time()
        try:
            await vehicle.command(REQUEST_MESSAGE, 0)
        except BridgeError as exc:
            failures.append(str(exc))
        else:
            rtts.append((loop.time() - start) * 1000)
        await asyncio.sleep(pause_s)


async def _loop_lag(lags: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(0.02)
        lags.append((loop.time() - start - 0.02) * 1000)


async def measure(count: int, window_s: float, warmup_s: float, source: str) -> Row:
    """Run N vehicles against one bridge process (one hub per 250 vehicles), measure a window."""
    config = HubConfig(heartbeat_timeout_s=3.0)
    links = -(-count // VEHICLES_PER_LINK)
    if source == "sim" and links > 1:
        raise SystemExit(f"--source sim: at most {VEHICLES_PER_LINK} vehicles (one GCS port)")
    async with contextlib.AsyncExitStack() as stack:
        hubs = []
        for _ in range(links):
            port = 14550 + SIM_PORT_OFFSET if source == "sim" else 0
            transport = UdpTransport("127.0.0.1", port, listen=True)
            hubs.append(await stack.enter_async_context(MavlinkHub.open(transport, config)))
        ports = [h.transport.local_port for h in hubs]  # type: ignore[attr-defined]
        ours, theirs = mp.Pipe()
        target, where = (
            (run_sim_vehicles, SIM_PORT_OFFSET) if source == "sim" else (run_vehicles, ports)
        )
        vehicles = mp.get_context("spawn").Process(target=target, args=(count, where, theirs))
        vehicles.start()
        try:
            await asyncio.to_thread(ours.recv)  # "ready"
            for hub, expected in zip(hubs, _split(count), strict=True):
                async with hub.discovered.subscribe() as found, asyncio.timeout(60):
                    while len(hub.vehicles()) < expected:
                        await anext(found)
            await asyncio.sleep(warmup_s)
            return await _window(hubs, count, window_s, ours)
        finally:
            ours.send("stop")
            await asyncio.to_thread(vehicles.join, 10)


def _split(count: int) -> list[int]:
    full, rest = divmod(count, VEHICLES_PER_LINK)
    return [VEHICLES_PER_LINK] * full + ([rest] if rest else [])


async def _window(hubs: list[MavlinkHub], count: int, window_s: float, control: Connection) -> Row:
    rtts: list[float] = []
    lags: list[float] = []
    failures: list[str] = []
    stop = asyncio.Event()
    fleet = [v for hub in hubs for v in hub.vehicles()]
    control.send("stats")
    sent0, vcpu0 = await asyncio.to_thread(control.recv)
    msgs0, cpu0, wall0 = _decoded(hubs), time.process_time(), time.perf_counter()
    async with asyncio.TaskGroup() as tasks:
        for _ in range(COMMAND_WORKERS):
            tasks.create_task(_command_worker(fleet, rtts, failures, COMMAND_PAUSE_S, stop))
        tasks.create_task(_loop_lag(lags, stop))
        await asyncio.sleep(window_s)
        stop.set()
    wall = time.perf_counter() - wall0
    cpu, msgs = time.process_time() - cpu0, _decoded(hubs) - msgs0
    control.send("stats")
    sent1, vcpu1 = await asyncio.to_thread(control.recv)
    sent = sent1 - sent0
    return Row(
        count=count,
        offered_msgs_s=sent / wall,
        received_share=min(1.0, msgs / sent) if sent else 0.0,
        bridge_msgs_s=msgs / wall,
        bridge_cpu_share=cpu / wall,
        cpu_per_vehicle_ms_s=cpu / wall / count * 1000,
        vehicles_cpu_share=(vcpu1 - vcpu0) / wall,
        rtt_p50_ms=statistics.median(rtts),
        rtt_p99_ms=_p99(rtts),
        lag_p99_ms=_p99(lags),
        commands=len(rtts),
        command_failures=len(failures),
        bridge_msgs_per_cpu_s=msgs / cpu if cpu else 0.0,
    )


def _decoded(hubs: list[MavlinkHub]) -> int:
    """Messages taken off the sockets: decoded and routed, or framed and skipped as unused."""
    return sum(hub.stats.messages + hub.stats.skipped for hub in hubs)


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else float("nan")


def markdown(rows: list[Row], raw_msgs_s: float) -> str:
    """The RESULTS.md block."""
    held = [r.count for r in rows if r.held]
    lines = [
        "| vehicles | offered msg/s | decoded | bridge CPU (core) | CPU/vehicle (ms/s) "
        "| commands (failed) | cmd RTT p50 / p99 (ms) | loop lag p99 (ms) "
        "| bridge msg per CPU s / raw | held |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = r.bridge_msgs_per_cpu_s / raw_msgs_s
        lines.append(
            f"| {r.count} | {r.offered_msgs_s:,.0f} | {r.received_share:.1%} "
            f"| {r.bridge_cpu_share:.2f} | {r.cpu_per_vehicle_ms_s:.2f} "
            f"| {r.commands} ({r.command_failures}) "
            f"| {r.rtt_p50_ms:.1f} / {r.rtt_p99_ms:.1f} | {r.lag_p99_ms:.1f} "
            f"| {r.bridge_msgs_per_cpu_s:,.0f} / {raw_msgs_s:,.0f} = {ratio:.2f} "
            f"| {'yes' if r.held else 'no'} |"
        )
    lines.append("")
    lines.append(f"Largest N held: **{max(held) if held else 'none'}**.")
    per_vehicle_msgs_s = sum(PX4_RATES_HZ.values())
    best = max(rows, key=lambda r: r.bridge_msgs_per_cpu_s)
    lines.append(
        f"CPU-bound capacity: at {best.bridge_msgs_per_cpu_s:,.0f} messages per CPU second, one "
        f"fully available core carries about "
        f"{best.bridge_msgs_per_cpu_s / per_vehicle_msgs_s:,.0f} vehicles at "
        f"{per_vehicle_msgs_s:g} msg/s each."
    )
    load = os.getloadavg()
    lines.append(
        f"Machine load average during the run: {load[0]:.1f} (1 min), {os.cpu_count()} cores."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="100,250,500,750", help="fleet sizes to try")
    parser.add_argument("--window-s", type=float, default=10.0, help="measuring window per N")
    parser.add_argument("--warmup-s", type=float, default=2.0, help="settling time per N")
    parser.add_argument(
        "--source",
        choices=("emitter", "sim"),
        default="emitter",
        help="vehicles: pre-encoded PX4 streams (cheap, any N) or the project's simulator (N<=250)",
    )
    args = parser.parse_args()
    raw = raw_decode_rate()
    print(f"raw pymavlink decode: {raw:,.0f} msg per CPU second (one core)", flush=True)
    rows = []
    for count in (int(c) for c in args.counts.split(",")):
        row = asyncio.run(measure(count, args.window_s, args.warmup_s, args.source))
        rows.append(row)
        print(row, flush=True)
    raw_after = raw_decode_rate()
    print(f"raw pymavlink decode after: {raw_after:,.0f} msg per CPU second", flush=True)
    print()
    print(markdown(rows, (raw + raw_after) / 2))


if __name__ == "__main__":
    main()
