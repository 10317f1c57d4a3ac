"""Battery model: energy drawn from the pack, a LiPo voltage curve, remaining fraction.

Pure functions over frozen values; the physics step calls :func:`power_w` and
:func:`drain`.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

# Open-circuit voltage of one LiPo cell against state of charge (fraction).
_SOC_POINTS = (0.0, 0.05, 0.10, 0.20, 0.40, 0.60, 0.80, 0.90, 1.0)
_CELL_V_POINTS = (3.30, 3.50, 3.62, 3.70, 3.78, 3.87, 3.98, 4.08, 4.20)
CELL_EMPTY_V = _CELL_V_POINTS[0]
CELL_FULL_V = _CELL_V_POINTS[-1]


@dataclass(frozen=True, slots=True)
class Battery:
    """A battery pack and how much of it has been used.

    ``fault`` marks an injected pack fault (reported in BATTERY_STATUS).
    """

    capacity_wh: float
    cells: int
    internal_resistance_ohm: float = 0.02
    used_wh: float = 0.0
    current_a: float = 0.0
    fault: bool = False

    @property
    def remaining(self) -> float:
        """Remaining charge as a fraction in [0, 1]."""
        return max(0.0, 1.0 - self.used_wh / self.capacity_wh)

    @property
    def open_circuit_v(self) -> float:
        """Pack voltage without load."""
        return self.cells * cell_voltage_v(self.remaining)

    @property
    def voltage_v(self) -> float:
        """Pack voltage under the present load (sag from internal resistance)."""
        return max(0.0, self.open_circuit_v - self.current_a * self.internal_resistance_ohm)


def cell_voltage_v(soc: float) -> float:
    """Return the open-circuit voltage of one cell at state of charge ``soc`` (0..1).

    >>> cell_voltage_v(1.0), cell_voltage_v(0.0)
    (4.2, 3.3)
    """
    soc = min(1.0, max(0.0, soc))
    i = bisect_left(_SOC_POINTS, soc)
    if i == 0:
        return _CELL_V_POINTS[0]
    s0, s1 = _SOC_POINTS[i - 1], _SOC_POINTS[i]
    v0, v1 = _CELL_V_POINTS[i - 1], _CELL_V_POINTS[i]
    return v0 + (v1 - v0) * (soc - s0) / (s1 - s0)


def drain(battery: Battery, power_w: float, dt_s: float) -> Battery:
    """Return ``battery`` after delivering ``power_w`` (clamped at >= 0) for ``dt_s``."""
    power_w = max(0.0, power_w)
    used_wh = min(battery.capacity_wh, battery.used_wh + power_w * dt_s / 3600.0)
    volts = max(battery.cells * CELL_EMPTY_V, battery.open_circuit_v)
    return Battery(
        battery.capacity_wh, battery.cells, battery.internal_resistance_ohm, used_wh,
        power_w / volts, battery.fault,
    )  # fmt: skip
