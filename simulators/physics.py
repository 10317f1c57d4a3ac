"""The pure simulation core: ``step(state, dt_s) -> state`` for multicopters and rovers.

The vehicle flies (or drives) towards ``state.setpoint`` with acceleration, speed, climb and
descent limits; wind is a steady vector plus gusts (an Ornstein-Uhlenbeck process drawn from a
counter-based generator seeded per vehicle, so a run is reproducible and ``step`` stays pure);
the battery drains with power from airspeed, climb and payload. Positions are north/east/up
metres relative to home (up = above home).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from simulators.battery import Battery, drain

GRAVITY_MPS2 = 9.80665


class VehicleKind(Enum):
    """Which airframe a simulated vehicle has."""

    QUAD = "quad"
    ROVER = "rover"


@dataclass(frozen=True, slots=True)
class Airframe:
    """Performance limits and power figures of one vehicle type."""

    kind: VehicleKind
    empty_mass_kg: float
    max_speed_mps: float
    cruise_speed_mps: float
    accel_mps2: float
    max_climb_mps: float
    max_descent_mps: float
    hover_power_w: float  # multicopter: hover at empty mass; rover: idle drive electronics
    drag_power_w_per_mps2: float  # extra power per (airspeed)^2
    avionics_power_w: float = 4.0
    battery_wh: float = 100.0
    cells: int = 4


QUAD_AIRFRAME = Airframe(
    kind=VehicleKind.QUAD,
    empty_mass_kg=1.5,
    max_speed_mps=15.0,
    cruise_speed_mps=5.0,
    accel_mps2=3.0,
    max_climb_mps=3.0,
    max_descent_mps=1.5,
    hover_power_w=180.0,
    drag_power_w_per_mps2=0.6,
    battery_wh=80.0,
    cells=4,
)
ROVER_AIRFRAME = Airframe(
    kind=VehicleKind.ROVER,
    empty_mass_kg=20.0,
    max_speed_mps=3.0,
    cruise_speed_mps=1.5,
    accel_mps2=1.0,
    max_climb_mps=0.0,
    max_descent_mps=0.0,
    hover_power_w=15.0,
    drag_power_w_per_mps2=1.0,
    battery_wh=300.0,
    cells=6,
)


@dataclass(frozen=True, slots=True)
class Wind:
    """Steady wind (the direction it blows towards, as north/east) and gust statistics."""

    north_mps: float = 0.0
    east_mps: float = 0.0
    gust_sigma_mps: float = 0.0
    gust_tau_s: float = 3.0
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Setpoint:
    """Where the autopilot wants the vehicle: local position and cruise speed."""

    north_m: float = 0.0
    east_m: float = 0.0
    up_m: float = 0.0
    speed_mps: float = 5.0
    motors_on: bool = False
    climb_mps: float = math.inf  # the autopilot's vertical limits, within the airframe's
    descent_mps: float = math.inf


@dataclass(frozen=True, slots=True)
class VehicleState:
    """Everything :func:`step` needs and produces."""

    airframe: Airframe
    battery: Battery
    wind: Wind = Wind()
    setpoint: Setpoint = Setpoint()
    payload_kg: float = 0.0
    t_s: float = 0.0
    north_m: float = 0.0
    east_m: float = 0.0
    up_m: float = 0.0
    vn_mps: float = 0.0
    ve_mps: float = 0.0
    vu_mps: float = 0.0
    yaw_rad: float = 0.0
    gust_n_mps: float = 0.0
    gust_e_mps: float = 0.0
    power_w: float = 0.0
    steps: int = 0

    @property
    def ground_speed_mps(self) -> float:
        """Horizontal speed over ground."""
        return math.hypot(self.vn_mps, self.ve_mps)

    @property
    def on_ground(self) -> bool:
        """True when resting on the ground (always true for a rover)."""
        return self.airframe.kind is VehicleKind.ROVER or self.up_m <= 0.05


def initial_state(airframe: Airframe, wind: Wind = Wind(), payload_kg: float = 0.0) -> VehicleState:
    """Return a vehicle at home, on the ground, with a full battery."""
    return VehicleState(
        airframe=airframe,
        battery=Battery(capacity_wh=airframe.battery_wh, cells=airframe.cells),
        wind=wind,
        payload_kg=payload_kg,
    )


def step(state: VehicleState, dt_s: float) -> VehicleState:
    """Advance ``state`` by ``dt_s`` seconds towards its setpoint.

    Args:
        state: the vehicle now.
        dt_s: time step in seconds (> 0; keep it under ~0.5 s for smooth limits).

    Returns:
        The vehicle ``dt_s`` later.
    """
    if dt_s <= 0.0:
        return state
    gust_n, gust_e = _gusts(state, dt_s)
    vn, ve, vu = _velocity(state, dt_s)
    north = state.north_m + (vn + _drift(state, gust_n)) * dt_s
    east = state.east_m + (ve + _drift(state, gust_e)) * dt_s
    up = max(0.0, state.up_m + vu * dt_s)
    yaw = math.atan2(ve, vn) if math.hypot(vn, ve) > 0.3 else state.yaw_rad
    power = _power_w(state, vn, ve, vu, gust_n, gust_e)
    # one positional constructor call: this runs thousands of times a second in a big swarm
    return VehicleState(
        state.airframe, drain(state.battery, power, dt_s), state.wind, state.setpoint,
        state.payload_kg, state.t_s + dt_s, north, east, up, vn, ve, vu, yaw, gust_n, gust_e,
        power, state.steps + 1,
    )  # fmt: skip


def _drift(state: VehicleState, gust_mps: float) -> float:
    """Multicopters are pushed by a fraction of the gust before the controller corrects it."""
    if state.airframe.kind is VehicleKind.ROVER or state.on_ground:
        return 0.0
    return 0.2 * gust_mps


def _axis(pos: float, target: float, vel: float, vmax: float, accel: float, dt: float) -> float:
    """New velocity along one axis: brake to stop at the target, accelerate otherwise."""
    err = target - pos
    wanted = math.copysign(min(vmax, math.sqrt(2.0 * accel * abs(err)), abs(err) / dt), err)
    dv = max(-accel * dt, min(accel * dt, wanted - vel))
    return vel + dv


def _velocity(state: VehicleState, dt_s: float) -> tuple[float, float, float]:
    frame, sp = state.airframe, state.setpoint
    if not sp.motors_on:  # parked: brake where it is; a multicopter without motors drops
        sp = Setpoint(state.north_m, state.east_m, -1.0, 0.0, False)
    speed = min(max(sp.speed_mps, 0.0), frame.max_speed_mps)
    dn, de = sp.north_m - state.north_m, sp.east_m - state.east_m
    if frame.kind is VehicleKind.QUAD and state.up_m <= 0.05 and sp.up_m <= state.up_m:
        dn = de = 0.0  # a landed multicopter does not slide over the ground: it brakes
    dist = math.hypot(dn, de)
    wanted = min(speed, math.sqrt(2.0 * frame.accel_mps2 * dist), dist / dt_s)
    want_n, want_e = (wanted * dn / dist, wanted * de / dist) if dist > 1e-9 else (0.0, 0.0)
    change_n, change_e = want_n - state.vn_mps, want_e - state.ve_mps
    change = math.hypot(change_n, change_e)
    limit = frame.accel_mps2 * dt_s
    if change > limit:
        change_n, change_e = change_n * limit / change, change_e * limit / change
    vn, ve = state.vn_mps + change_n, state.ve_mps + change_e
    if frame.kind is VehicleKind.ROVER:
        return vn, ve, 0.0
    climb = min(frame.max_climb_mps, sp.climb_mps)
    descent = min(frame.max_descent_mps, sp.descent_mps)
    vmax = climb if sp.up_m >= state.up_m else descent
    vu = _axis(state.up_m, sp.up_m, state.vu_mps, vmax, frame.accel_mps2, dt_s)
    vu = max(-descent, min(climb, vu))
    if not sp.motors_on and state.on_ground:
        vu = 0.0
    return vn, ve, vu


def power_w(state: VehicleState) -> float:
    """Electrical power drawn in ``state``: avionics, then hover/drive, drag and climb."""
    return _power_w(
        state, state.vn_mps, state.ve_mps, state.vu_mps, state.gust_n_mps, state.gust_e_mps
    )


def _power_w(
    state: VehicleState, vn: float, ve: float, vu: float, gust_n: float, gust_e: float
) -> float:
    frame = state.airframe
    power = frame.avionics_power_w
    if not state.setpoint.motors_on:
        return power
    mass = frame.empty_mass_kg + state.payload_kg
    if frame.kind is VehicleKind.ROVER:
        rolling = 0.03 * mass * GRAVITY_MPS2 * math.hypot(vn, ve) / 0.7
        return power + frame.hover_power_w + rolling
    air_n = vn - state.wind.north_mps - gust_n
    air_e = ve - state.wind.east_mps - gust_e
    airspeed_sq = air_n * air_n + air_e * air_e
    hover = frame.hover_power_w * math.pow(mass / frame.empty_mass_kg, 1.5)
    climb = mass * GRAVITY_MPS2 * vu / 0.6 if vu > 0 else 0.0
    return power + hover + frame.drag_power_w_per_mps2 * airspeed_sq + climb


def _gusts(state: VehicleState, dt_s: float) -> tuple[float, float]:
    wind = state.wind
    if wind.gust_sigma_mps <= 0.0:
        return 0.0, 0.0
    decay = math.exp(-dt_s / wind.gust_tau_s)
    scale = wind.gust_sigma_mps * math.sqrt(1.0 - decay * decay)
    z_n, z_e = _normal_pair(wind.seed, state.steps)
    return state.gust_n_mps * decay + scale * z_n, state.gust_e_mps * decay + scale * z_e


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def _normal_pair(seed: int, counter: int) -> tuple[float, float]:
    """Two standard normal draws that depend only on (seed, counter): Box-Muller."""
    a = _splitmix64((seed << 32) ^ counter)
    b = _splitmix64(a)
    u1 = ((a >> 11) + 1) / float(1 << 53)
    u2 = (b >> 11) / float(1 << 53)
    r = math.sqrt(-2.0 * math.log(u1))
    return r * math.cos(2 * math.pi * u2), r * math.sin(2 * math.pi * u2)
