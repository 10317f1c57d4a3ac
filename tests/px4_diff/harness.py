"""Differential harness: one scripted scenario against the simulator and real PX4 SITL at once.

A scenario is ``async def scenario(v: Target) -> None``. It drives the vehicle through
:class:`Target` (commands, parameters, mission protocol, waits on the telemetry stream) and
writes what a client would act on into ``v.trace.results`` (ACK results, protocol results,
values read back); the target records on its own the flight-mode and landed-state sequences,
the altitude above home and the wall time of each change. :func:`run_both` runs the scenario
on one simulated vehicle and one PX4 SITL instance concurrently, with the same home and the
same speed-up, and returns both traces; the tests compare them with stated tolerances.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import math
import os
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from simulators import SimVehicle, Swarm
from simulators.errors import PortInUse
from simulators.px4_sitl import SitlOptions, px4_sitl

HOME_LON_DEG, HOME_LAT_DEG, HOME_AMSL_M = 139.6890, 35.6900, 40.0
SPEED = 5.0  # PX4_SIM_SPEED_FACTOR and the simulator's speedup
GCS_SYSID, GCS_COMPID = 245, 190
READY_TIMEOUT_S = 40.0

_MODES = {
    (4, 2): "TAKEOFF", (4, 3): "HOLD", (4, 4): "MISSION", (4, 5): "RTL", (4, 6): "LAND",
    (4, 1): "READY", (3, 0): "POSCTL", (2, 0): "ALTCTL", (1, 0): "MANUAL",
}  # fmt: skip
_CUSTOM = {name: (main << 16) | (sub << 24) for (main, sub), name in _MODES.items()}
LANDED = {0: "UNDEFINED", 1: "ON_GROUND", 2: "IN_AIR", 3: "TAKEOFF", 4: "LANDING"}


def mode_name(custom_mode: int) -> str:
    """PX4 mode name of a HEARTBEAT's custom_mode."""
    key = ((custom_mode >> 16) & 0xFF, (custom_mode >> 24) & 0xFF)
    return _MODES.get(key, f"{key}")


@dataclass
class Trace:
    """What one run showed a client.

    Attributes:
        results: named outcomes written by the scenario (compared exactly).
        modes: (s, "MODE/armed|disarmed") at each change.
        landed: (s, MAV_LANDED_STATE name) at each change.
        alt: (s, metres above home) from GLOBAL_POSITION_INT.
        marks: named times the scenario noted (e.g. when it armed).

    Times are the vehicle's simulated seconds since boot (see :meth:`Target.now`).
        texts: STATUSTEXTs, for the failure message.
    """

    name: str
    results: dict[str, object] = field(default_factory=dict)
    modes: list[tuple[float, str]] = field(default_factory=list)
    landed: list[tuple[float, str]] = field(default_factory=list)
    alt: list[tuple[float, float]] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)

    def mode_sequence(self, since: str | None = None) -> list[str]:
        """Modes in order (from mark ``since``), leaving out those shown for under a simulated
        second: PX4 sends its HEARTBEAT once a second, so a client cannot count on seeing them
        (armed in Hold for the moment before a take-off command, say)."""
        start = self.marks.get(since, 0.0) if since else 0.0
        shown = [(t, m) for t, m in self.modes if t >= start]
        ends = [t for t, _ in shown[1:]] + [math.inf]
        return [m for (t, m), end in zip(shown, ends, strict=True) if end - t >= 1.0]

    def landed_sequence(self, since: str | None = None) -> list[str]:
        """Landed states in order (from mark ``since``)."""
        start = self.marks.get(since, 0.0) if since else 0.0
        return [s for t, s in self.landed if t >= start]

    def max_alt_m(self) -> float:
        """Highest altitude above home seen (95th percentile: PX4's stream carries spikes)."""
        alts = sorted(a for _, a in self.alt)
        return alts[int(0.95 * (len(alts) - 1))] if alts else 0.0

    def alt_at(self, mark: str, window_s: float = 0.5) -> float:
        """Median altitude above home over the ``window_s`` seconds before mark ``mark``."""
        end = self.marks[mark]
        alts = sorted(a for t, a in self.alt if end - window_s <= t <= end)
        return alts[len(alts) // 2] if alts else math.nan

    def between(self, first: str, second: str) -> float:
        """Seconds from mark ``first`` to mark ``second``."""
        return self.marks[second] - self.marks[first]

    def first_time(self, mode: str, since: str | None = None) -> float | None:
        """Time of the first change to ``mode`` (after mark ``since``), else None."""
        start = self.marks.get(since, 0.0) if since else 0.0
        return next((t - start for t, m in self.modes if t >= start and m == mode), None)

    def __str__(self) -> str:
        return (
            f"{self.name}: results={self.results}\n  modes={self.modes}\n"
            f"  landed={self.landed}\n  max_alt={self.max_alt_m():.1f}\n  texts={self.texts}"
        )


class Link(asyncio.DatagramProtocol):
    """A raw MAVLink ground station on one UDP port: history plus waiters on it."""

    def __init__(self, on_message: Callable[[Any], None]) -> None:
        self.mav = mavlink.MAVLink(None, srcSystem=GCS_SYSID, srcComponent=GCS_COMPID)
        self.mav.robust_parsing = True
        self.history: list[Any] = []
        self.transport: asyncio.DatagramTransport | None = None
        self.peer: tuple[str, int] | None = None
        self._changed = asyncio.Event()
        self.closed = asyncio.Event()  # the socket is closed (its port free again)
        self._on_message = on_message

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.peer = addr
        for msg in self.mav.parse_buffer(data) or []:
            if msg.get_type() != "BAD_DATA":
                self.history.append(msg)
                self._on_message(msg)
        self._changed.set()

    def send(self, msg: Any) -> None:
        """Send to the vehicle (the address it sends from)."""
        assert self.transport is not None and self.peer is not None
        self.transport.sendto(msg.pack(self.mav), self.peer)

    async def wait(
        self,
        kinds: str | tuple[str, ...],
        where: Callable[[Any], bool],
        since: int,
        timeout_s: float,
    ) -> Any:
        """The first message at index >= ``since`` of a type in ``kinds`` matching ``where``.

        Raises:
            TimeoutError: none came within ``timeout_s``.
        """
        kinds = (kinds,) if isinstance(kinds, str) else kinds
        index = since
        async with asyncio.timeout(timeout_s):
            while True:
                while index < len(self.history):
                    msg = self.history[index]
                    index += 1
                    if msg.get_type() in kinds and where(msg):
                        return msg
                self._changed.clear()
                await self._changed.wait()


class Target:
    """One vehicle under test, as a client drives it; records its trace."""

    def __init__(self, name: str, boot_scale: float) -> None:
        self.trace = Trace(name)
        self.link = Link(self._record)
        self.sysid = 0
        self.home_amsl_m = math.nan
        self._boot_scale = boot_scale
        self.sim_vehicle: SimVehicle | None = None  # the simulated vehicle, for fault injection
        self._boot_ms = 0
        self._mode: str | None = None
        self._landed: str | None = None

    def now(self) -> float:
        """The vehicle's simulated seconds since boot, from its messages' time_boot_ms.

        PX4 SITL runs in lockstep, so its time_boot_ms is simulated time whatever the load on
        the machine; the simulator's is wall time, scaled here by its speed-up.
        """
        return self._boot_ms * self._boot_scale / 1000.0

    def mark(self, name: str) -> None:
        """Note the time of a scenario step."""
        self.trace.marks[name] = self.now()

    def _record(self, msg: Any) -> None:
        boot_ms = getattr(msg, "time_boot_ms", None)
        if boot_ms is not None and msg.get_srcComponent() == 1:
            self._boot_ms = max(self._boot_ms, boot_ms)
        kind, t = msg.get_type(), self.now()
        if kind == "HEARTBEAT" and msg.get_srcComponent() == 1 and msg.type != 6:
            armed = "armed" if msg.base_mode & mavlink.MAV_MODE_FLAG_SAFETY_ARMED else "disarmed"
            mode = f"{mode_name(msg.custom_mode)}/{armed}"
            if mode != self._mode:
                self._mode = mode
                self.trace.modes.append((t, mode))
        elif kind == "EXTENDED_SYS_STATE":
            landed = LANDED.get(msg.landed_state, str(msg.landed_state))
            if landed != self._landed:
                self._landed = landed
                self.trace.landed.append((t, landed))
        elif kind == "GLOBAL_POSITION_INT":
            self.trace.alt.append((t, msg.relative_alt / 1000.0))
        elif kind == "STATUSTEXT":
            self.trace.texts.append(msg.text)

    # ---- waiting on the stream -----------------------------------------------------------

    async def wait(
        self,
        kinds: str | tuple[str, ...],
        where: Callable[[Any], bool] = lambda m: True,
        timeout_s: float = 10.0,
        since: int | None = None,
    ) -> Any:
        """The next message (from ``since``, default: from now) matching; TimeoutError if none."""
        start = len(self.link.history) if since is None else since
        return await self.link.wait(kinds, where, start, timeout_s)

    async def wait_mode(
        self, mode: str, armed: bool | None = None, timeout_s: float = 30.0
    ) -> None:
        """Until the HEARTBEAT shows ``mode`` (and the arming state, when given); at once if
        the last one does (wait for an intermediate mode first when the last may be stale)."""

        def shows(msg: Any) -> bool:
            is_armed = bool(msg.base_mode & mavlink.MAV_MODE_FLAG_SAFETY_ARMED)
            return mode_name(msg.custom_mode) == mode and armed in (None, is_armed)

        if not self._shows(shows):
            await self.wait("HEARTBEAT", shows, timeout_s)

    def _shows(self, test: Callable[[Any], bool]) -> bool:
        last = next((m for m in reversed(self.link.history) if m.get_type() == "HEARTBEAT"), None)
        return last is not None and test(last)

    async def wait_disarmed(self, timeout_s: float = 60.0) -> None:
        """Until the HEARTBEAT shows the vehicle disarmed."""

        def disarmed(msg: Any) -> bool:
            return not msg.base_mode & mavlink.MAV_MODE_FLAG_SAFETY_ARMED

        await self.wait("HEARTBEAT", disarmed, timeout_s)

    async def wait_alt(self, test: Callable[[float], bool], timeout_s: float = 60.0) -> float:
        """Until the altitude above home satisfies ``test``; returns it."""
        msg = await self.wait(
            "GLOBAL_POSITION_INT", lambda m: test(m.relative_alt / 1000.0), timeout_s
        )
        return float(msg.relative_alt / 1000.0)

    async def wait_landed(self, state: str, timeout_s: float = 60.0) -> None:
        """Until EXTENDED_SYS_STATE shows ``state`` (a name of :data:`LANDED`)."""
        await self.wait(
            "EXTENDED_SYS_STATE", lambda m: LANDED.get(m.landed_state) == state, timeout_s
        )

    async def connected(self) -> None:
        """Until the first HEARTBEAT (which gives the system id)."""
        heartbeat = await self.wait("HEARTBEAT", since=0, timeout_s=READY_TIMEOUT_S)
        self.sysid = heartbeat.get_srcSystem()

    async def ready(self) -> None:
        """Until the vehicle is ready to arm (SYS_STATUS pre-arm bit) and knows its home."""
        prearm = mavlink.MAV_SYS_STATUS_PREARM_CHECK
        await self.wait(
            "SYS_STATUS", lambda m: m.onboard_control_sensors_health & prearm, READY_TIMEOUT_S, 0
        )
        pos = await self.wait("GLOBAL_POSITION_INT", timeout_s=READY_TIMEOUT_S)
        self.home_amsl_m = (pos.alt - pos.relative_alt) / 1000.0
        self.mark("ready")

    # ---- commands ------------------------------------------------------------------------

    async def command(self, command: int, *params: float, timeout_s: float = 5.0) -> int:
        """COMMAND_LONG (params 1..7, missing ones 0); returns the final COMMAND_ACK result."""
        p = [*params, *([0.0] * (7 - len(params)))]
        since = len(self.link.history)
        self.link.send(mavlink.MAVLink_command_long_message(self.sysid, 1, command, 0, *p))

        def final(msg: Any) -> bool:
            return bool(msg.command == command and msg.result != mavlink.MAV_RESULT_IN_PROGRESS)

        ack = await self.link.wait("COMMAND_ACK", final, since, timeout_s)
        return int(ack.result)

    async def arm(self) -> int:
        """MAV_CMD_COMPONENT_ARM_DISARM(1); marks "armed" when accepted."""
        result = await self.command(mavlink.MAV_CMD_COMPONENT_ARM_DISARM, 1)
        if result == mavlink.MAV_RESULT_ACCEPTED:
            self.mark("armed")
        return result

    async def set_mode(self, mode: str) -> int:
        """MAV_CMD_DO_SET_MODE to a PX4 mode name; returns the ACK result."""
        custom = _CUSTOM[mode]
        return await self.command(
            mavlink.MAV_CMD_DO_SET_MODE,
            mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED,
            (custom >> 16) & 0xFF,
            (custom >> 24) & 0xFF,
        )

    # ---- parameters ----------------------------------------------------------------------

    async def param_set(self, name: str, value: float, is_int: bool = False) -> float | None:
        """PARAM_SET; returns the value echoed in PARAM_VALUE (None when nothing came)."""
        ptype = mavlink.MAV_PARAM_TYPE_INT32 if is_int else mavlink.MAV_PARAM_TYPE_REAL32
        wire = _pack_int(int(value)) if is_int else value
        since = len(self.link.history)
        self.link.send(mavlink.MAVLink_param_set_message(self.sysid, 1, name.encode(), wire, ptype))
        return await self._param_value(name, since)

    async def param_read(self, name: str) -> float | None:
        """PARAM_REQUEST_READ by name; the value, or None when no PARAM_VALUE came in 2 s."""
        since = len(self.link.history)
        self.link.send(mavlink.MAVLink_param_request_read_message(self.sysid, 1, name.encode(), -1))
        return await self._param_value(name, since)

    async def _param_value(self, name: str, since: int) -> float | None:
        try:
            msg = await self.link.wait("PARAM_VALUE", lambda m: m.param_id == name, since, 2.0)
        except TimeoutError:
            return None
        if msg.param_type == mavlink.MAV_PARAM_TYPE_INT32:
            return float(_unpack_int(msg.param_value))
        return float(msg.param_value)

    async def param_list(self, timeout_s: float = 10.0) -> dict[str, float]:
        """PARAM_REQUEST_LIST: every PARAM_VALUE until param_count distinct names came."""
        since = len(self.link.history)
        self.link.send(mavlink.MAVLink_param_request_list_message(self.sysid, 1))
        values: dict[str, float] = {}
        count = None

        def collect(msg: Any) -> bool:
            nonlocal count
            values[msg.param_id] = msg.param_value
            count = msg.param_count
            return count is not None and len(values) >= count

        await self.link.wait("PARAM_VALUE", collect, since, timeout_s)
        return values

    # ---- mission protocol ----------------------------------------------------------------

    async def upload(self, items: list[Any], mission_type: int = 0) -> int:
        """Upload ``items`` (MISSION_ITEM_INT, seq set); returns the MISSION_ACK type."""
        since = len(self.link.history)
        self.link.send(
            mavlink.MAVLink_mission_count_message(self.sysid, 1, len(items), mission_type)
        )
        served = -1
        while True:
            msg = await self.link.wait(
                ("MISSION_REQUEST_INT", "MISSION_REQUEST", "MISSION_ACK"),
                _next_request(mission_type, served),
                since,
                5.0,
            )
            since = len(self.link.history)
            if msg.get_type() == "MISSION_ACK":
                return int(msg.type)
            served = msg.seq
            item = items[msg.seq]
            item.target_system = self.sysid
            self.link.send(item)


def _next_request(mission_type: int, served: int) -> Callable[[Any], bool]:
    """A request for an item after ``served``, or the final ACK, of ``mission_type``."""

    def test(msg: Any) -> bool:
        if msg.mission_type != mission_type:
            return False
        return msg.get_type() == "MISSION_ACK" or bool(msg.seq > served)

    return test


def mission_item(
    seq: int,
    command: int,
    frame: int = mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
    params: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0),
    lat_deg: float = 0.0,
    lon_deg: float = 0.0,
    z: float = 0.0,
) -> Any:
    """A MISSION_ITEM_INT (target filled in at upload)."""
    return mavlink.MAVLink_mission_item_int_message(
        0, 1, seq, frame, command, 1 if seq == 0 else 0, 1, *params,
        round(lat_deg * 1e7), round(lon_deg * 1e7), z, 0,
    )  # fmt: skip


def offset_deg(north_m: float, east_m: float) -> tuple[float, float]:
    """(lat, lon) of a point ``north_m``/``east_m`` from home (flat-earth, fine for 100 m)."""
    lat = HOME_LAT_DEG + north_m / 111_320.0
    lon = HOME_LON_DEG + east_m / (111_320.0 * math.cos(math.radians(HOME_LAT_DEG)))
    return lat, lon


def _pack_int(value: int) -> float:
    return float(struct.unpack("<f", struct.pack("<i", value))[0])


def _unpack_int(wire: float) -> int:
    return int(struct.unpack("<i", struct.pack("<f", wire))[0])


Scenario = Callable[[Target], Awaitable[None]]


@contextlib.asynccontextmanager
async def _listen(target: Target, port: int) -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: target.link, local_addr=("127.0.0.1", port))
    try:
        yield
    finally:
        assert target.link.transport is not None
        target.link.transport.close()
        await target.link.closed.wait()


_runs = itertools.count()  # each run in this process takes the next block of ports


@contextlib.asynccontextmanager
async def _simulator(speed: float, target: Target) -> AsyncIterator[SimVehicle]:
    """One simulated quad at PX4's home and speed-up, running, ``target`` listening to it."""
    base = 20_000 + (os.getpid() % 200) * 100
    for _ in range(20):
        offset = base + (next(_runs) % 14) * 7
        swarm = Swarm(
            1, home_lon_lat=(HOME_LON_DEG, HOME_LAT_DEG), home_amsl_m=HOME_AMSL_M,
            speedup=speed, port_offset=offset, gcs_link=False,
        )  # fmt: skip
        try:
            await swarm.__aenter__()
        except PortInUse:
            continue
        try:
            async with (
                _listen(target, swarm.vehicles[0].spec.api_ports[1]),
                asyncio.TaskGroup() as group,
            ):
                task = group.create_task(swarm.run())
                try:
                    yield swarm.vehicles[0]
                finally:
                    task.cancel()
            return
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
        finally:
            await swarm.__aexit__(None, None, None)
    raise PortInUse("no free port block for the simulator")


async def _drive(
    target: Target,
    scenario: Scenario,
    before_ready: Scenario | None,
    params: dict[str, float],
) -> Trace:
    await target.connected()
    for name, value in params.items():  # as a client sets them
        await target.param_set(name, value, is_int=isinstance(value, int))
    if before_ready is not None:
        await before_ready(target)
    await target.ready()
    await scenario(target)
    return target.trace


async def run_both(
    scenario: Scenario,
    px4_folder: Path,
    params: dict[str, float] | None = None,
    before_ready: Scenario | None = None,
    speed: float = SPEED,
) -> tuple[Trace, Trace]:
    """Run ``scenario`` on a simulated vehicle and on PX4 SITL concurrently.

    Args:
        scenario: what to do once each vehicle is ready to arm.
        px4_folder: the PX4 SITL folder.
        params: PX4 parameters set at boot on PX4 (the simulator gets them by PARAM_SET, as a
            client sets them, before the scenario starts).
        before_ready: what to do from the first HEARTBEAT, before the vehicle is ready to arm
            (``Target.sim_vehicle`` is the simulated vehicle, None on PX4).
        speed: PX4_SIM_SPEED_FACTOR and the simulator's speed-up.

    Returns:
        (simulator trace, PX4 trace).
    """
    options = SitlOptions(
        count=1, speed_factor=speed, params=params or {},
        home_lon_deg=HOME_LON_DEG, home_lat_deg=HOME_LAT_DEG, home_alt_amsl_m=HOME_AMSL_M,
    )  # fmt: skip
    sim, px4 = Target("simulator", speed), Target("PX4", 1.0)

    with px4_sitl(options, px4_folder) as [instance]:
        async with (
            _listen(px4, instance.api_port),
            _simulator(speed, sim) as sim_vehicle,
        ):
            sim.sim_vehicle = sim_vehicle
            try:
                async with asyncio.TaskGroup() as group:
                    sim_task = group.create_task(_drive(sim, scenario, before_ready, params or {}))
                    px4_task = group.create_task(_drive(px4, scenario, before_ready, {}))
            except* TimeoutError as failure:
                log = instance.log_path.read_text(errors="replace")[-3000:]
                raise AssertionError(
                    f"a scenario step timed out\n{sim.trace}\n{px4.trace}\nPX4 log tail:\n{log}"
                ) from failure.exceptions[0]
    return sim_task.result(), px4_task.result()
