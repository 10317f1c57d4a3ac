"""Turn one vehicle's pymavlink messages into typed telemetry events (internal)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.px4 import MODE_FLAG_SAFETY_ARMED, decode_custom_mode
from firmware_bridge.telemetry import (
    ArmedState,
    Battery,
    LandedState,
    LandedStateEvent,
    LinkState,
    MissionProgress,
    ModeState,
    Position,
    ReadyToArm,
    StatusText,
    Telemetry,
)

_UINT16_MAX = 65535
_PREARM_CHECK = mavlink.MAV_SYS_STATUS_PREARM_CHECK
_STATUS_TEXT_LEN = 50  # STATUSTEXT.text: a shorter chunk is a text's last
_OPEN_TEXTS = 8  # chunked texts awaiting their last chunk
TELEMETRY_IDS = frozenset(
    {
        mavlink.MAVLINK_MSG_ID_HEARTBEAT,
        mavlink.MAVLINK_MSG_ID_GLOBAL_POSITION_INT,
        mavlink.MAVLINK_MSG_ID_BATTERY_STATUS,
        mavlink.MAVLINK_MSG_ID_SYS_STATUS,
        mavlink.MAVLINK_MSG_ID_EXTENDED_SYS_STATE,
        mavlink.MAVLINK_MSG_ID_MISSION_CURRENT,
        mavlink.MAVLINK_MSG_ID_MISSION_ITEM_REACHED,
        mavlink.MAVLINK_MSG_ID_STATUSTEXT,
    }
)


class TelemetryDecoder:
    """Keeps one vehicle's telemetry streams up to date from its messages.

    Args:
        telemetry: the streams to publish on.
        clock: the hub's clock (seconds).
    """

    def __init__(self, telemetry: Telemetry, clock: Callable[[], float]) -> None:
        self.t = telemetry
        self.clock = clock
        self.last_heartbeat_s = clock()
        self.connected = True
        self.mission_count: int | None = None
        self._custom_mode: int | None = None
        self._armed: bool | None = None
        self._ready: bool | None = None
        self._text_chunks: dict[int, dict[int, str]] = {}  # STATUSTEXT id -> chunk_seq -> text
        self._landed: int | None = None
        self._progress: tuple[int, int | None, int] = (-1, None, -1)
        self._mission_state = 0
        self._has_battery_status = False
        m = mavlink
        self.handlers: dict[int, Callable[[Any], None]] = {
            m.MAVLINK_MSG_ID_HEARTBEAT: self.on_heartbeat,
            m.MAVLINK_MSG_ID_GLOBAL_POSITION_INT: self.on_position,
            m.MAVLINK_MSG_ID_BATTERY_STATUS: self.on_battery_status,
            m.MAVLINK_MSG_ID_SYS_STATUS: self.on_sys_status,
            m.MAVLINK_MSG_ID_EXTENDED_SYS_STATE: self.on_extended_sys_state,
            m.MAVLINK_MSG_ID_MISSION_CURRENT: self.on_mission_current,
            m.MAVLINK_MSG_ID_MISSION_ITEM_REACHED: self.on_item_reached,
            m.MAVLINK_MSG_ID_STATUSTEXT: self.on_status_text,
        }

    def on_heartbeat(self, msg: Any) -> None:
        now = self.clock()
        self.last_heartbeat_s = now
        if not self.connected:
            self.connected = True
            self.t.link.publish(LinkState(True, now))
        if msg.custom_mode != self._custom_mode:
            self._custom_mode = msg.custom_mode
            mode = decode_custom_mode(msg.custom_mode)
            self.t.flight_mode.publish(ModeState(mode, msg.custom_mode, now))
        armed = bool(msg.base_mode & MODE_FLAG_SAFETY_ARMED)
        if armed != self._armed:
            self._armed = armed
            self.t.armed.publish(ArmedState(armed, now))

    def check_link(self, timeout_s: float) -> None:
        """Declare the link lost when no heartbeat came for ``timeout_s``."""
        now = self.clock()
        if self.connected and now - self.last_heartbeat_s > timeout_s:
            self.connected = False
            self.t.link.publish(LinkState(False, now))

    def on_position(self, msg: Any) -> None:
        hdg = msg.hdg
        self.t.position.publish(
            Position(
                lon_deg=msg.lon * 1e-7,
                lat_deg=msg.lat * 1e-7,
                alt_amsl_m=msg.alt * 1e-3,
                alt_rel_home_m=msg.relative_alt * 1e-3,
                vn_mps=msg.vx * 0.01,
                ve_mps=msg.vy * 0.01,
                vd_mps=msg.vz * 0.01,
                heading_deg=None if hdg == _UINT16_MAX else hdg * 0.01,
                time_s=self.clock(),
            )
        )

    def on_battery_status(self, msg: Any) -> None:
        if msg.id != 0:
            return
        self._has_battery_status = True
        cells = [v for v in msg.voltages if v != _UINT16_MAX]
        self.t.battery.publish(
            Battery(
                remaining_pct=None if msg.battery_remaining < 0 else float(msg.battery_remaining),
                voltage_v=sum(cells) * 1e-3 if cells else None,
                current_a=None if msg.current_battery < 0 else msg.current_battery * 0.01,
                time_s=self.clock(),
            )
        )

    def on_sys_status(self, msg: Any) -> None:
        if msg.onboard_control_sensors_present & _PREARM_CHECK:
            ready = bool(msg.onboard_control_sensors_health & _PREARM_CHECK)
            if ready != self._ready:
                self._ready = ready
                self.t.ready_to_arm.publish(ReadyToArm(ready, self.clock()))
        if self._has_battery_status:
            return
        millivolts = msg.voltage_battery
        self.t.battery.publish(
            Battery(
                remaining_pct=None if msg.battery_remaining < 0 else float(msg.battery_remaining),
                voltage_v=None if millivolts == _UINT16_MAX else millivolts * 1e-3,
                current_a=None if msg.current_battery < 0 else msg.current_battery * 0.01,
                time_s=self.clock(),
            )
        )

    def on_extended_sys_state(self, msg: Any) -> None:
        if msg.landed_state != self._landed:
            self._landed = msg.landed_state
            state = LandedState(msg.landed_state) if msg.landed_state <= 4 else LandedState(0)
            self.t.landed_state.publish(LandedStateEvent(state, self.clock()))

    def on_mission_current(self, msg: Any) -> None:
        total = getattr(msg, "total", 0)
        known_total = total if 0 < total < _UINT16_MAX else self.mission_count
        state_changed = getattr(msg, "mission_state", 0) != self._mission_state
        self._mission_state = getattr(msg, "mission_state", 0)
        self._set_progress(msg.seq, known_total, self._progress[2], force=state_changed)

    def on_item_reached(self, msg: Any) -> None:
        self._set_progress(self._progress[0], self._progress[1], msg.seq)

    def reset_progress(self, mission_count: int) -> None:
        """Forget reached items: a new mission of ``mission_count`` items was uploaded."""
        self.mission_count = mission_count
        self._progress = (-1, mission_count, -1)
        self._mission_state = 0

    def _set_progress(
        self, current: int, total: int | None, reached: int, *, force: bool = False
    ) -> None:
        progress = (current, total, reached)
        if progress != self._progress or force:
            self._progress = progress
            event = MissionProgress(current, total, reached, self.clock(), self._mission_state)
            self.t.mission_progress.publish(event)

    def on_status_text(self, msg: Any) -> None:
        text = msg.text
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        text = text.rstrip("\x00")
        chunks_id = getattr(msg, "id", 0)
        if chunks_id:  # a text longer than 50 characters, in chunks: the last one is shorter
            chunks = self._text_chunks.setdefault(chunks_id, {})
            chunks[getattr(msg, "chunk_seq", 0)] = text
            if len(text) >= _STATUS_TEXT_LEN:
                while len(self._text_chunks) > _OPEN_TEXTS:  # a last chunk was lost
                    self._text_chunks.pop(next(iter(self._text_chunks)))
                return
            text = "".join(chunks[k] for k in sorted(self._text_chunks.pop(chunks_id)))
        # PX4 ends many texts with a tab ("Armed by external command\t"): not part of the words
        self.t.status_text.publish(StatusText(msg.severity, text.rstrip(), self.clock()))
