"""A scripted PX4 stand-in for unit tests: speaks MAVLink over an in-memory transport.

It is deliberately independent of the bridge's code (plain pymavlink), so a test of the bridge
against it checks the protocol, not the bridge against itself. Behaviour is scripted per test:
canned COMMAND_ACK results, commands never answered, IN_PROGRESS acks, PX4's asynchronous
mission check (Mission mode ACKed ACCEPTED but not entered, then TEMPORARILY_REJECTED), signing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.transports import MemoryTransport

HOLD = (4 << 16) | (3 << 24)
MISSION = (4 << 16) | (4 << 24)


@dataclass
class Script:
    """What the fake does besides plain PX4 behaviour."""

    results: dict[int, list[int]] = field(default_factory=dict)  # command -> acks to use first
    silent_commands: set[int] = field(default_factory=set)
    in_progress: dict[int, int] = field(default_factory=dict)  # command -> IN_PROGRESS acks
    mission_check_rejections: int = 0  # Mission-mode switches refused after an upload
    status_on_deny: str = ""


class FakePx4:
    """One or more PX4-like systems behind one memory transport end."""

    def __init__(self, transport: MemoryTransport, system_id: int = 1) -> None:
        self.transport = transport
        self.system_id = system_id
        self.mav: Any = mavlink.MAVLink(None, system_id, 1)
        self.mav.robust_parsing = True
        self.script = Script()
        self.custom_mode = HOLD
        self.armed = False
        self.silent = False
        self.plans: dict[int, list[Any]] = {0: [], 1: [], 2: []}
        self.received_commands: list[int] = []
        self._upload: dict[str, Any] | None = None
        self._pending_check = 0
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.transport.start(self._receive)

    def send(self, msg: Any) -> None:
        if not self.silent:
            self.transport.send(bytes(msg.pack(self.mav)))
            self.mav.seq = (self.mav.seq + 1) % 256

    def heartbeat(self) -> None:
        base = mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | (128 if self.armed else 0)
        self.send(
            self.mav.heartbeat_encode(
                mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_PX4, base, self.custom_mode, 4
            )
        )

    async def heartbeats(self, period_s: float = 0.05) -> None:
        while True:
            self.heartbeat()
            await asyncio.sleep(period_s)

    def _receive(self, data: bytes, peer: Hashable) -> None:
        for msg in self.mav.parse_buffer(data) or []:
            if getattr(msg, "target_system", 0) not in (0, self.system_id):
                continue
            handler = getattr(self, f"_on_{msg.get_type().lower()}", None)
            if handler is not None:
                handler(msg)

    # -- commands -----------------------------------------------------------------------

    def _on_command_long(self, msg: Any) -> None:
        cmd = msg.command
        self.received_commands.append(cmd)
        if cmd in self.script.silent_commands:
            return
        for _ in range(self.script.in_progress.pop(cmd, 0)):
            self._ack(cmd, 5)
        canned = self.script.results.get(cmd)
        result = canned.pop(0) if canned else self._execute(msg)
        if result == 2 and self.script.status_on_deny:
            self.send(self.mav.statustext_encode(3, self.script.status_on_deny.encode()))
        self._ack(cmd, result)
        self.heartbeat()

    def _ack(self, cmd: int, result: int) -> None:
        self.send(self.mav.command_ack_encode(cmd, result, 0, 0, 255, 190))

    def _execute(self, msg: Any) -> int:
        if msg.command == mavlink.MAV_CMD_COMPONENT_ARM_DISARM:
            self.armed = msg.param1 == 1
        elif msg.command == mavlink.MAV_CMD_DO_SET_MODE:
            custom = (int(msg.param2) << 16) | (int(msg.param3) << 24)
            if custom == MISSION and self._pending_check:
                # PX4's asynchronous mission check: first ACCEPTED without entering the mode.
                first = self._pending_check == self.script.mission_check_rejections
                self._pending_check -= 1
                return 0 if first else 1
            self.custom_mode = custom
        return 0

    # -- mission protocol, vehicle side ---------------------------------------------------

    def _on_mission_count(self, msg: Any) -> None:
        self._upload = {"type": msg.mission_type, "count": msg.count, "items": []}
        if msg.count == 0:
            self._finish_upload()
        else:
            self._request(0)

    def _request(self, seq: int) -> None:
        assert self._upload is not None
        self.send(self.mav.mission_request_int_encode(255, 190, seq, self._upload["type"]))

    def _on_mission_item_int(self, msg: Any) -> None:
        upload = self._upload
        if upload is None:
            # our final ACK was lost and the sender repeats its last item: ACK again.
            self.send(self.mav.mission_ack_encode(255, 190, 0, msg.mission_type))
            return
        if msg.seq == len(upload["items"]):
            upload["items"].append(msg)
        if len(upload["items"]) == upload["count"]:
            self._finish_upload()
        else:
            self._request(len(upload["items"]))

    def _finish_upload(self) -> None:
        assert self._upload is not None
        kind = self._upload["type"]
        self.plans[kind] = self._upload["items"]
        self._upload = None
        if kind == 0:
            self._pending_check = self.script.mission_check_rejections
        self.send(self.mav.mission_ack_encode(255, 190, 0, kind))

    def _on_mission_request_list(self, msg: Any) -> None:
        count = len(self.plans[msg.mission_type])
        self.send(self.mav.mission_count_encode(255, 190, count, msg.mission_type))

    def _on_mission_request_int(self, msg: Any) -> None:
        item = self.plans[msg.mission_type][msg.seq]
        self.send(item)

    def _on_mission_clear_all(self, msg: Any) -> None:
        self.plans[msg.mission_type] = []
        self.send(self.mav.mission_ack_encode(255, 190, 0, msg.mission_type))
