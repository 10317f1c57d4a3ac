"""What the simulated vehicles really did: their tracks, sampled from the simulators themselves.

The demo runs the simulated fleet, so it can read each vehicle's true state (position, height,
battery used) without going through the service: an independent record for the summary's
safety figures (separation, building clearance) and for each leg's distance, energy and landing
time. Samples are taken on a wall-time period (a timer, not a wait) and stamped with the shared
simulated clock.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from airspace.frames import ground_distance_m
from fleet.runner.clock import ScaledClock
from simulators.vehicle import SimVehicle

SAMPLE_PERIOD_S = 0.05  # wall: 2.5 simulated seconds at x50
LANDED_AGL_M = 0.5
ARRIVED_M = 12.0  # a landing this close to a leg's last waypoint ends the leg


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One sample: time (s on the simulated clock since its start), position, heights."""

    t_s: float
    lon_deg: float
    lat_deg: float
    alt_amsl_m: float
    alt_agl_m: float
    used_wh: float = 0.0
    at: datetime | None = None  # the simulated time


def sample(vehicle: SimVehicle, clock: ScaledClock) -> TrackPoint:
    """The vehicle's true state now."""
    ap = vehicle.autopilot
    state = ap.state
    lon, lat = ap.frame.to_lon_lat(state.north_m, state.east_m)
    return TrackPoint(
        clock.elapsed_s(),
        lon,
        lat,
        ap.home_amsl_m + state.up_m,
        state.up_m,
        state.battery.used_wh,
        clock.now(),
    )


async def record(
    vehicles: Mapping[str, SimVehicle], clock: ScaledClock, into: dict[str, list[TrackPoint]]
) -> None:
    """Append every vehicle's state to ``into`` (by name) each period, until cancelled."""
    while True:
        for name, vehicle in vehicles.items():
            into.setdefault(name, []).append(sample(vehicle, clock))
        await asyncio.sleep(SAMPLE_PERIOD_S)  # a sampling period, not a wait for a condition


@dataclass(frozen=True, slots=True)
class LegFacts:
    """What one flown leg did: distance, energy, and when it landed at its end (if it did)."""

    distance_m: float
    energy_wh: float
    landed_at: datetime | None


def leg_facts(
    track: Sequence[TrackPoint], route: Mapping[str, Any], until: datetime | None
) -> LegFacts:
    """The leg whose stored route is ``route``, from the vehicle's track: the samples from a
    minute before its departure to ``until`` (the vehicle's next leg), the first landing near
    its last waypoint after it left its first."""
    wps = route["waypoints"]
    start = datetime.fromisoformat(wps[0]["time"]) - timedelta(seconds=60)
    end = (wps[-1]["lon_deg"], wps[-1]["lat_deg"])
    first = (wps[0]["lon_deg"], wps[0]["lat_deg"])
    window = [
        p for p in track if p.at is not None and p.at >= start and (until is None or p.at < until)
    ]
    distance, landed, left = 0.0, None, False
    for prev, p in itertools.pairwise(window):
        distance += _metres(prev, p)
        left = left or _ground_m(p, first) > ARRIVED_M or p.alt_agl_m > 2.0
        if left and landed is None and p.alt_agl_m < LANDED_AGL_M and _ground_m(p, end) < ARRIVED_M:
            landed = p.at
    energy = window[-1].used_wh - window[0].used_wh if window else 0.0
    return LegFacts(distance, max(0.0, energy), landed)


def _ground_m(p: TrackPoint, q: tuple[float, float]) -> float:
    return ground_distance_m(p.lon_deg, p.lat_deg, q[0], q[1])


def _metres(p: TrackPoint, q: TrackPoint) -> float:
    flat = _ground_m(p, (q.lon_deg, q.lat_deg))
    return math.hypot(flat, q.alt_amsl_m - p.alt_amsl_m)
