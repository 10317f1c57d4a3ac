"""Turn a planned horizontal path and cruise altitude into a timed :class:`Route`."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from airspace.city.model import City
from airspace.frames import FloatArray
from airspace.planner.profile import VehicleProfile
from airspace.route import Route, Waypoint

__all__ = ["RouteBuilder"]


class RouteBuilder:
    """Builds take-off column + cruise polyline + landing column, timed by the profile."""

    def __init__(self, city: City, profile: VehicleProfile, departure: datetime) -> None:
        self.city = city
        self.profile = profile
        self.departure = departure

    def build(
        self, path: FloatArray, alt_amsl_m: float, start_amsl_m: float, goal_amsl_m: float
    ) -> Route:
        """The route flying ``path`` (local (k, 2), start to goal) at ``alt_amsl_m``.

        Args:
            path: horizontal polyline in the city's local frame, from start to goal.
            alt_amsl_m: cruise altitude.
            start_amsl_m: take-off altitude (ground or rooftop).
            goal_amsl_m: landing altitude.
        """
        xs = np.concatenate([path[:1, 0], path[:, 0], path[-1:, 0]])
        ys = np.concatenate([path[:1, 1], path[:, 1], path[-1:, 1]])
        alts = [start_amsl_m, *([alt_amsl_m] * len(path)), goal_amsl_m]
        lons, lats = self.city.frame.to_lonlat(xs, ys)
        pr = self.profile
        steps = [pr.vertical_s(alt_amsl_m - start_amsl_m)]
        steps += list(np.hypot(*np.diff(path, axis=0).T) / pr.cruise_speed_mps)
        steps.append(pr.vertical_s(goal_amsl_m - alt_amsl_m))
        times = np.concatenate([[0.0], np.cumsum(steps)])
        waypoints = tuple(
            Waypoint(
                float(lon),
                float(lat),
                float(alt),
                self.city.ground_amsl_m(float(lon), float(lat)),
                self.departure + timedelta(seconds=float(t)),
            )
            for lon, lat, alt, t in zip(lons, lats, alts, times, strict=True)
        )
        horizontal_m = float(np.sum(np.hypot(*np.diff(path, axis=0).T)))
        climb_m = max(alt_amsl_m - start_amsl_m, 0.0)
        length_m = horizontal_m + abs(alt_amsl_m - start_amsl_m) + abs(goal_amsl_m - alt_amsl_m)
        duration_s = float(times[-1])
        return Route(waypoints, length_m, duration_s, pr.energy_wh(duration_s, climb_m))
