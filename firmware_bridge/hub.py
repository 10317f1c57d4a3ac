"""One MAVLink connection serving many vehicles: the bridge's entry point.

::

    async with MavlinkHub.open("udpin://0.0.0.0:14550") as hub:
        vehicle = await hub.wait_vehicle()
        await vehicle.upload_mission(items)
        await vehicle.arm()
        await vehicle.start_mission()
        async for progress in vehicle.telemetry.mission_progress:
            ...

Everything read from the transport goes through one pymavlink parser; messages are routed by
system id to their :class:`Vehicle`, which is created on the system's first autopilot HEARTBEAT.
The hub sends a GCS HEARTBEAT every second (PX4's data-link-loss failsafe listens for it) and
watches every vehicle's heartbeats to report link loss and recovery.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.channel import Channel
from firmware_bridge.codec import Codec, CodecStats, SigningConfig
from firmware_bridge.commands import COMMAND_IDS, CommandPolicy
from firmware_bridge.decoder import TELEMETRY_IDS
from firmware_bridge.mission_protocol import MISSION_IDS, MissionPolicy
from firmware_bridge.params import PARAM_IDS, ParamPolicy
from firmware_bridge.streams import Stream
from firmware_bridge.transports import Transport, open_transport
from firmware_bridge.vehicle import ActionPolicy, Vehicle, VehicleInfo

_log = logging.getLogger(__name__)
_HEARTBEAT_ID = mavlink.MAVLINK_MSG_ID_HEARTBEAT
# Every message id the bridge reads (telemetry, COMMAND_ACK, the mission protocol); the rest of
# a vehicle's stream (ATTITUDE, VFR_HUD, GPS_RAW_INT, ...) is framed but never decoded.
CONSUMED_IDS = TELEMETRY_IDS | COMMAND_IDS | MISSION_IDS | PARAM_IDS
_NOT_A_VEHICLE = frozenset({mavlink.MAV_TYPE_GCS, mavlink.MAV_TYPE_ONBOARD_CONTROLLER})


@dataclass(frozen=True, slots=True)
class HubConfig:
    """Settings of one connection.

    Attributes:
        system_id: our MAVLink system id (255: ground station).
        component_id: our component id (190: MAV_COMP_ID_MISSIONPLANNER).
        heartbeat_timeout_s: a vehicle silent this long is reported lost.
        gcs_heartbeat_period_s: period of our own HEARTBEAT.
        signing: MAVLink 2 signing of this link, or ``None``.
    """

    system_id: int = 255
    component_id: int = 190
    heartbeat_timeout_s: float = 3.0
    gcs_heartbeat_period_s: float = 1.0
    signing: SigningConfig | None = None
    commands: CommandPolicy = field(default_factory=CommandPolicy)
    missions: MissionPolicy = field(default_factory=MissionPolicy)
    actions: ActionPolicy = field(default_factory=ActionPolicy)
    params: ParamPolicy = field(default_factory=ParamPolicy)


class MavlinkHub:
    """A connection carrying any number of vehicles, routed by system id.

    Prefer :meth:`open`, which starts and stops it.

    Args:
        transport: an unstarted transport.
        config: ids, timeouts, signing.
        clock: seconds, for link health and event times (monotonic by default).
    """

    def __init__(
        self,
        transport: Transport,
        config: HubConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or HubConfig()
        self._transport = transport
        self._clock = clock
        self._codec = Codec(
            self.config.system_id, self.config.component_id, self.config.signing, CONSUMED_IDS
        )
        self._vehicles: dict[int, Vehicle] = {}
        self._datagram = transport.datagram
        self.discovered: Stream[Vehicle] = Stream(maxlen=4096)
        self.handler_errors = 0

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        connection: str | Transport,
        config: HubConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> AsyncIterator[MavlinkHub]:
        """Open a connection by URL (or transport) and run it for the block's duration.

        Raises:
            ConnectionUrlError: a malformed URL.
            TransportError: the socket, TCP peer or serial port cannot be opened.
        """
        transport = open_transport(connection) if isinstance(connection, str) else connection
        hub = cls(transport, config, clock)
        await transport.start(hub.receive)
        # Not a TaskGroup around the ``yield``: the caller's own exceptions must reach it
        # unwrapped. The two loops are owned here, cancelled and awaited on every exit.
        runners = [asyncio.create_task(hub._send_heartbeats()), asyncio.create_task(hub._watch())]
        try:
            yield hub
        finally:
            for runner in runners:
                runner.cancel()
            await asyncio.gather(*runners, return_exceptions=True)
            await transport.aclose()
            hub._close_streams()

    # -- the receive path (kept small: it runs for every message) --------------------------

    def receive(self, data: bytes, peer: Hashable) -> None:
        """Parse bytes from the transport and route each message to its vehicle."""
        vehicles = self._vehicles
        for msg in self._codec.decode(data, datagram=self._datagram):
            header = msg._header  # msg.id is shadowed by a field in STATUSTEXT, BATTERY_STATUS
            msg_id = header.msgId
            vehicle = vehicles.get(header.srcSystem)
            if vehicle is None:
                if msg_id != _HEARTBEAT_ID:
                    continue
                vehicle = self._discover(msg)
                if vehicle is None:
                    continue
            elif msg_id == _HEARTBEAT_ID and header.srcComponent != vehicle.info.component_id:
                continue  # a camera's or gimbal's heartbeat says nothing about the autopilot
            try:
                vehicle.handle(msg, msg_id, peer)
            except Exception:  # a well-formed but absurd message must not stop the others
                self.handler_errors += 1
                _log.exception("system %d: message %d not handled", header.srcSystem, msg_id)

    def _discover(self, msg: Any) -> Vehicle | None:
        if msg.autopilot == mavlink.MAV_AUTOPILOT_INVALID or msg.type in _NOT_A_VEHICLE:
            return None
        header = msg._header
        info = VehicleInfo(header.srcSystem, header.srcComponent, msg.type, msg.autopilot)
        channel = Channel(self._send, self._codec.mav, info.system_id, info.component_id)
        cfg = self.config
        vehicle = Vehicle(
            info, channel, self._clock, cfg.commands, cfg.missions, cfg.actions, cfg.params
        )
        self._vehicles[info.system_id] = vehicle
        self.discovered.publish(vehicle)
        return vehicle

    def _send(self, msg: Any, peer: Hashable | None) -> None:
        self._transport.send(self._codec.encode(msg), peer)

    # -- public queries ---------------------------------------------------------------------

    def vehicles(self) -> list[Vehicle]:
        """Every vehicle seen so far, in discovery order (lost ones included)."""
        return list(self._vehicles.values())

    def vehicle(self, system_id: int) -> Vehicle | None:
        """The vehicle with ``system_id``, or ``None`` if it has not been seen."""
        return self._vehicles.get(system_id)

    async def wait_vehicle(self, system_id: int | None = None, timeout_s: float = 10.0) -> Vehicle:
        """Return a vehicle (``system_id``, or any) once its first heartbeat has arrived.

        Raises:
            TimeoutError: none appeared within ``timeout_s``.
        """
        if system_id is None and self._vehicles:
            return next(iter(self._vehicles.values()))
        if system_id is not None and system_id in self._vehicles:
            return self._vehicles[system_id]
        return await self.discovered.wait_for(
            lambda v: system_id is None or v.system_id == system_id, timeout_s
        )

    @property
    def transport(self) -> Transport:
        """The connection's transport (e.g. to read a UDP socket's bound port)."""
        return self._transport

    @property
    def stats(self) -> CodecStats:
        """Counters of the connection's parser (messages, bad data, bytes)."""
        return self._codec.stats

    # -- background tasks -------------------------------------------------------------------

    async def _send_heartbeats(self) -> None:
        heartbeat = self._codec.mav.heartbeat_encode(
            mavlink.MAV_TYPE_GCS, mavlink.MAV_AUTOPILOT_INVALID, 0, 0, mavlink.MAV_STATE_ACTIVE
        )
        while True:
            self._transport.send(self._codec.encode(heartbeat), None)
            await asyncio.sleep(self.config.gcs_heartbeat_period_s)

    async def _watch(self) -> None:
        period_s = min(0.1, self.config.heartbeat_timeout_s / 10)
        while True:
            await asyncio.sleep(period_s)  # a periodic check, not a wait for a condition
            for vehicle in self._vehicles.values():
                vehicle.check_link(self.config.heartbeat_timeout_s)

    def _close_streams(self) -> None:
        self.discovered.close()
        for vehicle in self._vehicles.values():
            vehicle.telemetry.close()


Bridge = MavlinkHub  # the short name the service uses
