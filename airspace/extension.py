"""Extending the operational intent of a flight that runs late (ASTM F3548-21): the geometry.

F3548 has a USS modify its operational intent when the flight will not conform to it, before it
becomes Nonconforming; off-nominal states are for flights that left the space they reserved, not
for ones that are merely slow. For a flight that only runs late, :class:`LateFlight` projects
when the vehicle will leave each volume still ahead of it and proposes, before one would be
overrun, new volumes for the same intent that last until then, plus a margin:

1. progress: the planned time of the route point nearest to the vehicle, searched forward from
   the last one (an out-and-back route is not mistaken for its way back);
2. pace: planned seconds flown per second over the last ``pace_window_s``, clamped to
   ``[min_pace, 1]``; the vehicle is projected to keep it for the next ``pace_horizon_s`` of
   its plan and to fly the rest as planned (a slow stretch, a survey's turns, does not make
   the whole flight slow; a vehicle that stays slow is projected again and again);
3. which volumes hold each route point: those whose space holds it at a planned time inside
   their window (sampled every ``sample_step_s``, worked out once per leg); the point is
   *overrun* when the vehicle, at least ``min_delay_s`` late, would reach it after
   ``time_end - lookahead_s`` of the last-ending of them;
4. then, for each route point still ahead, the last-ending volume holding it ends no earlier
   than the projected time there plus a margin (``margin_s`` + ``margin_fraction`` of the
   projected delay at arrival), and a volume ahead whose space the vehicle is not in starts at
   the earliest the vehicle can reach it (at the planned pace) minus the margin; the other
   volumes are kept.

Booking the new version (checked against every other live intent, under the airspace lock) is
the service's: ``fleet.runner.extend``. Pure: no I/O, no vehicles, no clock of its own.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
import shapely

from airspace.frames import geoid_height_m
from airspace.intents import Circle, OperationalIntent, Volume4D
from airspace.intents.f3548 import INTERSECTION_MINIMUM_PRECISION_M
from airspace.intents.projection import LocalProjection
from airspace.route import Route


class Fix(Protocol):
    """A position report: lon/lat in degrees and altitude above mean sea level."""

    @property
    def lon_deg(self) -> float: ...

    @property
    def lat_deg(self) -> float: ...

    @property
    def alt_amsl_m(self) -> float: ...


@dataclass(frozen=True, slots=True)
class ExtensionSettings:
    """When and how much a late flight's intent is extended.

    Attributes:
        check_period_s: simulated seconds between two projections of one flight.
        lookahead_s: extend this long before the projected overrun (time to book it).
        min_delay_s: a vehicle less late than this is on time (sparse fixes and the pace
            changes of turns, climbs and descents make a few seconds of noise).
        margin_s: the new volumes last this long after the projected exit...
        margin_fraction: ...plus this fraction of the projected delay at arrival.
        pace_window_s: the pace is measured over this much recent flight (taken as 1 until
            half of it has been flown).
        pace_horizon_s: planned seconds ahead the measured pace is projected over.
        min_pace: slowest pace projected (a stopped vehicle is not projected forever).
        retry_after_s: wait before trying again after a refusal.
        sample_step_s: spacing (planned seconds) of the route points a volume's stretch is
            worked out from.
    """

    check_period_s: float = 2.0
    lookahead_s: float = 10.0
    min_delay_s: float = 5.0
    margin_s: float = 30.0
    margin_fraction: float = 0.25
    pace_window_s: float = 30.0
    pace_horizon_s: float = 60.0
    min_pace: float = 0.25
    retry_after_s: float = 20.0
    sample_step_s: float = 1.0


class RouteTimeline:
    """A planned route as positions over its planned time ``s`` (seconds since departure), in a
    local metric frame (east, north, AMSL up)."""

    def __init__(self, route: Route) -> None:
        wps = route.waypoints
        self.departure = route.departure
        self.frame = LocalProjection(wps[0].lon_deg, wps[0].lat_deg)
        self.points = np.array(
            [(*self.frame.to_xy_m(w.lon_deg, w.lat_deg), w.alt_amsl_m) for w in wps]
        )
        self.times_s = np.array([(w.time - route.departure).total_seconds() for w in wps])
        self.geoid_m = np.array([geoid_height_m(w.lon_deg, w.lat_deg) for w in wps])

    @property
    def duration_s(self) -> float:
        """Planned seconds from departure to arrival."""
        return float(self.times_s[-1])

    def at(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions ``(n, 3)`` (east, north, AMSL) and W84 heights at planned times ``s``."""
        xyz = np.column_stack([np.interp(s, self.times_s, self.points[:, k]) for k in range(3)])
        return xyz, xyz[:, 2] + np.interp(s, self.times_s, self.geoid_m)

    def progress_s(self, where: tuple[float, float, float], from_s: float, hint_s: float) -> float:
        """The planned time of the route point nearest ``where`` (east, north, AMSL), not
        before ``from_s``; among points within 3 m of the nearest, the earliest.

        A stop (a segment that does not move) holds the vehicle for a while: a vehicle there is
        taken to be at ``hint_s`` (its planned time at its last known delay), clamped to the stop.
        Segments starting more than 60 s of plan after ``hint_s`` are not searched.
        """
        a, b = self.points[:-1], self.points[1:]
        t0, t1 = self.times_s[:-1], self.times_s[1:]
        ab = b - a
        length2 = np.einsum("ij,ij->i", ab, ab)
        moving = length2 > 1e-6
        frac = np.einsum("ij,ij->i", np.asarray(where) - a, ab) / np.where(moving, length2, 1.0)
        span = np.maximum(t1 - t0, 1e-9)
        lower = np.clip((from_s - t0) / span, 0.0, 1.0)
        stop = np.clip((hint_s - t0) / span, 0.0, 1.0)
        frac = np.where(moving, np.clip(frac, lower, 1.0), np.maximum(stop, lower))
        dist = np.linalg.norm(a + frac[:, None] * ab - np.asarray(where), axis=1)
        # forward from the last fix, and not beyond a minute past where the delay puts it (the
        # lines of a survey lie a few tens of metres apart)
        dist = np.where((t1 >= from_s) & (t0 <= max(from_s, hint_s) + 60.0), dist, np.inf)
        near = np.flatnonzero(dist <= dist.min() + 3.0)
        k = int(near[0])
        return float(t0[k] + frac[k] * (t1[k] - t0[k]))


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which volumes were reserved for which points of a leg's route.

    Attributes:
        s: planned route times of the sample points, ascending.
        inside: ``inside[k, i]``: volume ``i``'s space holds point ``k`` (1 cm tolerance, as the
            monitor counts).
        holds: ``inside`` and volume ``i``'s window holds the point's planned time.
    """

    s: np.ndarray
    inside: np.ndarray
    holds: np.ndarray

    @classmethod
    def of(cls, timeline: RouteTimeline, volumes: tuple[Volume4D, ...], step_s: float) -> Coverage:
        """The coverage of ``timeline``'s route by ``volumes``, sampled every ``step_s``."""
        s = np.unique(np.append(np.arange(0.0, timeline.duration_s, step_s), timeline.times_s))
        xyz, w84 = timeline.at(s)
        points = shapely.points(xyz[:, 0], xyz[:, 1])
        tol = INTERSECTION_MINIMUM_PRECISION_M
        inside = np.zeros((s.size, len(volumes)), dtype=bool)
        holds = np.zeros_like(inside)
        for i, v in enumerate(volumes):
            when = (v.time_start - timeline.departure).total_seconds()
            until = (v.time_end - timeline.departure).total_seconds()
            inside[:, i] = (
                (shapely.distance(_outline_xy(v, timeline.frame), points) <= tol)
                & (w84 >= v.altitude_lower_w84_m - tol)
                & (w84 <= v.altitude_upper_w84_m + tol)
            )
            holds[:, i] = inside[:, i] & (s >= when) & (s <= until)
        return cls(s, inside, holds)


def _outline_xy(v: Volume4D, frame: LocalProjection) -> shapely.Geometry:
    if isinstance(v.outline, Circle):
        c = v.outline
        return shapely.Point(frame.to_xy_m(c.center_lon_deg, c.center_lat_deg)).buffer(c.radius_m)
    return shapely.Polygon([frame.to_xy_m(*p) for p in v.outline.vertices_lonlat_deg])


@dataclass(frozen=True, slots=True)
class Projection:
    """Where a flight stands against its plan at ``now``.

    Attributes:
        now: the time of the fix.
        progress_s: planned route time of the vehicle's position.
        pace: planned seconds flown per second (1 = on plan).
        departure: the planned departure (route time 0).
        horizon_s: planned seconds ahead flown at ``pace``; the rest as planned.
    """

    now: datetime
    progress_s: float
    pace: float
    departure: datetime
    horizon_s: float = 60.0

    @property
    def delay_s(self) -> float:
        """How late the vehicle is now (negative: early)."""
        return (self.now - self.departure).total_seconds() - self.progress_s

    def reach_s(self, s: np.ndarray) -> np.ndarray:
        """Seconds from now until the vehicle is projected to reach planned route times ``s``."""
        ahead = np.maximum(0.0, s - self.progress_s)
        slow = np.minimum(ahead, self.horizon_s)
        return np.asarray(slow / self.pace + (ahead - slow))

    def at(self, s: float) -> datetime:
        """When the vehicle is projected to reach planned route time ``s`` (not before now)."""
        return self.now + timedelta(seconds=float(self.reach_s(np.array([s]))[0]))

    def earliest(self, s: float) -> datetime:
        """The soonest it can reach ``s``: at the planned pace from now."""
        return self.now + timedelta(seconds=max(0.0, s - self.progress_s))


def extended_volumes(
    volumes: tuple[Volume4D, ...],
    coverage: Coverage,
    projection: Projection,
    duration_s: float,
    settings: ExtensionSettings,
) -> tuple[Volume4D, ...] | None:
    """The volumes extended to the projection, or ``None`` when no point ahead is overrun (or
    the flight is not late): see the module docstring, steps 3 and 4."""
    ahead = coverage.s > projection.progress_s
    k = int(np.searchsorted(coverage.s, projection.progress_s))
    here = np.asarray(coverage.inside[max(0, k - 1) : k + 1].any(axis=0))  # the vehicle is in
    s, holds = coverage.s[ahead], coverage.holds[ahead]
    held = holds.any(axis=1)
    s, holds = s[held], holds[held]
    if projection.delay_s < settings.min_delay_s or s.size == 0:
        return None
    now = projection.now
    ends = np.array([(v.time_end - now).total_seconds() for v in volumes])
    reach = projection.reach_s(s)
    deadline = np.where(holds, ends, -np.inf).max(axis=1)
    if not np.any(reach + settings.lookahead_s > deadline):
        return None
    late_at_arrival_s = (projection.at(duration_s) - projection.departure).total_seconds()
    margin_s = settings.margin_s + settings.margin_fraction * max(
        0.0, late_at_arrival_s - duration_s
    )
    owner = np.where(holds, ends, -np.inf).argmax(axis=1)  # the last-ending volume of each point
    out = list(volumes)
    for i, v in enumerate(volumes):
        mine, member = reach[owner == i], s[holds[:, i]]
        if mine.size == 0:
            continue
        end = max(v.time_end, now + timedelta(seconds=float(mine.max()) + margin_s))
        start = v.time_start
        if not here[i] and member.size:  # not entered yet
            earliest = projection.earliest(float(member[0])) - timedelta(seconds=margin_s)
            start = min(max(start, earliest), end)  # nobody needs it before the vehicle can
        out[i] = replace(v, time_start=start, time_end=end)
    return tuple(out)


class LateFlight:
    """One leg's progress and pace against its plan, and the extension it needs."""

    def __init__(self, route: Route, intent: OperationalIntent, settings: ExtensionSettings):
        self.settings = settings
        self.timeline = RouteTimeline(route)
        self.coverage = Coverage.of(self.timeline, intent.volumes, settings.sample_step_s)
        self._history: deque[tuple[datetime, float]] = deque()
        self._progress_s = 0.0
        self._delay_s = 0.0
        self._next_check: datetime | None = None
        self.retry_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        """Whether a projection is due (one every ``check_period_s``)."""
        return self._next_check is None or now >= self._next_check

    def project(self, position: Fix, now: datetime) -> Projection:
        """Locate ``position`` on the route and measure the pace (call when :meth:`due`)."""
        self._next_check = now + timedelta(seconds=self.settings.check_period_s)
        tl = self.timeline
        where = (*tl.frame.to_xy_m(position.lon_deg, position.lat_deg), position.alt_amsl_m)
        hint = (now - tl.departure).total_seconds() - self._delay_s
        self._progress_s = tl.progress_s(where, self._progress_s, hint)
        self._history.append((now, self._progress_s))
        window = timedelta(seconds=self.settings.pace_window_s)
        while len(self._history) > 2 and now - self._history[1][0] >= window:
            self._history.popleft()
        then, then_s = self._history[0]
        span_s = (now - then).total_seconds()
        pace = 1.0
        if span_s >= self.settings.pace_window_s / 2:
            pace = (self._progress_s - then_s) / span_s
        pace = min(1.0, max(self.settings.min_pace, pace))
        horizon = self.settings.pace_horizon_s
        projection = Projection(now, self._progress_s, pace, tl.departure, horizon)
        self._delay_s = projection.delay_s
        return projection

    def proposal(
        self, intent: OperationalIntent, projection: Projection
    ) -> tuple[Volume4D, ...] | None:
        """The extended volumes ``intent`` needs, or ``None``."""
        if self.retry_at is not None and projection.now < self.retry_at:
            return None
        return extended_volumes(
            intent.volumes, self.coverage, projection, self.timeline.duration_s, self.settings
        )
