"""Energy model: battery power of multicopters (Zeng, Xu & Zhang 2019) and ground robots,
energy and time of legs (along planned routes when available), and the reserve check.
"""

from fleet.energy.legs import (
    DEFAULT_PARAMS,
    EnergyParams,
    Feasibility,
    Leg,
    LegEstimate,
    check_feasible,
    delivery_trip,
    horizontal_distance_m,
    hover_estimate,
    leg_estimate,
    path_estimate,
    route_estimate,
)
from fleet.energy.power import (
    DEFAULT_GROUND_ROBOT,
    DEFAULT_ROTORCRAFT,
    GroundRobotParams,
    RotorcraftParams,
    cruise_power_w,
    ground_robot_power_w,
    multicopter_power_w,
    rotor_shaft_power_w,
)

__all__ = [
    "DEFAULT_GROUND_ROBOT",
    "DEFAULT_PARAMS",
    "DEFAULT_ROTORCRAFT",
    "EnergyParams",
    "Feasibility",
    "GroundRobotParams",
    "Leg",
    "LegEstimate",
    "RotorcraftParams",
    "check_feasible",
    "cruise_power_w",
    "delivery_trip",
    "ground_robot_power_w",
    "horizontal_distance_m",
    "hover_estimate",
    "leg_estimate",
    "multicopter_power_w",
    "path_estimate",
    "rotor_shaft_power_w",
    "route_estimate",
]
