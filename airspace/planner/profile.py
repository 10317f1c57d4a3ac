"""Vehicle profile and clearances: the inputs that shape a route besides the city and zones."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Clearances", "VehicleProfile"]


@dataclass(frozen=True)
class VehicleProfile:
    """Flight performance used for route cost (time) and the energy estimate.

    ``power_w`` is the mean electrical power in flight (hover/cruise are close for a
    multicopter); climbing adds ``mass_kg`` x g x height at ``lift_efficiency``.
    """

    cruise_speed_mps: float = 12.0
    climb_rate_mps: float = 3.0
    descent_rate_mps: float = 2.0
    max_alt_agl_m: float = 150.0
    power_w: float = 400.0
    mass_kg: float = 5.0
    lift_efficiency: float = 0.5

    def __post_init__(self) -> None:
        for name in ("cruise_speed_mps", "climb_rate_mps", "descent_rate_mps", "max_alt_agl_m"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")

    def vertical_s(self, dz_m: float) -> float:
        """Time to change altitude by ``dz_m`` (positive up)."""
        return dz_m / self.climb_rate_mps if dz_m >= 0 else -dz_m / self.descent_rate_mps

    def energy_wh(self, duration_s: float, climb_m: float) -> float:
        """Energy estimate for a flight of ``duration_s`` with ``climb_m`` of total climb."""
        lift_j = self.mass_kg * 9.81 * max(climb_m, 0.0) / self.lift_efficiency
        return (self.power_w * duration_s + lift_j) / 3600.0


@dataclass(frozen=True)
class Clearances:
    """Minimum distance from buildings: horizontally, and vertically above their roofs."""

    horizontal_m: float = 10.0
    vertical_m: float = 5.0

    def __post_init__(self) -> None:
        if self.horizontal_m < 0 or self.vertical_m < 0:
            raise ValueError("clearances must not be negative")
