"""Many simulated vehicles in one asyncio loop: one ticker drives them all.

``run_swarm`` is what ``skyfleet sim`` runs; tests and other packages use :class:`Swarm` as an
async context manager and ``await swarm.run()`` (or drive :meth:`Swarm.tick` themselves).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import replace

from simulators.clock import MonotonicClock
from simulators.config import AutopilotConfig
from simulators.errors import InvalidSimArgument
from simulators.physics import VehicleKind, Wind
from simulators.telemetry import RATE_TABLES
from simulators.vehicle import SimVehicle, VehicleSpec

TICK_S = 0.02
PHYSICS_PERIOD_S = 0.1  # 10 Hz physics (wall) ...
BIG_SWARM_PHYSICS_PERIOD_S = 0.2  # ... and 5 Hz beyond BIG_SWARM vehicles, to hold 500 on a core
BIG_SWARM = 100
# PX4 SITL's own default home (PX4_HOME_LAT/LON/ALT): open ground in Shinjuku Central Park, 20 m
# from the nearest building of the PLATEAU Shinjuku set, at the area's ground of about 40 m AMSL.
# (The previous default, 139.6917/35.6895, stood inside the 262 m Metropolitan Government tower.)
DEFAULT_HOME = (139.6890, 35.6900)  # lon, lat
DEFAULT_HOME_AMSL_M = 40.0
HOME_AMSL_RANGE_M = (-500.0, 9000.0)
SPACING_M = 5.0


class Swarm:
    """``count`` vehicles on SITL-style ports, spaced on a grid around ``home_lon_lat``.

    Args:
        count: vehicles (instance i: system id i % 255 + 1, ports in the package docstring).
        kind: quad or rover.
        home_lon_lat: the first vehicle's home; the others 5 m apart, row by row northwards.
        speedup: simulated seconds per wall second.
        port_offset: added to every SITL port.
        rates: "px4" (PX4's default streams) or "low".
        gcs_link: also open the ground-station links (18570+K+i -> 14550+K).
        config: autopilot settings (failsafe actions, thresholds, timeouts).
        clock: injected wall clock (default: monotonic).
        home_amsl_m: ground altitude of the homes above sea level.
        wind: steady wind and gusts (each vehicle's gusts seeded by its system id).

    Raises:
        InvalidSimArgument: an argument is out of range.
    """

    def __init__(
        self,
        count: int,
        kind: VehicleKind = VehicleKind.QUAD,
        home_lon_lat: tuple[float, float] = DEFAULT_HOME,
        speedup: float = 1.0,
        port_offset: int = 0,
        rates: str = "px4",
        gcs_link: bool = True,
        config: AutopilotConfig | None = None,
        clock: Callable[[], float] | None = None,
        home_amsl_m: float = DEFAULT_HOME_AMSL_M,
        wind: Wind | None = None,
    ) -> None:
        _check_arguments(count, home_lon_lat, speedup, port_offset, rates, home_amsl_m)
        self.clock = clock or MonotonicClock()
        base = VehicleSpec(
            kind=kind, speedup=speedup, port_offset=port_offset, rates=rates, gcs_link=gcs_link,
            config=config or AutopilotConfig(), home_amsl_m=home_amsl_m, wind=wind or Wind(),
        )  # fmt: skip
        side = max(1, math.ceil(math.sqrt(count)))
        self.vehicles = [
            SimVehicle(_spec_for(base, home_lon_lat, i, side, count), self.clock)
            for i in range(count)
        ]
        self._last_physics_s = [0.0] * count
        self.physics_period_s = (
            PHYSICS_PERIOD_S if count <= BIG_SWARM else BIG_SWARM_PHYSICS_PERIOD_S
        )

    async def __aenter__(self) -> Swarm:
        try:
            for vehicle in self.vehicles:
                await vehicle.open()
        except BaseException:
            self.close()
            raise
        now = self.clock()
        groups = max(1, round(self.physics_period_s / TICK_S))
        self._last_physics_s = [now - (i % groups) * TICK_S for i in range(len(self.vehicles))]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every vehicle's sockets."""
        for vehicle in self.vehicles:
            vehicle.close()

    def tick(self) -> None:
        """One pass: physics for the vehicles whose period is due, messages for all."""
        now = self.clock()
        last = self._last_physics_s
        period = self.physics_period_s
        for i, vehicle in enumerate(self.vehicles):
            if now - last[i] >= period:
                last[i] = now
                vehicle.step_physics(now)
            for link in vehicle.links:
                if now >= link.next_due_s:
                    vehicle.stream(link, now)

    async def run(self) -> None:
        """Tick forever (until cancelled), every 20 ms of wall time."""
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while True:
            self.tick()
            next_tick = max(next_tick + TICK_S, loop.time())
            await asyncio.sleep(next_tick - loop.time())


async def run_swarm(
    count: int,
    kind: VehicleKind = VehicleKind.QUAD,
    home_lon_lat: tuple[float, float] = DEFAULT_HOME,
    speedup: float = 1.0,
    port_offset: int = 0,
    rates: str = "px4",
    gcs_link: bool = True,
    ready: Callable[[Swarm], None] | None = None,
    home_amsl_m: float = DEFAULT_HOME_AMSL_M,
) -> None:
    """Run ``count`` vehicles until cancelled.

    Args:
        count: number of vehicles (instances 0..count-1, system ids 1..count).
        kind: quad or rover.
        home_lon_lat: centre of the grid the vehicles start on.
        speedup: simulated seconds per wall second.
        port_offset: added to every SITL port.
        rates: "px4" (PX4 default stream rates) or "low" (for big fleets).
        gcs_link: also open the ground-station links (18570+i -> 14550).
        ready: called once the sockets are bound.
        home_amsl_m: ground altitude of the homes above sea level.

    Raises:
        InvalidSimArgument: an argument is out of range.
        PortInUse: a port is taken (nothing stays bound).
    """
    async with Swarm(
        count, kind, home_lon_lat, speedup, port_offset, rates, gcs_link, home_amsl_m=home_amsl_m
    ) as swarm:
        if ready is not None:
            ready(swarm)
        await swarm.run()


def _spec_for(
    base: VehicleSpec, home: tuple[float, float], i: int, side: int, count: int
) -> VehicleSpec:
    """Instance ``i`` starts on a grid cell ``SPACING_M`` apart, row by row northwards."""
    lon0, lat0 = home
    north = (i // side) * SPACING_M
    east = (i % side) * SPACING_M
    lat = lat0 + north / 111_319.49
    lon = lon0 + east / (111_319.49 * math.cos(math.radians(lat0)))
    # With more than 40 vehicles, 14540+i is vehicle i-40's own port (the PX4 SITL scheme
    # overlaps there): such a vehicle waits for its client instead of talking to a sibling.
    first_remote = 14540 + i
    send_first = not 14580 <= first_remote < 14580 + count
    return replace(base, instance=i, home_lon_deg=lon, home_lat_deg=lat, send_first=send_first)


def _check_arguments(
    count: int,
    home: tuple[float, float],
    speedup: float,
    port_offset: int,
    rates: str,
    home_amsl_m: float = DEFAULT_HOME_AMSL_M,
) -> None:
    lon, lat = home
    problems = []
    if count < 1:
        problems.append(f"count must be at least 1, got {count}")
    if not (-180.0 <= lon <= 180.0 and -85.0 <= lat <= 85.0):
        problems.append(f"home must be lon,lat in degrees, got {lon},{lat}")
    low, high = HOME_AMSL_RANGE_M
    if not low <= home_amsl_m <= high:  # NaN fails too
        problems.append(f"home altitude must be {low:g}..{high:g} m AMSL, got {home_amsl_m}")
    if not speedup > 0:
        problems.append(f"speedup must be positive, got {speedup}")
    if port_offset < -14540 or 18570 + port_offset + count - 1 > 65535:
        problems.append(f"port offset {port_offset} puts ports outside 1..65535 for {count}")
    if rates not in RATE_TABLES:
        problems.append(f"rates must be one of {sorted(RATE_TABLES)}, got {rates!r}")
    if problems:
        raise InvalidSimArgument("; ".join(problems))
