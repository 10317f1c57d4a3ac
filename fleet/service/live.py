"""What the service reads from, and asks of, the fleet watcher running in its process.

The mission runner's fleet watcher (:mod:`fleet.runner.fleetwatch`) keeps every registered
vehicle's link open and installs itself as ``context.live``; the API shows its
:class:`LiveVehicle` states, ``/readyz`` asks it whether the links are up, and
``POST /missions/{id}/abort`` asks it to stop a flight. Without a runner in the process
``context.live`` is ``None`` and the API falls back on the last telemetry stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from fleet.service.ports import VehicleCommand
from fleet.storage.tables import VehicleRow


class LinkHealth(StrEnum):
    """A vehicle's data link as the service sees it."""

    OK = "ok"  # heartbeats arrive
    LOST = "lost"  # heard before, heartbeats stopped
    UNKNOWN = "unknown"  # nothing heard from it since the service started


@dataclass(frozen=True, slots=True)
class LiveVehicle:
    """The latest truth about one vehicle, from its link (``None``: not reported yet).

    Attributes:
        vehicle_id: the vehicle.
        link: link health.
        heard_at: service time of the last message that changed this state.
        armed: from the heartbeat.
        mode: PX4 flight mode (``mission``, ``hold``, ``rtl``...).
        landed_state: ``on_ground``, ``in_air``, ``takeoff``, ``landing`` or ``undefined``.
        lon_deg, lat_deg, alt_amsl_m, alt_rel_home_m, heading_deg, ground_speed_mps: position.
        battery_pct: remaining charge, percent.
    """

    vehicle_id: int
    link: LinkHealth = LinkHealth.UNKNOWN
    heard_at: datetime | None = None
    armed: bool | None = None
    mode: str | None = None
    landed_state: str | None = None
    lon_deg: float | None = None
    lat_deg: float | None = None
    alt_amsl_m: float | None = None
    alt_rel_home_m: float | None = None
    heading_deg: float | None = None
    ground_speed_mps: float | None = None
    battery_pct: float | None = None

    @property
    def airborne(self) -> bool:
        """Whether it is off the ground (or taking off or landing)."""
        return self.landed_state in ("in_air", "takeoff", "landing")


@dataclass(frozen=True, slots=True)
class LinkProblem:
    """A connection the runner could not open (bad URL, port in use...)."""

    mavlink_url: str
    reason: str


class LiveFleet(Protocol):
    """The fleet watcher as the service sees it."""

    def vehicle(self, vehicle_id: int) -> LiveVehicle | None:
        """The vehicle's live state (``None``: not watched)."""
        ...

    def link_problems(self) -> list[LinkProblem]:
        """Connections that could not be opened."""
        ...

    async def stop_flight(
        self, mission_id: int, vehicles: Sequence[VehicleRow], command: VehicleCommand
    ) -> dict[int, str]:
        """Stop flying ``mission_id`` and bring its vehicles back (``command``: rtl or land).

        Returns:
            Vehicle id -> what was done (e.g. ``"rtl accepted"``, ``"on the ground"``).
        """
        ...
