"""The simulated PX4 brain: modes, arming checks, takeoff/land/RTL, mission and failsafes.

Mutable by design (it is the vehicle's running state); the physics underneath stays the pure
:func:`simulators.physics.step`. Status texts, reached items and capture events queue up in
lists that the MAVLink layer drains.
"""

from __future__ import annotations

import math
from dataclasses import replace

from simulators.config import AutopilotConfig, FailsafeAction
from simulators.geo import LocalFrame
from simulators.mission_exec import CaptureEvent, MissionRunner
from simulators.physics import Setpoint, VehicleKind, VehicleState, step
from simulators.plan import Geofence, PlanItem
from simulators.px4_modes import FlightMode

MAX_SUBSTEP_S = 0.25
SPOOLUP_S, RAMP_S = 1.0, 3.0  # PX4's COM_SPOOLUP_TIME and MPC_TKO_RAMP_T
PX4_SITL_SPEED = 5.0  # the PX4_SIM_SPEED_FACTOR the timings were measured against
LAND_DETECT_S = 4.0  # PX4's land detector: touchdown to landed took 4.3 s (SIH, measured)
# MAV_LANDED_STATE
ON_GROUND, IN_AIR, TAKEOFF, LANDING = 1, 2, 3, 4


class Autopilot:
    """Flies one vehicle: call :meth:`advance` with sim and wall time."""

    def __init__(
        self, state: VehicleState, frame: LocalFrame, home_amsl_m: float, config: AutopilotConfig
    ) -> None:
        self.state = state
        self.frame = frame
        self.home_amsl_m = home_amsl_m
        self.config = config
        self.kind: VehicleKind = state.airframe.kind
        self.armed = False
        self.mode = FlightMode.HOLD
        quad = state.airframe.kind is VehicleKind.QUAD
        self.speed_mps = config.cruise_speed_mps if quad else state.airframe.cruise_speed_mps
        self.mission = MissionRunner()
        self.geofence = Geofence()
        self.rally: tuple[PlanItem, ...] = ()
        self.gps_ok = True
        self.gcs_connected = False  # a GCS heartbeat within COM_DL_LOSS_T
        # in order: (severity, text) for a STATUSTEXT, an int for MISSION_ITEM_REACHED
        self.events: list[tuple[int, str] | int] = []
        self.captures: list[CaptureEvent] = []
        self._target = (0.0, 0.0, 0.0)
        self._rtl_phase = "climb"
        self._rtl_hold_up_m = 0.0
        self._rtl_land_at_s = 0.0
        self._landed_at_s: float | None = None
        self._takeoff_from_s: float | None = None
        self._down_since_s: float | None = None  # touched down, not yet detected
        self._took_off = False  # airborne since arming (PX4's _have_taken_off_since_arming)
        self._armed_t_s = 0.0
        self._armed_wall_s = 0.0
        self._failsafes: set[str] = set()
        self._fence_breached = False

    # ---- queries -------------------------------------------------------------------------

    @property
    def in_air(self) -> bool:
        """True when airborne (never for a rover)."""
        return self.kind is VehicleKind.QUAD and not self.state.on_ground

    @property
    def landed_state(self) -> int:
        """MAV_LANDED_STATE as EXTENDED_SYS_STATE reports it."""
        taking_off = self.mode is FlightMode.TAKEOFF or (
            self.mode is FlightMode.MISSION and self.mission.on_item(22)  # NAV_TAKEOFF
        )
        if self.armed and taking_off and self.kind is VehicleKind.QUAD:
            return TAKEOFF  # PX4 says so from the arming, before the motors lift it
        if self.kind is VehicleKind.ROVER or not self.armed or self._landed_at_s is not None:
            return ON_GROUND
        if not self.in_air and not self._took_off:
            return ON_GROUND
        # in the air, or down but not yet detected by the land detector
        if self._setpoint_descends() and (self.state.vu_mps < -0.3 or not self.in_air):
            return LANDING
        return IN_AIR

    def acceptance(self, item: PlanItem) -> float:
        """Horizontal acceptance radius of a waypoint (its param2, else NAV_ACC_RAD)."""
        if item.command == 16 and item.param2 > 0:
            return item.param2
        return self.config.acceptance_radius_m

    def say(self, severity: int, text: str) -> None:
        """Queue a STATUSTEXT (MAV_SEVERITY)."""
        self.events.append((severity, text[:50]))

    def report_reached(self, seq: int) -> None:
        """Queue a MISSION_ITEM_REACHED."""
        self.events.append(seq)

    def capture(self, seq: int, command: int) -> None:
        """Record a camera capture at the present position."""
        lon, lat = self.frame.to_lon_lat(self.state.north_m, self.state.east_m)
        self.captures.append(CaptureEvent(self.state.t_s, seq, lon, lat, self.state.up_m, command))

    # ---- commands ------------------------------------------------------------------------

    def arming_refusal(self) -> str | None:
        """The preflight check that forbids arming now, or None."""
        battery = self.state.battery
        if battery.fault:
            return "Preflight Fail: Battery unhealthy"
        if battery.remaining <= self.config.low_battery:
            return "Preflight Fail: Battery low, charge the battery"
        if not self.gps_ok:
            return "Preflight Fail: No valid global position estimate"
        if self.geofence.breached(self.state.north_m, self.state.east_m):
            return "Preflight Fail: Vehicle outside geofence"
        watched = self.config.datalink_loss_action not in (FailsafeAction.NONE, FailsafeAction.WARN)
        if watched and not self.gcs_connected:
            return "Preflight Fail: No connection to the GCS"  # as PX4 when NAV_DLL_ACT > 0
        return None

    def arm(self, now_wall_s: float) -> str | None:
        """Arm unless a preflight check fails; returns the refusal reason."""
        if self.armed:
            return None
        refusal = self.arming_refusal()
        if refusal is not None:
            self.say(3, refusal)
            return refusal
        self.armed = True
        self._armed_t_s = self.state.t_s
        self._armed_wall_s = now_wall_s
        self._landed_at_s = None
        self._took_off = False
        self._failsafes.clear()
        self.say(6, "Armed by external command")
        self.hold_position()  # any later hold starts from here, never from an older point
        return None

    def disarm(self, reason: str = "Disarmed by external command") -> None:
        """Disarm (the caller has checked it is safe)."""
        if self.armed:
            self.armed = False
            self.say(6, reason)

    def set_mode(self, mode: FlightMode) -> None:
        """Enter ``mode`` (the caller has checked it is allowed)."""
        if mode is FlightMode.HOLD or mode is FlightMode.POSCTL or mode is FlightMode.MANUAL:
            self.hold_here()
        elif mode is FlightMode.RTL:
            self._rtl_phase = "climb"
        elif mode is FlightMode.TAKEOFF:
            self.takeoff_to(self.config.takeoff_alt_m)
        elif mode is FlightMode.LAND:
            self._target = (self.state.north_m, self.state.east_m, -1.0)
        self.mode = mode

    def hold_here(self) -> None:
        """Hold the present position (where the vehicle can stop)."""
        self.hold_position()
        self.mode = FlightMode.HOLD

    def hold_position(self) -> None:
        """Make the point where the vehicle can stop the target, without changing mode."""
        self._target = self.stopping_point()

    def stopping_point(self) -> tuple[float, float, float]:
        """Where braking at full deceleration from the present velocity ends (PX4's Hold)."""
        state = self.state
        brake_s = 1.0 / (2.0 * state.airframe.accel_mps2)
        north = state.north_m + state.vn_mps * abs(state.vn_mps) * brake_s
        east = state.east_m + state.ve_mps * abs(state.ve_mps) * brake_s
        if self.kind is VehicleKind.ROVER or state.on_ground:
            return north, east, 0.0 if self.kind is VehicleKind.ROVER else state.up_m
        return north, east, max(0.0, state.up_m + state.vu_mps * abs(state.vu_mps) * brake_s)

    def end_mission(self, last_nav: tuple[float, float, float] | None) -> None:
        """The mission is done: in the air PX4 switches to Hold at the last waypoint (or where
        it can stop when there was none); on the ground, and for a rover, it stops there."""
        if self.in_air:
            self.hold_here()
            if last_nav is not None:
                self._target = last_nav
        else:
            self.hold_position()

    def hold_at(self, north_m: float, east_m: float, up_m: float) -> None:
        """Go to a point and hold there (DO_REPOSITION)."""
        self._target = (north_m, east_m, up_m if self.kind is VehicleKind.QUAD else 0.0)
        self.mode = FlightMode.HOLD

    def takeoff_to(self, up_m: float) -> None:
        """Climb vertically to ``up_m`` above home, then hold."""
        self._target = (self.state.north_m, self.state.east_m, max(up_m, 1.0))
        self.mode = FlightMode.TAKEOFF

    def start_rtl(self) -> None:
        """Return to the nearest of home and the rally points, then land."""
        self.set_mode(FlightMode.RTL)

    def hold_setpoint(self) -> Setpoint:
        """Setpoint that keeps the present target."""
        n, e, u = self._target
        return Setpoint(n, e, u, self.speed_mps, self.armed)

    # ---- the loop ------------------------------------------------------------------------

    def advance(self, dt_s: float, now_wall_s: float) -> None:
        """Fly ``dt_s`` seconds of sim time (substeps of at most 0.25 s)."""
        substeps = max(1, math.ceil(dt_s / MAX_SUBSTEP_S))
        for _ in range(substeps):
            setpoint = self._vertical_limits(self._setpoint())
            if not self.armed and setpoint.motors_on:
                setpoint = replace(setpoint, motors_on=False)
            if setpoint != self.state.setpoint:
                self.state = replace(self.state, setpoint=setpoint)
            self.state = step(self.state, dt_s / substeps)
            self._after_step(now_wall_s)

    def _vertical_limits(self, sp: Setpoint) -> Setpoint:
        """PX4's climb and descent rates: MPC_TKO_SPEED in a take-off, MPC_Z_VEL_MAX_UP/DN
        otherwise, and a landing slows from MPC_Z_VEL_MAX_DN above 10 m (MPC_LAND_ALT1) to
        MPC_LAND_SPEED below 5 m (MPC_LAND_ALT2)."""
        config = self.config
        climb = config.max_climb_mps
        if self.mode is FlightMode.TAKEOFF or (
            self.mode is FlightMode.MISSION and self.mission.on_item(22)  # NAV_TAKEOFF
        ):
            climb = config.takeoff_speed_mps * self._takeoff_ramp()
        else:
            self._takeoff_from_s = None
        descent = config.max_descent_mps
        if self._setpoint_descends() and sp.up_m < 0:
            blend = min(1.0, max(0.0, (self.state.up_m - 5.0) / 5.0))
            descent = config.land_speed_mps + blend * max(0.0, descent - config.land_speed_mps)
        return replace(sp, climb_mps=climb, descent_mps=descent)

    def _takeoff_ramp(self) -> float:
        """Share of MPC_TKO_SPEED a take-off from the ground may use: none while the motors
        spool up (COM_SPOOLUP_TIME, 1 s) and the thrust ramps up (MPC_TKO_RAMP_T, 3 s), all of
        it after. Measured on PX4 SITL: the quad leaves the ground about 4.3 s after arming
        into a take-off, then climbs at about MPC_TKO_SPEED."""
        now = self.state.t_s
        if self._takeoff_from_s is None:
            self._takeoff_from_s = now if self.state.on_ground else now - SPOOLUP_S - RAMP_S
        return 1.0 if now - self._takeoff_from_s >= SPOOLUP_S + RAMP_S else 0.0

    def _setpoint(self) -> Setpoint:
        if self.mode is FlightMode.MISSION and self.armed:
            return self.mission.setpoint(self)
        if self.mode is FlightMode.RTL:
            return self._rtl_setpoint()
        if self.mode is FlightMode.LAND:
            n, e, _ = self._target
            return Setpoint(n, e, -1.0, self.config.land_speed_mps, self.armed)
        return self.hold_setpoint()

    def _rtl_setpoint(self) -> Setpoint:
        state = self.state
        home_n, home_e = self._rtl_destination()
        rtl_up = max(self.config.rtl_alt_m, state.up_m) if self.kind is VehicleKind.QUAD else 0.0
        far = math.hypot(home_n - state.north_m, home_e - state.east_m) > 1.0
        if self._rtl_phase == "climb":
            if not far or state.up_m >= rtl_up - self.config.alt_acceptance_m:
                self._rtl_phase = "return"
            return Setpoint(state.north_m, state.east_m, rtl_up, self.speed_mps, self.armed)
        if self._rtl_phase == "return" and far:
            return Setpoint(home_n, home_e, state.up_m, self.speed_mps, self.armed)
        if self._rtl_phase in ("climb", "return"):
            self._rtl_phase = "descend"
            self._rtl_hold_up_m = min(state.up_m, self.config.rtl_descend_alt_m)
        reached = state.up_m <= self._rtl_hold_up_m + self.config.alt_acceptance_m
        if self._rtl_phase == "descend" and reached:
            self._rtl_phase = "wait"
            self._rtl_land_at_s = state.t_s + self.config.rtl_land_delay_s
        delay_s = self.config.rtl_land_delay_s
        if self._rtl_phase == "descend" or (
            self._rtl_phase == "wait" and (delay_s < 0 or state.t_s < self._rtl_land_at_s)
        ):  # PX4 descends to RTL_DESCEND_ALT over home and waits RTL_LAND_DELAY (< 0: forever)
            return Setpoint(home_n, home_e, self._rtl_hold_up_m, self.speed_mps, self.armed)
        self._rtl_phase = "land"
        return Setpoint(home_n, home_e, -1.0, self.config.land_speed_mps, self.armed)

    def _rtl_destination(self) -> tuple[float, float]:
        best = (0.0, 0.0)
        best_d = math.hypot(self.state.north_m, self.state.east_m)
        for point in self.rally:
            n, e = self.frame.to_north_east(point.lon_deg, point.lat_deg)
            d = math.hypot(n - self.state.north_m, e - self.state.east_m)
            if d < best_d:
                best, best_d = (n, e), d
        return best

    def _after_step(self, now_wall_s: float) -> None:
        target_up = self._target[2]
        if (
            self.mode is FlightMode.TAKEOFF
            and self.armed
            and self.state.up_m >= target_up - self.config.alt_acceptance_m
        ):
            self.hold_at(self.state.north_m, self.state.east_m, target_up)
        if self.mode is FlightMode.MISSION and self.armed:
            self.mission.timed_captures(self)
        self._landing_and_disarm(now_wall_s)
        self._battery_failsafe()
        self._geofence_check()
        if not self.gps_ok and self.in_air and "gps" not in self._failsafes:
            self._failsafes.add("gps")
            self.say(2, "Failsafe: no global position, landing")
            self.set_mode(FlightMode.LAND)

    def _landing_and_disarm(self, now_wall_s: float) -> None:
        if not self.armed:
            return
        if self.in_air:
            self._took_off = True
        if self._touched_down():
            if self._down_since_s is None:
                self._down_since_s = self.state.t_s
            if self._landed_at_s is None and self.state.t_s - self._down_since_s >= LAND_DETECT_S:
                self._landed_at_s = self.state.t_s
                self.say(6, "Landing detected")
                mission = self.mission
                if (
                    self.mode is FlightMode.MISSION
                    and not mission.finished
                    and mission.ends_landing()
                ):
                    mission.landed(self)
            delay_s = self.config.disarm_after_land_s
            landed_s = None if self._landed_at_s is None else self.state.t_s - self._landed_at_s
            if delay_s >= 0 and landed_s is not None and landed_s >= delay_s:
                self.disarm("Disarmed by landing")
                if self.mode in (FlightMode.LAND, FlightMode.RTL):
                    self.hold_here()  # PX4 leaves Land and Return for Hold once disarmed
        else:
            self._down_since_s = None
            if not self.state.on_ground:
                self._landed_at_s = None
        if (
            self.kind is VehicleKind.QUAD
            and self.state.on_ground
            and not self._took_off
            and self.mode in (FlightMode.HOLD, FlightMode.POSCTL, FlightMode.MANUAL)
            and self._preflight_timeout(now_wall_s)
        ):
            self.disarm("Disarmed: no takeoff")

    def _preflight_timeout(self, now_wall_s: float) -> bool:
        """COM_DISARM_PRFLT has passed since arming: in simulated seconds, as PX4 SITL counts
        it, but never sooner than PX4 SITL at its usual 5x (a fifth of it in wall seconds), so
        a client at a high speed-up still has its round trips between arming and take-off."""
        limit_s = self.config.disarm_preflight_s
        return (
            limit_s >= 0
            and self.state.t_s - self._armed_t_s >= limit_s
            and now_wall_s - self._armed_wall_s >= limit_s / PX4_SITL_SPEED
        )

    def _touched_down(self) -> bool:
        """PX4's land detector: on the ground with nothing asking to climb, after a flight or
        at the end of a landing (COM_DISARM_LAND then applies whatever the mode)."""
        if not self.state.on_ground:
            return False
        if self._setpoint_descends():
            return self._stopped_at_setpoint()
        amid_mission = self.mode is FlightMode.MISSION and not self.mission.finished
        return self._took_off and not amid_mission and self.state.setpoint.up_m <= self.state.up_m

    def _setpoint_descends(self) -> bool:
        if self.mode is FlightMode.LAND or (
            self.mode is FlightMode.RTL and self._rtl_phase == "land"
        ):
            return True
        return self.mode is FlightMode.MISSION and self.mission.ends_landing()

    def _stopped_at_setpoint(self) -> bool:
        if self.kind is VehicleKind.QUAD:
            return True
        sp = self.state.setpoint
        near = math.hypot(sp.north_m - self.state.north_m, sp.east_m - self.state.east_m) < 0.5
        return near and self.state.ground_speed_mps < 0.05

    def _battery_failsafe(self) -> None:
        remaining = self.state.battery.remaining
        if not self.armed or not (self.in_air or self.kind is VehicleKind.ROVER):
            return
        if remaining <= self.config.critical_battery and "critical" not in self._failsafes:
            self._failsafes.update({"critical", "low"})
            self.say(2, "Critical battery level! Landing")
            self._apply(self.config.critical_battery_action)
        elif remaining <= self.config.low_battery and "low" not in self._failsafes:
            self._failsafes.add("low")
            self.say(4, "Low battery level! Returning to launch")
            self._apply(self.config.low_battery_action)

    def _geofence_check(self) -> None:
        if not self.geofence.zones:
            return
        breached = self.geofence.breached(self.state.north_m, self.state.east_m)
        if breached and not self._fence_breached and self.armed:
            self.say(2, "Geofence breached")
            self._apply(self.config.geofence_action)
        self._fence_breached = breached

    def datalink_lost(self) -> None:
        """Called by the MAVLink layer when no GCS heartbeat arrived within the timeout."""
        self.gcs_connected = False
        if self.armed and "datalink" not in self._failsafes:
            self._failsafes.add("datalink")
            self.say(2, "Connection to ground station lost")
            self._apply(self.config.datalink_loss_action)

    def datalink_regained(self) -> None:
        """A GCS heartbeat came back."""
        self.gcs_connected = True
        if "datalink" in self._failsafes:
            self._failsafes.discard("datalink")
            self.say(6, "Data link regained")

    def _apply(self, action: FailsafeAction) -> None:
        if action is FailsafeAction.HOLD:
            self.hold_here()
        elif action is FailsafeAction.RTL:
            self.start_rtl()
        elif action is FailsafeAction.LAND:
            self.set_mode(FlightMode.LAND)
