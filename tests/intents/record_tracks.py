"""Regenerate the recorded synthetic tracks in ``tests/intents/tracks/`` (run by hand).

``python -m tests.intents.record_tracks`` writes the intent (F3548 JSON) of a 1.5 km delivery in
Shinjuku and four 1 Hz tracks flown against it: nominal, a 20 s lateral excursion of 40 m, a
30 m climb held for 90 s, and a departure 200 s late.
"""

from __future__ import annotations

import csv
import itertools
import json
from datetime import timedelta
from pathlib import Path

from airspace.intents import intent_to_json, new_intent
from airspace.route import Route
from airspace.volumes import geoid_amsl_to_w84_m, route_to_volumes
from tests.intents.helpers import ORIGIN
from tests.intents.routes import delivery

HERE = Path(__file__).parent / "tracks"
ROUTE = delivery(0, 0, 1500, 0, cruise_amsl_m=95.0)


def _nominal_xyz(route: Route, t_s: float) -> tuple[float, float, float]:
    t_s = min(max(t_s, 0.0), route.duration_s)
    for a, b in itertools.pairwise(route.waypoints):
        ta = (a.time - route.departure).total_seconds()
        tb = (b.time - route.departure).total_seconds()
        if t_s <= tb:
            f = 0.0 if tb == ta else (t_s - ta) / (tb - ta)
            ax, ay = ORIGIN.to_xy_m(a.lon_deg, a.lat_deg)
            bx, by = ORIGIN.to_xy_m(b.lon_deg, b.lat_deg)
            return (
                ax + f * (bx - ax),
                ay + f * (by - ay),
                a.alt_amsl_m + f * (b.alt_amsl_m - a.alt_amsl_m),
            )
    raise AssertionError


def _track(name: str, offset: object, flight_s: int) -> None:
    rows = []
    for k in range(flight_s + 1):
        x, y, z = offset(k)  # type: ignore[operator]
        lon, lat = ORIGIN.to_lonlat_deg(x, y)
        when = ROUTE.departure + timedelta(seconds=k)
        rows.append([when.isoformat(), lon, lat, geoid_amsl_to_w84_m(lon, lat, z)])
    with (HERE / f"{name}.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["time", "lon_deg", "lat_deg", "alt_w84_m"])
        writer.writerows(rows)


def main() -> None:
    """Write the intent and the four tracks."""
    HERE.mkdir(exist_ok=True)
    intent = new_intent("delivery-1", "op-shinjuku", route_to_volumes(ROUTE))
    (HERE / "intent.json").write_text(json.dumps(intent_to_json(intent), indent=1))
    end = int(ROUTE.duration_s)
    nominal = lambda k: _nominal_xyz(ROUTE, k)  # noqa: E731

    def lateral(k: int) -> tuple[float, float, float]:
        x, y, z = nominal(k)
        return x, y + (40.0 if 60 <= k < 80 else 0.0), z

    def climb(k: int) -> tuple[float, float, float]:
        x, y, z = nominal(k)
        return x, y, z + (30.0 if 60 <= k < 150 else 0.0)

    _track("nominal", nominal, end)
    _track("lateral_20s", lateral, end)
    _track("climb_90s", climb, end)
    _track("late_200s", lambda k: _nominal_xyz(ROUTE, k - 200), end + 200)


if __name__ == "__main__":
    main()
