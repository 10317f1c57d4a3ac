"""Executing the uploaded mission: item by item, with acceptance radius and hold times."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pymavlink.dialects.v20 import common as mavlink

from simulators.physics import Setpoint, VehicleKind
from simulators.plan import CAMERA_COMMANDS, NAV_WITH_POSITION, PlanItem

if TYPE_CHECKING:
    from simulators.autopilot import Autopilot

# MISSION_STATE values of MISSION_CURRENT
NO_MISSION, NOT_STARTED, ACTIVE, PAUSED, COMPLETE = 1, 2, 3, 4, 5


@dataclass(frozen=True, slots=True)
class CaptureEvent:
    """A photo taken by a camera command, where and when (sim time)."""

    t_s: float
    seq: int
    lon_deg: float
    lat_deg: float
    up_m: float
    command: int


class MissionRunner:
    """Walks the mission items; the autopilot asks it for a setpoint each step."""

    def __init__(self) -> None:
        self.items: tuple[PlanItem, ...] = ()
        self.current = 0
        self.started = False
        self.finished = False
        self.hold_until_s: float | None = None
        self.jumps_done: dict[int, int] = {}
        self.capture_interval_s = 0.0
        self.captures_left = 0
        self.next_capture_s = 0.0
        self.trigger_distance_m = 0.0
        self.last_trigger_ne: tuple[float, float] | None = None
        # where the last navigation item put the vehicle: PX4 loiters there when it ends
        self.last_nav: tuple[float, float, float] | None = None
        self.climb_ne: tuple[float, float] | None = None  # a NAV_TAKEOFF's vertical column

    def load(self, items: tuple[PlanItem, ...]) -> None:
        """Replace the mission (from the start)."""
        self.items = items
        self.reset(0)

    def reset(self, seq: int) -> None:
        """Restart from ``seq``."""
        self.current = seq
        self.started = False
        self.finished = False
        self.hold_until_s = None
        self.jumps_done.clear()
        self.last_nav = None
        self.climb_ne = None

    def state_code(self, in_mission_mode: bool) -> int:
        """MISSION_CURRENT.mission_state."""
        if not self.items:
            return NO_MISSION
        if self.finished:
            return COMPLETE
        if not self.started:
            return NOT_STARTED
        return ACTIVE if in_mission_mode else PAUSED

    def setpoint(self, ap: Autopilot) -> Setpoint:
        """Where to go for the current item; advances over items that need no flying."""
        self.started = True
        for _ in range(len(self.items) + 1):
            if self.finished or self.current >= len(self.items):
                if not self.finished:
                    self._finish(ap)
                return ap.hold_setpoint()
            item = self.items[self.current]
            if item.command in NAV_WITH_POSITION:
                return self._nav_setpoint(ap, item)
            if not self._do_item(ap, item):
                return ap.hold_setpoint()
        return ap.hold_setpoint()

    def _nav_setpoint(self, ap: Autopilot, item: PlanItem) -> Setpoint:
        state = ap.state
        north, east = _item_ne(ap, item)
        up = max(0.0, item.up_m(ap.home_amsl_m))
        if ap.kind is VehicleKind.ROVER:
            up = 0.0
        if item.command == mavlink.MAV_CMD_NAV_LAND:
            near = math.hypot(north - state.north_m, east - state.east_m) <= ap.acceptance(item)
            up = -1.0 if near or state.on_ground else state.up_m
            speed = ap.config.land_speed_mps if near else ap.speed_mps
            return Setpoint(north, east, up, speed, True)
        if ap.kind is VehicleKind.QUAD and item.command == mavlink.MAV_CMD_NAV_TAKEOFF:
            if self.climb_ne is None:
                self.climb_ne = (state.north_m, state.east_m)
            if state.up_m < up - ap.config.alt_acceptance_m:
                # PX4 climbs vertically where it stands, then moves to the takeoff waypoint
                # only if that lies beyond the acceptance radius
                return Setpoint(*self.climb_ne, up, ap.speed_mps, True)
        elif ap.kind is VehicleKind.QUAD and state.up_m < 1.0 < up and state.up_m < up - 1.0:
            north, east = state.north_m, state.east_m
        self.last_nav = (north, east, float(up))
        self._check_reached(ap, item, north, east, up)
        return Setpoint(north, east, up, ap.speed_mps, True)

    def _check_reached(self, ap: Autopilot, item: PlanItem, n: float, e: float, up: float) -> None:
        state = ap.state
        horizontal = math.hypot(n - state.north_m, e - state.east_m)
        vertical_ok = (
            ap.kind is VehicleKind.ROVER or abs(up - state.up_m) <= ap.config.alt_acceptance_m
        )
        if horizontal > ap.acceptance(item) or not vertical_ok:
            return
        hold_s = item.param1 if item.command in (
            mavlink.MAV_CMD_NAV_WAYPOINT, mavlink.MAV_CMD_NAV_LOITER_TIME
        ) else 0.0  # fmt: skip
        if self.hold_until_s is None:
            self.hold_until_s = state.t_s + max(0.0, hold_s)
        if item.command == mavlink.MAV_CMD_NAV_LOITER_UNLIM or state.t_s < self.hold_until_s:
            return
        self.advance(ap)

    def landed(self, ap: Autopilot) -> None:
        """Called when the vehicle touched down during a NAV_LAND item: the mission ends."""
        if self.current < len(self.items):
            self.advance(ap)
        if not self.finished:
            self._finish(ap)

    def on_item(self, command: int) -> bool:
        """True while the current item is a ``command`` (e.g. MAV_CMD_NAV_TAKEOFF)."""
        return self.current < len(self.items) and self.items[self.current].command == command

    def ends_landing(self) -> bool:
        """True while on, or finished by, a NAV_LAND item."""
        index = min(self.current, len(self.items) - 1)
        return index >= 0 and self.items[index].command == mavlink.MAV_CMD_NAV_LAND

    def advance(self, ap: Autopilot) -> None:
        """Report the current item reached and move to the next."""
        ap.report_reached(self.current)
        self.current += 1
        self.hold_until_s = None
        self.climb_ne = None
        if self.current >= len(self.items):
            self._finish(ap)

    def _finish(self, ap: Autopilot) -> None:
        """The last item is done: PX4 holds at the last waypoint in the air, else stops."""
        self.finished = True
        landed = ap.kind is VehicleKind.QUAD and not ap.in_air
        ap.say(6, "Mission finished, landed" if landed else "Mission finished, loitering")
        ap.end_mission(self.last_nav)

    def _do_item(self, ap: Autopilot, item: PlanItem) -> bool:
        """Run a non-navigation item; False while it still waits (e.g. NAV_DELAY)."""
        cmd = item.command
        if cmd == mavlink.MAV_CMD_NAV_DELAY:
            if self.hold_until_s is None:
                self.hold_until_s = ap.state.t_s + max(0.0, item.param1)
                ap.hold_position()  # wait where it is, not at an older hold point
            if ap.state.t_s < self.hold_until_s:
                return False
        elif cmd == mavlink.MAV_CMD_DO_JUMP:
            done = self.jumps_done.get(item.seq, 0)
            if done < int(item.param2) and 0 <= int(item.param1) < len(self.items):
                self.jumps_done[item.seq] = done + 1
                ap.report_reached(self.current)
                self.current = int(item.param1)
                return True
        elif cmd == mavlink.MAV_CMD_DO_CHANGE_SPEED and item.param2 > 0:
            ap.speed_mps = item.param2
        elif cmd == mavlink.MAV_CMD_NAV_RETURN_TO_LAUNCH:
            self.advance(ap)
            self.finished = True
            ap.start_rtl()
            return False
        elif cmd in CAMERA_COMMANDS:
            self._camera(ap, item)
        self.advance(ap)
        return True

    def _camera(self, ap: Autopilot, item: PlanItem) -> None:
        cmd = item.command
        if cmd == mavlink.MAV_CMD_IMAGE_START_CAPTURE:
            self.capture_interval_s = item.param2 if item.param3 != 1 else 0.0
            self.captures_left = int(item.param3) - 1 if item.param3 > 1 else 0
            ap.capture(item.seq, cmd)
            self.next_capture_s = ap.state.t_s + self.capture_interval_s
        elif cmd == mavlink.MAV_CMD_DO_DIGICAM_CONTROL:
            ap.capture(item.seq, cmd)
        elif cmd == mavlink.MAV_CMD_DO_SET_CAM_TRIGG_DIST:
            self.trigger_distance_m = max(0.0, item.param1)
            self.last_trigger_ne = (ap.state.north_m, ap.state.east_m)
            if item.param3 > 0 and self.trigger_distance_m > 0:
                ap.capture(item.seq, cmd)
        elif cmd in (mavlink.MAV_CMD_IMAGE_STOP_CAPTURE, mavlink.MAV_CMD_DO_TRIGGER_CONTROL):
            self.capture_interval_s = 0.0
            self.trigger_distance_m = 0.0

    def timed_captures(self, ap: Autopilot) -> None:
        """Interval and distance camera triggering while a mission runs."""
        state = ap.state
        if self.capture_interval_s > 0 and state.t_s >= self.next_capture_s:
            ap.capture(self.current, mavlink.MAV_CMD_IMAGE_START_CAPTURE)
            self.next_capture_s = state.t_s + self.capture_interval_s
            if self.captures_left:
                self.captures_left -= 1
                self.capture_interval_s = self.capture_interval_s if self.captures_left else 0.0
        if self.trigger_distance_m > 0 and self.last_trigger_ne is not None:
            n0, e0 = self.last_trigger_ne
            if math.hypot(state.north_m - n0, state.east_m - e0) >= self.trigger_distance_m:
                ap.capture(self.current, mavlink.MAV_CMD_DO_SET_CAM_TRIGG_DIST)
                self.last_trigger_ne = (state.north_m, state.east_m)


def _item_ne(ap: Autopilot, item: PlanItem) -> tuple[float, float]:
    """Item position in the local frame; (0, 0) lat/lon means "here" as PX4 treats it."""
    if item.x == 0 and item.y == 0:
        return ap.state.north_m, ap.state.east_m
    return ap.frame.to_north_east(item.lon_deg, item.lat_deg)
