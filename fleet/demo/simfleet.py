"""The demo's simulated fleet: PX4-like vehicles at their docks on loopback MAVLink.

Vehicle ``i`` (system id ``i + 1``) stands on its pad at its dock
(:func:`fleet.demo.scenario.pad_lonlat`); every vehicle's ground-station link
talks to one UDP port (``14550 + port_offset``), where a single bridge connection sees the whole
fleet, as a ground station does with PX4 SITL instances.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from fleet.demo.scenario import DemoDock, DemoVehicle, pad_lonlat
from simulators.clock import MonotonicClock
from simulators.config import AutopilotConfig
from simulators.physics import QUAD_AIRFRAME, ROVER_AIRFRAME, VehicleKind
from simulators.swarm import PHYSICS_PERIOD_S, TICK_S
from simulators.vehicle import SimVehicle, VehicleSpec

DISARM_AFTER_LAND_S = 40.0


@dataclass(frozen=True, slots=True)
class SimFleetConfig:
    """How to run the simulated fleet."""

    speedup: float
    port_offset: int
    land_speed_mps: float = 0.7  # PX4's MPC_LAND_SPEED default, as the service reserves it
    drone_battery_wh: float = 400.0  # a delivery drone's pack (the stock sim quad has 80 Wh)
    robot_battery_wh: float = 800.0


def gcs_url(port_offset: int) -> str:
    """The bridge connection URL that sees every vehicle's ground-station link."""
    return f"udpin://0.0.0.0:{14550 + port_offset}"


def vehicle_specs(
    vehicles: Sequence[DemoVehicle],
    docks: Sequence[DemoDock],
    ground_amsl_m: Callable[[float, float], float],
    config: SimFleetConfig,
) -> list[VehicleSpec]:
    """One simulator spec per demo vehicle, in order (instance ``i`` = system id ``i + 1``).

    ``ground_amsl_m(lon, lat)`` is the city's ground: each vehicle stands on it at its pad, where
    the service plans its routes from (a city's ground may differ from dock to dock).
    """
    by_id = {d.id: d for d in docks}
    used: dict[str, int] = {}
    # PX4's disarm timers count (simulated) time, the link's round trips do not shrink with the
    # speed-up. Pre-flight (COM_DISARM_PRFLT, 10 s): its real-time length in wall time, for the
    # arming round trip. After a landing (COM_DISARM_LAND, 2 s): 40 s, far longer than a quad
    # armed on its pad spends spooling up (4 s, which the simulator's land detector counts as
    # landed), shorter than the handover before its next leg (60 s, less the 4 s the land
    # detector takes): a landed quad must be disarmed before it is armed again.
    autopilot = AutopilotConfig(
        land_speed_mps=config.land_speed_mps,
        disarm_after_land_s=DISARM_AFTER_LAND_S,
        disarm_preflight_s=10.0 * config.speedup,
    )
    specs = []
    for i, v in enumerate(vehicles):
        dock = by_id[v.dock_id]
        k = used.get(dock.id, 0)
        used[dock.id] = k + 1
        lon, lat = pad_lonlat((dock.lon_deg, dock.lat_deg), k)
        flies = v.kind == "multicopter"
        kind = VehicleKind.QUAD if flies else VehicleKind.ROVER
        stock = QUAD_AIRFRAME if flies else ROVER_AIRFRAME
        battery = config.drone_battery_wh if flies else config.robot_battery_wh
        airframe = replace(stock, battery_wh=battery)
        specs.append(
            VehicleSpec(
                instance=i,
                kind=kind,
                home_lon_deg=lon,
                home_lat_deg=lat,
                home_amsl_m=ground_amsl_m(lon, lat),
                speedup=config.speedup,
                port_offset=config.port_offset,
                rates="low",
                airframe=airframe,
                config=autopilot,
            )
        )
    return specs


class SimFleet:
    """Mixed simulated vehicles (quads and rovers at their docks) ticked by one loop.

    Like :class:`simulators.swarm.Swarm` (same tick and physics periods), but each vehicle has
    its own spec: kind and home differ across the fleet.
    """

    def __init__(self, specs: Sequence[VehicleSpec]) -> None:
        self.clock = MonotonicClock()
        self.vehicles = [SimVehicle(spec, self.clock) for spec in specs]

    def tick(self, physics_due: list[float]) -> None:
        """One pass: physics for the vehicles whose period is due, messages for all."""
        now = self.clock()
        for i, vehicle in enumerate(self.vehicles):
            physics = now - physics_due[i] >= PHYSICS_PERIOD_S
            if physics:
                physics_due[i] = now
            vehicle.tick(now, physics=physics)

    async def run(self) -> None:
        """Tick every ``TICK_S`` of wall time until cancelled (a timer, not a wait)."""
        loop = asyncio.get_running_loop()
        groups = max(1, round(PHYSICS_PERIOD_S / TICK_S))
        now = self.clock()
        physics_due = [now - (i % groups) * TICK_S for i in range(len(self.vehicles))]
        next_tick = loop.time()
        while True:
            self.tick(physics_due)
            next_tick = max(next_tick + TICK_S, loop.time())
            await asyncio.sleep(next_tick - loop.time())


@asynccontextmanager
async def sim_fleet(specs: Sequence[VehicleSpec]) -> AsyncIterator[SimFleet]:
    """Bind every vehicle's sockets and tick them for the block's duration.

    Raises:
        simulators.errors.PortInUse: a port is taken (nothing stays bound).
    """
    fleet = SimFleet(specs)
    try:
        for vehicle in fleet.vehicles:
            await vehicle.open()
        async with asyncio.TaskGroup() as tg:
            ticker = tg.create_task(fleet.run(), name="sim-fleet")
            try:
                yield fleet
            finally:
                ticker.cancel()
    finally:
        for vehicle in fleet.vehicles:
            vehicle.close()


def free_port_offset(count: int, low: int = 4000, high: int = 4999) -> int:
    """A port offset in ``[low, high]`` whose SITL ports for ``count`` vehicles are all free.

    Checks the ground-station port and every vehicle's two bound ports by binding them
    briefly. Raises:
        RuntimeError: no offset in the range is free.
    """
    for offset in range(low, high + 1, max(count, 1) + 1):
        ports = [14550 + offset]
        ports += [p + offset + i for i in range(count) for p in (14580, 18570, 14540)]
        if all(_udp_free(p) for p in ports):
            return offset
    raise RuntimeError(f"no free SITL port offset in {low}..{high} for {count} vehicles")


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True
