"""One simulated PX4 vehicle: autopilot + physics, its two SITL-style UDP links, telemetry.

The vehicle never sleeps: :class:`simulators.swarm.Swarm` (or a test) calls :meth:`tick` with
the injected clock's time, and the vehicle advances its physics by the elapsed time times the
speedup, answers what arrived and streams what is due.
"""

from __future__ import annotations

import asyncio
import errno
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from simulators.autopilot import Autopilot
from simulators.commands import ACCEPTED, TEMPORARILY_REJECTED, handle_command
from simulators.config import AutopilotConfig
from simulators.errors import PortInUse
from simulators.geo import LocalFrame
from simulators.link import LinkFaults, UdpLink
from simulators.mission_exec import CaptureEvent
from simulators.mission_server import MissionServer
from simulators.params import ParamTable, config_from_params, default_params
from simulators.physics import (
    QUAD_AIRFRAME,
    ROVER_AIRFRAME,
    Airframe,
    VehicleKind,
    Wind,
    initial_state,
)
from simulators.plan import FENCE, MISSION, RALLY, PlanItem, geofence_from_items
from simulators.px4_modes import FlightMode, flight_mode_from_custom
from simulators.telemetry import AUTOPILOT_VERSION, RATE_TABLES, Telemetry
from simulators.validation import mission_problem

_MISSION_MESSAGES = frozenset(
    {"MISSION_COUNT", "MISSION_ITEM_INT", "MISSION_ITEM", "MISSION_REQUEST_INT",
     "MISSION_REQUEST", "MISSION_REQUEST_LIST", "MISSION_CLEAR_ALL", "MISSION_SET_CURRENT"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    """How to build one simulated vehicle (instance i has system id i + 1).

    Ports (with ``port_offset`` K added to each): the API link binds UDP 14580+i and first
    sends to ``api_host``:14540+i; the GCS link binds 18570+i and sends to ``api_host``:14550.
    """

    instance: int = 0
    kind: VehicleKind = VehicleKind.QUAD
    home_lon_deg: float = 139.6917
    home_lat_deg: float = 35.6895
    home_amsl_m: float = 40.0
    speedup: float = 1.0
    port_offset: int = 0
    rates: str = "px4"
    gcs_link: bool = True
    api_host: str = "127.0.0.1"
    bind_host: str = "0.0.0.0"
    config: AutopilotConfig = field(default_factory=AutopilotConfig)
    wind: Wind = field(default_factory=Wind)
    payload_kg: float = 0.0
    airframe: Airframe | None = None  # None: the stock quad or rover of ``kind``
    send_first: bool = True  # False: the API link waits to be contacted before sending

    @property
    def sysid(self) -> int:
        """MAVLink system id."""
        return self.instance % 255 + 1

    @property
    def api_ports(self) -> tuple[int, int]:
        """(bound port, first remote port) of the API/offboard link."""
        return 14580 + self.port_offset + self.instance, 14540 + self.port_offset + self.instance

    @property
    def gcs_ports(self) -> tuple[int, int]:
        """(bound port, remote port) of the ground-station link."""
        return 18570 + self.port_offset + self.instance, 14550 + self.port_offset


class SimVehicle:
    """A PX4-like vehicle on two UDP links; use ``async with`` or :meth:`open`/:meth:`close`."""

    def __init__(self, spec: VehicleSpec, clock: Callable[[], float] = time.monotonic) -> None:
        self.spec = spec
        self.sysid = spec.sysid
        self.now_s = clock
        airframe = spec.airframe or (
            QUAD_AIRFRAME if spec.kind is VehicleKind.QUAD else ROVER_AIRFRAME
        )
        wind = spec.wind if spec.wind.seed else replace(spec.wind, seed=spec.sysid)
        self.autopilot = Autopilot(
            initial_state(airframe, wind, spec.payload_kg),
            LocalFrame(spec.home_lon_deg, spec.home_lat_deg), spec.home_amsl_m, spec.config,
        )  # fmt: skip
        self._boot_s = clock()
        self.telemetry = Telemetry(self.autopilot, self.sysid, self._boot_ms)
        self.params = ParamTable(
            default_params(spec.config, self.sysid, spec.speedup), self._params_changed
        )
        self.faults = LinkFaults(seed=spec.sysid)
        self.links: list[UdpLink] = []
        self.status_log: deque[str] = deque(maxlen=200)  # last STATUSTEXTs, for inspection
        self.plans: dict[int, tuple[PlanItem, ...]] = {MISSION: (), FENCE: (), RALLY: ()}
        self.mission_valid = False
        self._check_due_s: float | None = None
        self._deferred_mode_acks: list[tuple[UdpLink, int, int, int]] = []
        self._last_tick_s = self._boot_s
        self._last_gcs_heartbeat_s: float | None = None
        self._shown_mode = (self.autopilot.mode, self.autopilot.armed)
        self._shown_landed = self.autopilot.landed_state
        self.mission_server = MissionServer(
            self.sysid, self.plans.__getitem__, self.load_plan, self.set_mission_current
        )

    # ---- lifecycle -----------------------------------------------------------------------

    async def open(self) -> None:
        """Bind the vehicle's UDP sockets (raises PortInUse, leaving nothing bound)."""
        api_bind, api_remote = self.spec.api_ports
        wanted: list[tuple[str, int, int | None]] = [
            ("api", api_bind, api_remote if self.spec.send_first else None)
        ]
        if self.spec.gcs_link:
            wanted.append(("gcs", *self.spec.gcs_ports))
        loop = asyncio.get_running_loop()
        try:
            for name, bind_port, remote_port in wanted:
                remote = None if remote_port is None else (self.spec.api_host, remote_port)
                link = UdpLink(name, self.sysid, remote, self.faults, self._handle, self.now_s)
                try:
                    await loop.create_datagram_endpoint(
                        _factory(link), local_addr=(self.spec.bind_host, bind_port)
                    )
                except OSError as exc:
                    if exc.errno == errno.EADDRINUSE:
                        raise PortInUse(
                            f"UDP port {bind_port} ({name} link of sysid {self.sysid}) is in use"
                        ) from exc
                    raise
                self._reset_streams(link)
                self.links.append(link)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the sockets."""
        for link in self.links:
            link.close()
        self.links.clear()

    async def __aenter__(self) -> SimVehicle:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    # ---- the tick ------------------------------------------------------------------------

    def tick(self, now_s: float | None = None, physics: bool = True) -> None:
        """Advance to ``now_s`` (wall clock): physics, protocol timers, events, streams.

        Args:
            now_s: the injected clock's time (default: read it).
            physics: False to only stream what is due (a swarm steps physics at 10 Hz).
        """
        now = self.now_s() if now_s is None else now_s
        if physics:
            self.step_physics(now)
        for link in self.links:
            if now >= link.next_due_s:
                self.stream(link, now)

    def step_physics(self, now: float) -> None:
        """Fly the time elapsed since the last call, then run timers and send events."""
        elapsed = now - self._last_tick_s
        self._last_tick_s = now
        if elapsed > 0:
            self.autopilot.advance(elapsed * self.spec.speedup, now)
        self.mission_server.poll(now)
        if self._check_due_s is not None:
            self._mission_check(now)
        if self._last_gcs_heartbeat_s is not None:
            self._datalink_check(now)
        if self.autopilot.events:
            self._flush_events()
        self._announce_mode()

    def _announce_mode(self) -> None:
        """A HEARTBEAT at once when the mode or arming changes, an EXTENDED_SYS_STATE when the
        landed state does: at a speedup the 1 Hz (wall)
        heartbeat spans many simulated seconds, and a short mode (a mission that ends in a
        moment) would never be seen by a client confirming it from the heartbeat."""
        shown = (self.autopilot.mode, self.autopilot.armed)
        if shown != self._shown_mode:
            self._shown_mode = shown
            self._broadcast(self.telemetry.heartbeat())
        landed = self.autopilot.landed_state
        if landed != self._shown_landed:  # likewise a short TAKEOFF or IN_AIR, as PX4 shows it
            self._shown_landed = landed
            self._broadcast(self.telemetry.extended_sys_state())
            self._broadcast(self.telemetry.global_position())  # where it took off or landed

    def stream(self, link: UdpLink, now: float) -> None:
        """Send the messages due on ``link`` (in one datagram)."""
        next_due = float("inf")
        for entry in link.schedule.values():
            due = entry[0]
            if now >= due:
                link.send(entry[2](), batch=True)
                due += entry[1]
                if due <= now:
                    due = now + entry[1]
                entry[0] = due
            if due < next_due:
                next_due = due
        link.next_due_s = next_due
        link.flush()

    def _flush_events(self) -> None:
        ap = self.autopilot
        if not ap.events:
            return
        for event in ap.events:
            if isinstance(event, int):
                self._broadcast(self.telemetry.item_reached(event))
                self._broadcast(self.telemetry.mission_current())
            else:
                self._broadcast(self.telemetry.statustext(*event))
                self.status_log.append(event[1])
        ap.events.clear()

    def _broadcast(self, msg: Any) -> None:
        for link in self.links:
            link.send(msg)

    # ---- incoming ------------------------------------------------------------------------

    def _handle(self, msg: Any, link: UdpLink) -> None:
        target = getattr(msg, "target_system", 0)
        if target not in (0, self.sysid):
            return
        kind = msg.get_type()
        if kind == "HEARTBEAT":
            if msg.type == mavlink.MAV_TYPE_GCS:
                self._last_gcs_heartbeat_s = self.now_s()
                self.autopilot.datalink_regained()
        elif kind in ("COMMAND_LONG", "COMMAND_INT"):
            handle_command(self, msg, link)
            self._announce_mode()  # before the next physics step, which may end the mode
        elif kind in _MISSION_MESSAGES:
            self.mission_server.handle(msg, link, self.now_s())
        elif kind.startswith("PARAM_"):
            self.params.handle(msg, link)
        elif kind == "SET_MODE":
            mode = flight_mode_from_custom(msg.custom_mode)
            if mode is not None and mode is not FlightMode.MISSION:
                self.autopilot.set_mode(mode)

    # ---- services used by commands -------------------------------------------------------

    def send_ack(self, link: UdpLink, request: Any, command: int, result: int) -> None:
        """COMMAND_ACK to the sender of ``request``."""
        src = (request.get_srcSystem(), request.get_srcComponent())
        link.send(mavlink.MAVLink_command_ack_message(command, result, 0, 0, *src))

    @property
    def mission_check_pending(self) -> bool:
        """True while PX4's asynchronous mission check after an upload is still running."""
        return self._check_due_s is not None

    def request_mission_mode(self, link: UdpLink, src: tuple[int, int], command: int) -> int:
        """Switch to Mission, or ACCEPT now and reject later while the check runs (as PX4)."""
        ap = self.autopilot
        if self.mission_check_pending:
            self._deferred_mode_acks.append((link, *src, command))
            return ACCEPTED
        if not self.mission_valid:
            ap.say(4, "Mode not available: no valid mission")
            return TEMPORARILY_REJECTED
        if ap.mode is not FlightMode.MISSION and ap.mission.finished:
            ap.mission.reset(0)
        ap.set_mode(FlightMode.MISSION)
        return ACCEPTED

    def set_message_interval(self, link: UdpLink, msgid: int, interval_us: float) -> bool:
        """SET_MESSAGE_INTERVAL on one link: -1 stops, 0 restores the default."""
        if msgid not in self.telemetry.builders or msgid == AUTOPILOT_VERSION:
            return False
        default_hz = RATE_TABLES[self.spec.rates].get(msgid, 0.0)
        if interval_us < 0 or (interval_us == 0 and default_hz == 0):
            link.schedule.pop(msgid, None)
            return True
        interval_s = interval_us / 1e6 if interval_us > 0 else 1.0 / default_hz
        link.schedule[msgid] = [self.now_s(), interval_s, self.telemetry.builders[msgid]]
        link.next_due_s = self.now_s()
        return True

    def send_requested(self, link: UdpLink, msgid: int) -> bool:
        """REQUEST_MESSAGE: send one instance of ``msgid`` now."""
        builder = self.telemetry.builders.get(msgid)
        if builder is None:
            return False
        link.send(builder())
        return True

    def set_mission_current(self, seq: int) -> bool:
        """MISSION_SET_CURRENT / DO_SET_MISSION_CURRENT."""
        mission = self.autopilot.mission
        if not 0 <= seq < len(mission.items):
            return False
        mission.reset(seq)
        self._broadcast(self.telemetry.mission_current())
        return True

    def _reset_streams(self, link: UdpLink) -> None:
        now = self.now_s()
        rates = [(m, hz) for m, hz in RATE_TABLES[self.spec.rates].items() if hz > 0]
        link.schedule = {
            m: [now + 0.01 * (self.sysid % 7), 1.0 / hz, self.telemetry.builders[m]]
            for m, hz in rates
        }
        link.next_due_s = now

    def _params_changed(self, values: dict[str, tuple[float, int]]) -> None:
        """A PARAM_SET changes the behaviour at once, as in PX4."""
        ap = self.autopilot
        config = config_from_params(values, ap.config, self.spec.speedup)
        if ap.kind is VehicleKind.QUAD and config.cruise_speed_mps != ap.config.cruise_speed_mps:
            ap.speed_mps = config.cruise_speed_mps
        ap.config = config

    def _boot_ms(self) -> int:
        return int((self.now_s() - self._boot_s) * 1000) & 0xFFFFFFFF

    # ---- plans and checks ----------------------------------------------------------------

    def load_plan(self, mission_type: int, items: tuple[PlanItem, ...]) -> None:
        """Store a mission, geofence or rally plan as an upload would (then check a mission)."""
        self.plans[mission_type] = items
        ap = self.autopilot
        if mission_type == FENCE:
            ap.geofence = geofence_from_items(items, ap.frame)
        elif mission_type == RALLY:
            ap.rally = items
        else:
            ap.mission.load(items)
            self.mission_valid = False
            self._check_due_s = (
                self.now_s() + self.autopilot.config.mission_check_wall_s if items else None
            )
            if ap.mode is FlightMode.MISSION:
                ap.hold_here()
            if self._check_due_s is not None and ap.config.mission_check_wall_s <= 0:
                self._mission_check(self._check_due_s)  # done before the next request, as PX4

    def _mission_check(self, now: float) -> None:
        if self._check_due_s is None or now < self._check_due_s:
            return
        self._check_due_s = None
        ap = self.autopilot
        problem = mission_problem(self.plans[MISSION], ap)
        self.mission_valid = problem is None
        if problem is not None:
            ap.say(3, f"Mission rejected: {problem}")
        for link, sysid, compid, command in self._deferred_mode_acks:
            link.send(
                mavlink.MAVLink_command_ack_message(
                    command, TEMPORARILY_REJECTED, 0, 0, sysid, compid
                )
            )
        self._deferred_mode_acks.clear()

    def _datalink_check(self, now: float) -> None:
        last = self._last_gcs_heartbeat_s
        if last is not None and now - last > self.autopilot.config.datalink_timeout_wall_s:
            self.autopilot.datalink_lost()

    # ---- fault injection and inspection ----------------------------------------------------

    def set_link_faults(
        self, loss: float = 0.0, latency_s: float = 0.0, jitter_s: float = 0.0
    ) -> None:
        """Packet loss (fraction 0..1), latency and jitter on both links, both directions."""
        self.faults.loss, self.faults.latency_s, self.faults.jitter_s = loss, latency_s, jitter_s

    def drop_link(self, duration_s: float) -> None:
        """Lose every packet, both ways, for ``duration_s`` wall seconds."""
        self.faults.down_until_s = self.now_s() + duration_s

    def set_gps(self, ok: bool) -> None:
        """Lose (False) or regain (True) the GPS fix."""
        self.autopilot.gps_ok = ok

    def fail_battery(self, remaining: float | None = None) -> None:
        """Mark the pack faulty and optionally drop its charge to ``remaining`` (fraction)."""
        state = self.autopilot.state
        battery = replace(state.battery, fault=True)
        if remaining is not None:
            battery = replace(battery, used_wh=battery.capacity_wh * (1.0 - remaining))
        self.autopilot.state = replace(state, battery=battery)

    @property
    def lon_lat_deg(self) -> tuple[float, float]:
        """Present position."""
        state = self.autopilot.state
        return self.autopilot.frame.to_lon_lat(state.north_m, state.east_m)

    @property
    def captures(self) -> list[CaptureEvent]:
        """Camera captures so far."""
        return self.autopilot.captures


def _factory(link: UdpLink) -> Callable[[], UdpLink]:
    return lambda: link
