"""A vehicle seen on a connection: its telemetry streams and the actions it accepts.

Mode changes are confirmed by the HEARTBEAT, never by the first COMMAND_ACK alone: PX4 checks
an uploaded mission asynchronously, so a switch to Mission right after an upload can be ACKed
ACCEPTED, then refused while the vehicle stays in Hold. :meth:`Vehicle.set_mode` resends until
the heartbeat shows the mode or the attempts run out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.channel import Channel
from firmware_bridge.commands import CommandPolicy, MavResult, run_command
from firmware_bridge.decoder import TelemetryDecoder
from firmware_bridge.errors import CommandDenied, LinkLost, ModeNotConfirmed
from firmware_bridge.mission_item import MissionItem, MissionType
from firmware_bridge.mission_protocol import MissionPolicy, clear, download, upload
from firmware_bridge.params import ParamPolicy, read_param, write_param
from firmware_bridge.px4 import MODE_FLAG_CUSTOM_MODE_ENABLED, FlightMode, main_and_sub_mode
from firmware_bridge.telemetry import LinkState, Telemetry

_ARM_DISARM = 400
_MISSION_START = 300
_FORCE_DISARM_MAGIC = 21196


@dataclass(frozen=True, slots=True)
class VehicleInfo:
    """What the first HEARTBEAT told about a vehicle."""

    system_id: int
    component_id: int
    mav_type: int
    autopilot: int

    @property
    def is_px4(self) -> bool:
        """Whether the autopilot is PX4 (MAV_AUTOPILOT_PX4)."""
        return bool(self.autopilot == mavlink.MAV_AUTOPILOT_PX4)

    @property
    def is_rover(self) -> bool:
        """Whether the vehicle is a ground rover (MAV_TYPE_GROUND_ROVER)."""
        return bool(self.mav_type == mavlink.MAV_TYPE_GROUND_ROVER)


@dataclass(frozen=True, slots=True)
class ActionPolicy:
    """How long to wait for the heartbeat to confirm a mode or arming state, and how often."""

    confirm_timeout_s: float = 1.5
    mode_attempts: int = 5


class Vehicle:
    """One vehicle (one MAVLink system) on a connection; made by the hub on discovery."""

    def __init__(
        self,
        info: VehicleInfo,
        channel: Channel,
        clock: Callable[[], float],
        commands: CommandPolicy,
        missions: MissionPolicy,
        actions: ActionPolicy,
        params: ParamPolicy | None = None,
    ) -> None:
        self.info = info
        self.telemetry = Telemetry()
        self._channel = channel
        self._decoder = TelemetryDecoder(self.telemetry, clock)
        self._commands, self._missions, self._actions = commands, missions, actions
        self._params = params or ParamPolicy()
        self.telemetry.link.publish(LinkState(True, clock()))

    @property
    def system_id(self) -> int:
        """The vehicle's MAVLink system id."""
        return self.info.system_id

    @property
    def connected(self) -> bool:
        """Whether heartbeats are arriving (within the hub's timeout)."""
        return self._decoder.connected

    def __repr__(self) -> str:
        return f"Vehicle(system_id={self.system_id}, connected={self.connected})"

    # -- called by the hub ---------------------------------------------------------------

    def handle(self, msg: Any, msg_id: int, peer: Hashable) -> None:
        """Route one message of id ``msg_id`` from this vehicle (internal: called by the hub)."""
        self._channel.peer = peer
        handler = self._decoder.handlers.get(msg_id)
        if handler is not None:
            handler(msg)
        self._channel.dispatch(msg, msg_id)

    def check_link(self, timeout_s: float) -> None:
        """Mark the link lost if heartbeats stopped (internal: called by the hub)."""
        self._decoder.check_link(timeout_s)

    # -- commands ------------------------------------------------------------------------

    async def command(self, command: int, *params: float) -> None:
        """Send MAV_CMD ``command`` with up to seven params and wait for it to be ACCEPTED.

        Raises:
            LinkLost: the vehicle's heartbeats stopped.
            CommandDenied: the vehicle refused (``.result``, ``.reason``).
            CommandTimeout: no final COMMAND_ACK after the retries.
        """
        if not self.connected:
            raise LinkLost(f"system {self.system_id}: link lost, command {command} not sent")
        sent_s = self._decoder.clock()

        def reason() -> str:
            latest = self.telemetry.status_text.latest
            return latest.text if latest is not None and latest.time_s >= sent_s else ""

        await run_command(self._channel, command, params, self._commands, reason)

    async def arm(self) -> None:
        """Arm. PX4 arms synchronously, so its ACCEPTED is final (the heartbeat follows).

        Raises:
            CommandDenied: refused; ``.reason`` holds PX4's preflight message if it sent one.
        """
        await self.command(_ARM_DISARM, 1)

    async def disarm(self, *, force: bool = False) -> None:
        """Disarm (``force``: even in the air, PX4's magic 21196)."""
        await self.command(_ARM_DISARM, 0, _FORCE_DISARM_MAGIC if force else 0)

    async def takeoff(self, alt_rel_home_m: float) -> None:
        """Take off to ``alt_rel_home_m`` above home (PX4 wants param7 AMSL: converted here).

        Raises:
            CommandDenied: refused, e.g. not armed or no position yet.
        """
        position = self.telemetry.position.latest
        if position is None:
            raise CommandDenied(
                f"system {self.system_id}: no position yet, cannot compute takeoff altitude",
                command=int(mavlink.MAV_CMD_NAV_TAKEOFF),
                result=int(MavResult.DENIED),
            )
        home_amsl_m = position.alt_amsl_m - position.alt_rel_home_m
        nan = math.nan
        await self.command(
            mavlink.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, nan, nan, nan, home_amsl_m + alt_rel_home_m
        )

    async def goto(
        self, lon_deg: float, lat_deg: float, alt_amsl_m: float, speed_mps: float = -1.0
    ) -> None:
        """Fly to a point and hold there (DO_REPOSITION; PX4 switches to Hold).

        Args:
            lon_deg: WGS84 longitude.
            lat_deg: WGS84 latitude.
            alt_amsl_m: altitude above mean sea level.
            speed_mps: ground speed, or -1 for the vehicle's default.
        """
        change_mode = 1  # MAV_DO_REPOSITION_FLAGS_CHANGE_MODE
        await self.command(
            mavlink.MAV_CMD_DO_REPOSITION,
            speed_mps,
            change_mode,
            0,
            math.nan,
            lat_deg,
            lon_deg,
            alt_amsl_m,
        )

    async def land(self) -> None:
        """Land where the vehicle is (NAV_LAND), confirmed by the heartbeat's Land mode."""
        nan = math.nan
        await self.command(mavlink.MAV_CMD_NAV_LAND, 0, 0, 0, nan, nan, nan, nan)
        await self._confirm_or_set(FlightMode.LAND)

    async def return_to_launch(self) -> None:
        """Return home and land (NAV_RETURN_TO_LAUNCH), confirmed by the heartbeat's RTL mode."""
        await self.command(mavlink.MAV_CMD_NAV_RETURN_TO_LAUNCH)
        await self._confirm_or_set(FlightMode.RTL)

    rtl = return_to_launch

    async def hold(self) -> None:
        """Hold position (PX4 Hold / AUTO.LOITER)."""
        await self.set_mode(FlightMode.HOLD)

    async def start_mission(self) -> None:
        """Fly the uploaded mission (PX4 Mission mode, confirmed and retried)."""
        await self.set_mode(FlightMode.MISSION)

    async def pause_mission(self) -> None:
        """Pause the mission by holding; :meth:`start_mission` resumes it."""
        await self.set_mode(FlightMode.HOLD)

    async def _confirm_or_set(self, mode: FlightMode) -> None:
        if not await self._mode_confirmed(mode):
            await self.set_mode(mode)

    async def _mode_confirmed(self, mode: FlightMode) -> bool:
        try:
            await self.telemetry.flight_mode.wait_for(
                lambda s: s.mode == mode, self._actions.confirm_timeout_s
            )
        except TimeoutError:
            return False
        return True

    async def set_mode(self, mode: FlightMode) -> None:
        """Switch to ``mode`` with DO_SET_MODE, resent until the heartbeat confirms it.

        Raises:
            CommandDenied: the vehicle refused the mode with a final result.
            ModeNotConfirmed: ACKed (or temporarily rejected) but never shown by the heartbeat.
        """
        main, sub = main_and_sub_mode(mode)
        for _ in range(self._actions.mode_attempts):
            try:
                await self.command(
                    mavlink.MAV_CMD_DO_SET_MODE, MODE_FLAG_CUSTOM_MODE_ENABLED, main, sub
                )
            except CommandDenied as exc:
                if exc.result != MavResult.TEMPORARILY_REJECTED:
                    raise
            if await self._mode_confirmed(mode):
                return
        raise ModeNotConfirmed(
            f"system {self.system_id}: mode {mode.value} not shown by the heartbeat after "
            f"{self._actions.mode_attempts} attempts"
        )

    # -- parameters ----------------------------------------------------------------------

    async def get_param(self, name: str) -> int | float:
        """Read a parameter (integers decoded from PX4's byte-wise packing).

        Raises:
            LinkLost: the vehicle's heartbeats stopped.
            ParameterError: unknown name, or no answer after the retries.
        """
        self._require_link()
        return await read_param(self._channel, name, self._params)

    async def set_param(self, name: str, value: int | float) -> int | float:
        """Write a parameter (``int`` as INT32, ``float`` as REAL32); return the echoed value.

        Raises:
            LinkLost: the vehicle's heartbeats stopped.
            ParameterError: no echo after the retries.
        """
        self._require_link()
        return await write_param(self._channel, name, value, self._params)

    # -- mission, geofence and rally plans -----------------------------------------------

    async def upload_mission(self, items: Sequence[MissionItem]) -> None:
        """Upload the mission plan (replaces the vehicle's mission)."""
        await self.upload_plan(items, MissionType.MISSION)
        self._decoder.reset_progress(len(items))

    async def upload_geofence(self, items: Sequence[MissionItem]) -> None:
        """Upload the geofence plan (NAV_FENCE_* items)."""
        await self.upload_plan(items, MissionType.FENCE)

    async def upload_rally(self, items: Sequence[MissionItem]) -> None:
        """Upload the rally points (NAV_RALLY_POINT items)."""
        await self.upload_plan(items, MissionType.RALLY)

    async def upload_plan(self, items: Sequence[MissionItem], mission_type: MissionType) -> None:
        """Upload ``items`` as the plan of ``mission_type``.

        Raises:
            LinkLost: the vehicle's heartbeats stopped.
            MissionTransferError: refused by the vehicle, or timed out after the retries.
        """
        self._require_link()
        await upload(self._channel, items, int(mission_type), self._missions)

    async def download_plan(self, mission_type: MissionType) -> list[MissionItem]:
        """Download the vehicle's plan of ``mission_type``.

        Raises:
            LinkLost: the vehicle's heartbeats stopped.
            MissionTransferError: refused by the vehicle, or timed out after the retries.
        """
        self._require_link()
        return await download(self._channel, int(mission_type), self._missions)

    async def download_mission(self) -> list[MissionItem]:
        """Download the mission plan."""
        return await self.download_plan(MissionType.MISSION)

    async def clear_plan(self, mission_type: MissionType) -> None:
        """Clear the vehicle's plan of ``mission_type`` (MISSION_CLEAR_ALL)."""
        self._require_link()
        await clear(self._channel, int(mission_type), self._missions)

    def _require_link(self) -> None:
        if not self.connected:
            raise LinkLost(f"system {self.system_id}: link lost")
