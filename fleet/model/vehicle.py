"""Vehicles (multicopters and ground robots), their capabilities, and the docks they live at.

Battery accounting: of the nominal ``battery_wh`` only ``usable_fraction`` can be drawn (ageing,
cold, voltage sag); of that usable energy ``reserve_fraction`` must still be in the battery at
landing. What a mission may spend is :attr:`Vehicle.mission_energy_wh`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from fleet.model._checks import fraction, lon_lat, non_negative, positive, require
from fleet.model.camera import CameraModel


class VehicleKind(StrEnum):
    """What a vehicle is; decides its energy model and where it may go."""

    MULTICOPTER = "multicopter"
    GROUND_ROBOT = "ground_robot"


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Optional equipment: a camera (with its sensor model), a gimbal, a winch for deliveries."""

    camera: CameraModel | None = None
    gimbal: bool = False
    winch: bool = False

    @property
    def can_inspect(self) -> bool:
        """True when the vehicle carries a camera."""
        return self.camera is not None


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle of the fleet.

    Multicopter-only fields (``rotor_count``, ``rotor_radius_m``, climb/descent rates) are
    ignored for ground robots. Masses are without payload.
    """

    id: str
    kind: VehicleKind
    empty_mass_kg: float
    payload_capacity_kg: float
    battery_wh: float
    cruise_speed_mps: float
    home_dock_id: str
    usable_fraction: float = 0.9
    reserve_fraction: float = 0.2
    capabilities: Capabilities = field(default_factory=Capabilities)
    climb_rate_mps: float = 3.0
    descent_rate_mps: float = 2.0
    rotor_count: int = 4
    rotor_radius_m: float = 0.2

    def __post_init__(self) -> None:
        where = f"vehicle {self.id!r}"
        require(bool(self.id), "vehicle", "id must not be empty")
        require(isinstance(self.kind, VehicleKind), where, f"unknown kind {self.kind!r}")
        positive(self.empty_mass_kg, where, "empty_mass_kg")
        non_negative(self.payload_capacity_kg, where, "payload_capacity_kg")
        positive(self.battery_wh, where, "battery_wh")
        positive(self.cruise_speed_mps, where, "cruise_speed_mps")
        require(bool(self.home_dock_id), where, "home_dock_id must not be empty")
        fraction(self.usable_fraction, where, "usable_fraction", low=0.01, high=1.0)
        fraction(self.reserve_fraction, where, "reserve_fraction", low=0.0, high=0.99)
        positive(self.climb_rate_mps, where, "climb_rate_mps")
        positive(self.descent_rate_mps, where, "descent_rate_mps")
        require(self.rotor_count >= 1, where, f"rotor_count must be >= 1, got {self.rotor_count}")
        positive(self.rotor_radius_m, where, "rotor_radius_m")

    @property
    def usable_energy_wh(self) -> float:
        """Energy that can be drawn from a full battery."""
        return self.battery_wh * self.usable_fraction

    @property
    def reserve_wh(self) -> float:
        """Energy that must remain at landing."""
        return self.usable_energy_wh * self.reserve_fraction

    @property
    def mission_energy_wh(self) -> float:
        """Energy one trip may spend from a full battery (usable minus reserve)."""
        return self.usable_energy_wh - self.reserve_wh

    @property
    def flies(self) -> bool:
        """True for aircraft."""
        return self.kind is VehicleKind.MULTICOPTER


@dataclass(frozen=True, slots=True)
class Dock:
    """A dock: where vehicles take off, land, and recharge or swap batteries.

    At least one of ``charge_power_w`` and ``swap_time_s`` is given; when both are, a swap is
    used (it is the faster service in practice).
    """

    id: str
    lon_deg: float
    lat_deg: float
    slots: int = 1
    charge_power_w: float | None = None
    swap_time_s: float | None = None
    ground_amsl_m: float = 0.0

    def __post_init__(self) -> None:
        where = f"dock {self.id!r}"
        require(bool(self.id), "dock", "id must not be empty")
        lon_lat((self.lon_deg, self.lat_deg), where, "location")
        require(self.slots >= 1, where, f"slots must be >= 1, got {self.slots}")
        require(
            self.charge_power_w is not None or self.swap_time_s is not None,
            where,
            "give charge_power_w or swap_time_s (or both)",
        )
        if self.charge_power_w is not None:
            positive(self.charge_power_w, where, "charge_power_w")
        if self.swap_time_s is not None:
            non_negative(self.swap_time_s, where, "swap_time_s")

    @property
    def lon_lat(self) -> tuple[float, float]:
        """Location as ``(lon, lat)``."""
        return self.lon_deg, self.lat_deg

    def recharge_time_s(self, energy_wh: float) -> float:
        """Time to put ``energy_wh`` back into a vehicle (swap time when the dock swaps).

        >>> Dock("d", 139.7, 35.69, charge_power_w=360.0).recharge_time_s(100.0)
        1000.0
        """
        non_negative(energy_wh, f"dock {self.id!r}", "energy_wh")
        if self.swap_time_s is not None:
            return self.swap_time_s
        assert self.charge_power_w is not None  # guaranteed by __post_init__
        return energy_wh / self.charge_power_w * 3600.0
