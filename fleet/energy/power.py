"""Electrical power drawn by a multicopter or a ground robot in a given state of motion.

Multicopter: the rotary-wing propulsion power model of

    Y. Zeng, J. Xu and R. Zhang, "Energy Minimization for Wireless Communication With
    Rotary-Wing UAV", IEEE Transactions on Wireless Communications 18(4), 2019, eq. (12):

    P(V) = P0 (1 + 3 V^2 / U_tip^2)                                   blade profile
         + Pi (sqrt(1 + V^4 / (4 v0^4)) - V^2 / (2 v0^2))^(1/2)       induced
         + 1/2 rho S_FP V^3                                           parasite (fuselage)

    with P0 = delta/8 rho s A U_tip^3, Pi = (1 + k) W^(3/2) / sqrt(2 rho A),
    v0 = sqrt(W / (2 rho A)), W = m g (total mass including payload), A the total rotor disc
    area (``rotor_count`` discs of ``rotor_radius_m``) and S_FP = d0 s A the fuselage
    equivalent flat-plate area (given directly here).

The mass enters through W, so a heavier payload raises the induced power as W^(3/2). Zeng's
P(V) is shaft power in level flight; skyfleet adds (i) climb power ``m g v_z`` for v_z > 0
(descent is charged as level flight: no regeneration, a conservative choice), (ii) a powertrain
efficiency (motors, ESCs) from shaft to battery and (iii) a constant avionics load.

Ground robot: rolling resistance and grade, ``(C_rr m g v + m g v_z) / eta + P_electronics``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fleet.model import Vehicle, VehicleKind

G_MPS2 = 9.80665


@dataclass(frozen=True, slots=True)
class RotorcraftParams:
    """Aerodynamic constants of the Zeng et al. (2019) model, for a small multicopter.

    Defaults follow Zeng et al. Table I (delta, s, k, rho) with a tip speed and flat-plate area
    typical of a 3-8 kg delivery quadcopter, and a 75 % powertrain efficiency.
    """

    air_density_kgpm3: float = 1.225
    profile_drag_coefficient: float = 0.012  # delta
    rotor_solidity: float = 0.05  # s
    tip_speed_mps: float = 100.0  # U_tip = Omega R
    induced_correction: float = 0.1  # k
    flat_plate_area_m2: float = 0.04  # S_FP
    powertrain_efficiency: float = 0.75
    avionics_power_w: float = 20.0


@dataclass(frozen=True, slots=True)
class GroundRobotParams:
    """Constants of the ground-robot model (sidewalk delivery robot)."""

    rolling_resistance: float = 0.02  # C_rr on pavement
    drivetrain_efficiency: float = 0.8
    electronics_power_w: float = 30.0  # computers, sensors, lights
    detour_factor: float = 1.4  # street path length / straight line when no route is known


DEFAULT_ROTORCRAFT = RotorcraftParams()
DEFAULT_GROUND_ROBOT = GroundRobotParams()


def _disc_area_m2(vehicle: Vehicle) -> float:
    return vehicle.rotor_count * math.pi * vehicle.rotor_radius_m**2


def rotor_shaft_power_w(
    vehicle: Vehicle, mass_kg: float, airspeed_mps: float, params: RotorcraftParams
) -> float:
    """Zeng et al. (2019) eq. (12): level-flight shaft power at ``airspeed_mps``."""
    rho, area = params.air_density_kgpm3, _disc_area_m2(vehicle)
    weight_n = mass_kg * G_MPS2
    p0 = params.profile_drag_coefficient / 8 * rho * params.rotor_solidity * area
    p0 *= params.tip_speed_mps**3
    pi = (1 + params.induced_correction) * float(weight_n**1.5) / math.sqrt(2 * rho * area)
    v0_sq = weight_n / (2 * rho * area)
    v_sq = airspeed_mps**2
    induced_factor = math.sqrt(1 + v_sq**2 / (4 * v0_sq**2)) - v_sq / (2 * v0_sq)
    profile = p0 * (1 + 3 * v_sq / params.tip_speed_mps**2)
    parasite = 0.5 * rho * params.flat_plate_area_m2 * airspeed_mps**3
    return profile + pi * math.sqrt(max(induced_factor, 0.0)) + parasite


def multicopter_power_w(
    vehicle: Vehicle,
    payload_kg: float,
    airspeed_mps: float,
    climb_mps: float = 0.0,
    params: RotorcraftParams = DEFAULT_ROTORCRAFT,
) -> float:
    """Battery power of a multicopter.

    Args:
        vehicle: the aircraft (mass, rotor count and radius).
        payload_kg: carried payload, added to ``vehicle.empty_mass_kg``.
        airspeed_mps: horizontal airspeed (0 is hover).
        climb_mps: vertical speed, positive up; descent is charged as level flight.
        params: aerodynamic constants.

    Returns:
        Electrical power drawn from the battery in watts.

    >>> from fleet.model import Vehicle, VehicleKind
    >>> quad = Vehicle("q", VehicleKind.MULTICOPTER, 4.0, 2.0, 200.0, 12.0, "d")
    >>> hover = multicopter_power_w(quad, 0.0, 0.0)
    >>> cruise = multicopter_power_w(quad, 0.0, 12.0)
    >>> cruise < hover < multicopter_power_w(quad, 2.0, 0.0)
    True
    """
    mass_kg = vehicle.empty_mass_kg + payload_kg
    shaft_w = rotor_shaft_power_w(vehicle, mass_kg, abs(airspeed_mps), params)
    shaft_w += mass_kg * G_MPS2 * max(climb_mps, 0.0)
    return shaft_w / params.powertrain_efficiency + params.avionics_power_w


def ground_robot_power_w(
    vehicle: Vehicle,
    payload_kg: float,
    speed_mps: float,
    climb_mps: float = 0.0,
    params: GroundRobotParams = DEFAULT_GROUND_ROBOT,
) -> float:
    """Battery power of a ground robot: rolling resistance, grade and constant electronics.

    >>> from fleet.model import Vehicle, VehicleKind
    >>> bot = Vehicle("r", VehicleKind.GROUND_ROBOT, 40.0, 10.0, 1000.0, 1.5, "d")
    >>> round(ground_robot_power_w(bot, 10.0, 1.5), 1)
    48.4
    """
    mass_kg = vehicle.empty_mass_kg + payload_kg
    traction_w = mass_kg * G_MPS2 * (params.rolling_resistance * abs(speed_mps))
    traction_w += mass_kg * G_MPS2 * max(climb_mps, 0.0)
    return traction_w / params.drivetrain_efficiency + params.electronics_power_w


def cruise_power_w(vehicle: Vehicle, payload_kg: float) -> float:
    """Power at the vehicle's cruise speed in level motion, with the default constants."""
    if vehicle.kind is VehicleKind.MULTICOPTER:
        return multicopter_power_w(vehicle, payload_kg, vehicle.cruise_speed_mps)
    return ground_robot_power_w(vehicle, payload_kg, vehicle.cruise_speed_mps)
