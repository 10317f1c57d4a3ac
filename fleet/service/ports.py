"""Ports the service calls and other components implement (the mission runner, tests).

The runner that flies missions through the MAVLink bridge implements
:class:`VehicleCommandPort`; until one is attached, :class:`NoVehicleLink` answers every command
with :class:`~fleet.service.errors.VehicleUnreachable`.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from fleet.service.errors import VehicleUnreachable
from fleet.storage.tables import VehicleRow

if TYPE_CHECKING:
    from fleet.service.context import ServiceContext


class VehicleCommand(StrEnum):
    """Commands a dispatcher may send to a vehicle."""

    HOLD = "hold"  # stop and hover / stop in place (PX4 Hold / Loiter)
    RTL = "rtl"  # return to launch / home dock
    LAND = "land"  # land where it is


class VehicleCommandPort(Protocol):
    """Delivers a command to a vehicle and reports the outcome."""

    async def send_command(self, vehicle: VehicleRow, command: VehicleCommand) -> str:
        """Send ``command`` to ``vehicle``; return a short outcome text (e.g. ``"accepted"``).

        Raises:
            VehicleUnreachable: the vehicle has no live link, or the command was refused.
        """
        ...


class NoVehicleLink:
    """The command port used when no runner is attached: every command is undeliverable."""

    async def send_command(self, vehicle: VehicleRow, command: VehicleCommand) -> str:
        """Refuse: there is no bridge in this process."""
        raise VehicleUnreachable(
            f"vehicle {vehicle.id} ({vehicle.name}): no MAVLink bridge is running in this "
            "service (start it with SKYFLEET_RUN_BRIDGE=1)"
        )


class RunnerFactory(Protocol):
    """Builds the in-process mission runner; the app's lifespan enters what it returns.

    The runner may set ``context.vehicle_port`` to itself so vehicle commands reach the bridge.
    """

    def __call__(self, context: ServiceContext) -> AbstractAsyncContextManager[object]: ...
