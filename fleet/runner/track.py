"""Recorded telemetry tracks: what each vehicle actually did, for the summary and the map."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One telemetry sample: time (s on the simulated clock since its start), position, heights."""

    t_s: float
    lon_deg: float
    lat_deg: float
    alt_amsl_m: float
    alt_agl_m: float
