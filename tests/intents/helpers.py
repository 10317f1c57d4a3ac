"""Builders shared by the intents tests: boxes in metres around a Shinjuku origin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airspace.deconfliction.geometry import LocalProjection
from airspace.intents import Circle, Polygon, Volume4D

ORIGIN = LocalProjection(139.70, 35.69)
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def box(
    x0_m: float,
    y0_m: float,
    x1_m: float,
    y1_m: float,
    z0_m: float = 40.0,
    z1_m: float = 80.0,
    t0_s: float = 0.0,
    t1_s: float = 600.0,
) -> Volume4D:
    """An axis-aligned box in local metres (x east, y north) and seconds after ``T0``."""
    corners = [(x0_m, y0_m), (x1_m, y0_m), (x1_m, y1_m), (x0_m, y1_m)]
    return Volume4D(
        Polygon(tuple(ORIGIN.to_lonlat_deg(x, y) for x, y in corners)),
        z0_m,
        z1_m,
        T0 + timedelta(seconds=t0_s),
        T0 + timedelta(seconds=t1_s),
    )


def disc(
    x_m: float,
    y_m: float,
    r_m: float,
    z0_m: float = 40.0,
    z1_m: float = 80.0,
    t0_s: float = 0.0,
    t1_s: float = 600.0,
) -> Volume4D:
    """A circle volume centred at local metres (x, y)."""
    lon, lat = ORIGIN.to_lonlat_deg(x_m, y_m)
    return Volume4D(
        Circle(lon, lat, r_m),
        z0_m,
        z1_m,
        T0 + timedelta(seconds=t0_s),
        T0 + timedelta(seconds=t1_s),
    )
