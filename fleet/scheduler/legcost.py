"""Pluggable leg costs: energy, time and distance of an empty or loaded leg for a vehicle.

The scheduler asks a :class:`LegCostModel` for single legs (a delivery's loaded leg) and for
whole matrices of empty legs between mission points (the deadheads the VRP engine chooses
from). The default :class:`StraightLineLegCost` uses :mod:`fleet.energy` on straight lines; it
computes matrices quickly because a straight-line leg's energy and time are affine in its
length (fixed climb and descent, then cruise at constant power), so two calls to
:func:`fleet.energy.leg_estimate` calibrate the whole matrix. The service plugs in legs along
airspace planner routes by implementing :meth:`LegCostModel.leg` (the matrix then falls back to
one call per pair, see :func:`pairwise_matrix`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from airspace.route import Route
from fleet.energy import Leg, LegEstimate, horizontal_distance_m, leg_estimate
from fleet.model import GeoPoint, Vehicle

FloatMatrix = npt.NDArray[np.float64]
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class LegMatrix:
    """Empty-leg figures between every pair of points (row = from, column = to)."""

    energy_wh: FloatMatrix
    duration_s: FloatMatrix
    distance_m: FloatMatrix


class LegCostModel(Protocol):
    """What the scheduler needs to know about travelling between two points."""

    def leg(
        self, vehicle: Vehicle, start: GeoPoint, end: GeoPoint, payload_kg: float
    ) -> LegEstimate:
        """Energy, time and distance for ``vehicle`` to go from ``start`` to ``end``."""
        ...

    def matrix(
        self, vehicle: Vehicle, origins: Sequence[GeoPoint], destinations: Sequence[GeoPoint]
    ) -> LegMatrix:
        """Empty legs from every origin (rows) to every destination (columns)."""
        ...


def pairwise_matrix(
    model: LegCostModel,
    vehicle: Vehicle,
    origins: Sequence[GeoPoint],
    destinations: Sequence[GeoPoint],
) -> LegMatrix:
    """A :class:`LegMatrix` built from one :meth:`LegCostModel.leg` call per pair.

    Args:
        model: the leg model (e.g. one that asks the airspace planner for routes).
        vehicle: the vehicle flying the legs.
        origins: row points.
        destinations: column points.

    Returns:
        The matrices (zero where origin and destination coincide); O(n·m) calls, so meant for
        small problems.
    """
    shape = (len(origins), len(destinations))
    energy, duration, distance = (np.zeros(shape) for _ in range(3))
    for i, a in enumerate(origins):
        for j, b in enumerate(destinations):
            if a.lon_lat != b.lon_lat:
                est = model.leg(vehicle, a, b, 0.0)
                energy[i, j], duration[i, j], distance[i, j] = (
                    est.energy_wh,
                    est.duration_s,
                    est.distance_m,
                )
    return LegMatrix(energy, duration, distance)


def local_xy_m(points: Sequence[GeoPoint]) -> FloatMatrix:
    """Equirectangular metres around the points' mean latitude (good to ~0.1 % over 20 km)."""
    lon = np.array([p.lon_deg for p in points])
    lat = np.array([p.lat_deg for p in points])
    lat0 = math.radians(float(lat.mean())) if len(points) else 0.0
    x = np.radians(lon) * EARTH_RADIUS_M * math.cos(lat0)
    y = np.radians(lat) * EARTH_RADIUS_M
    return np.column_stack([x, y])


class StraightLineLegCost:
    """Straight-line legs through :func:`fleet.energy.leg_estimate` (climb, cruise, descent)."""

    def __init__(self, cruise_agl_m: float = 60.0) -> None:
        """Args:
        cruise_agl_m: cruise height of multicopter legs above the start and end points.
        """
        self.cruise_agl_m = cruise_agl_m

    def leg(
        self, vehicle: Vehicle, start: GeoPoint, end: GeoPoint, payload_kg: float
    ) -> LegEstimate:
        """Energy, time and distance of the straight leg (see :func:`fleet.energy.leg_estimate`)."""
        return leg_estimate(vehicle, Leg(start, end, payload_kg, cruise_agl_m=self.cruise_agl_m))

    def matrix(
        self, vehicle: Vehicle, origins: Sequence[GeoPoint], destinations: Sequence[GeoPoint]
    ) -> LegMatrix:
        """Empty legs between all pairs, from an affine fit of two exact legs (at ground level).

        Points are treated as on the ground (height 0) for the climb and descent; the fit is
        exact for the straight-line model because cruise power does not depend on the length.
        """
        xy = local_xy_m([*origins, *destinations])
        rows, cols = xy[: len(origins)], xy[len(origins) :]
        dist = np.sqrt(((rows[:, None, :] - cols[None, :, :]) ** 2).sum(axis=2))
        origin, near, far = _CALIBRATION
        h_near = horizontal_distance_m(origin.lon_lat, near.lon_lat)
        h_far = horizontal_distance_m(origin.lon_lat, far.lon_lat)
        short = self.leg(vehicle, origin, near, 0.0)
        long = self.leg(vehicle, origin, far, 0.0)
        matrices = []
        for attr in ("energy_wh", "duration_s", "distance_m"):
            lo, hi = getattr(short, attr), getattr(long, attr)
            slope = (hi - lo) / (h_far - h_near)
            m = np.where(dist > 0.0, lo + slope * (dist - h_near), 0.0)
            matrices.append(m)
        return LegMatrix(*matrices)


_CALIBRATION = (GeoPoint(139.7, 35.69), GeoPoint(139.7, 35.69001), GeoPoint(139.7, 35.7))


RoutePlanner = Callable[[Vehicle, GeoPoint, GeoPoint], Route | None]


class PlannedRouteLegCost(StraightLineLegCost):
    """Legs along routes from a planner (e.g. the airspace planner), straight lines otherwise.

    ``planner(vehicle, start, end)`` returns the :class:`airspace.route.Route` to fly, or
    ``None`` when it has none (ground robots, or no route found); energy and time then come from
    :func:`fleet.energy.leg_estimate` along that route. Matrices call the planner once per pair
    (:func:`pairwise_matrix`), so cache inside the planner for large problems.
    """

    def __init__(self, planner: RoutePlanner, cruise_agl_m: float = 60.0) -> None:
        """Args:
        planner: route source; ``None`` falls back to the straight line.
        cruise_agl_m: cruise height of straight-line fallback legs.
        """
        super().__init__(cruise_agl_m)
        self.planner = planner

    def leg(
        self, vehicle: Vehicle, start: GeoPoint, end: GeoPoint, payload_kg: float
    ) -> LegEstimate:
        """The leg along the planner's route when there is one."""
        route = self.planner(vehicle, start, end)
        if route is None:
            return super().leg(vehicle, start, end, payload_kg)
        return leg_estimate(vehicle, Leg(start, end, payload_kg, route=route))

    def matrix(
        self, vehicle: Vehicle, origins: Sequence[GeoPoint], destinations: Sequence[GeoPoint]
    ) -> LegMatrix:
        """One planner call per pair (see :func:`pairwise_matrix`)."""
        return pairwise_matrix(self, vehicle, origins, destinations)
