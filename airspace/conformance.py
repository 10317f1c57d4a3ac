"""Conformance monitoring of an Activated flight against its operational intent (F3548-21).

Feed position reports (time, lon, lat, W84 altitude). A report outside every nominal volume whose
time window holds it is an *excursion*, measured as the lateral and vertical distance to the
nearest volume, or as how early/late the flight is when it is inside a volume's space but
outside its time window. The monitor drives the intent's state in the engine:

- Activated + excursion -> ``Nonconforming`` with an off-nominal volume around the aircraft
  (:class:`LeftVolumes`);
- Nonconforming + back inside -> ``Activated`` (:class:`Recovered`, flagging excursions longer
  than ``OiMaxDurationPerExcursionSeconds``);
- Nonconforming for longer than ``MaxRecoverableTimeInNonconformingStateSeconds`` ->
  ``Contingent`` (:class:`BecameContingent`), on a report or on :meth:`ConformanceMonitor.tick`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import shapely

from airspace.deconfliction.engine import DeconflictionEngine
from airspace.errors import IntentError
from airspace.intents.f3548 import (
    INTERSECTION_MINIMUM_PRECISION_M,
    MAX_DURATION_PER_EXCURSION,
    MAX_RECOVERABLE_NONCONFORMING,
)
from airspace.intents.intent import IntentState, OperationalIntent
from airspace.intents.projection import LocalProjection
from airspace.intents.volume import Circle, Volume4D


@dataclass(frozen=True, slots=True)
class PositionReport:
    """One telemetry fix: UTC time, WGS84 lon/lat in degrees, height above the ellipsoid."""

    time: datetime
    lon_deg: float
    lat_deg: float
    alt_w84_m: float


class ExcursionKind(StrEnum):
    """Which way the flight left its volumes."""

    LATERAL = "lateral"
    VERTICAL = "vertical"
    EARLY = "early"
    LATE = "late"


@dataclass(frozen=True, slots=True)
class Excursion:
    """A measured excursion: distances to the nearest volume and time outside its window."""

    kind: ExcursionKind
    lateral_m: float
    vertical_m: float
    early_s: float
    late_s: float
    volume_index: int


@dataclass(frozen=True, slots=True)
class LeftVolumes:
    """The flight left its volumes; the intent is now Nonconforming."""

    intent: OperationalIntent
    time: datetime
    excursion: Excursion


@dataclass(frozen=True, slots=True)
class StillNonconforming:
    """Another report outside the volumes, within the recovery limit."""

    intent: OperationalIntent
    time: datetime
    excursion: Excursion
    nonconforming_s: float


@dataclass(frozen=True, slots=True)
class Recovered:
    """The flight is back inside; the intent is Activated again."""

    intent: OperationalIntent
    time: datetime
    nonconforming_s: float
    exceeded_max_excursion_duration: bool


@dataclass(frozen=True, slots=True)
class BecameContingent:
    """Not recovered within the F3548 limit; the intent is Contingent."""

    intent: OperationalIntent
    time: datetime
    nonconforming_s: float
    excursion: Excursion | None


ConformanceEvent = LeftVolumes | StillNonconforming | Recovered | BecameContingent


@dataclass(frozen=True, slots=True)
class ConformanceSettings:
    """Limits and the shape of the off-nominal volumes published on an excursion.

    Attributes:
        recovery_limit: ``MaxRecoverableTimeInNonconformingStateSeconds`` (60 s).
        max_excursion: ``OiMaxDurationPerExcursionSeconds`` (10 s), reported on recovery.
        tolerance_m: positions this close to a volume count as inside (1 cm).
        off_nominal_radius_m: radius of the off-nominal circle around the aircraft.
        off_nominal_half_height_m: half height of its band.
        off_nominal_duration: how far ahead it reaches.
    """

    recovery_limit: timedelta = MAX_RECOVERABLE_NONCONFORMING
    max_excursion: timedelta = MAX_DURATION_PER_EXCURSION
    tolerance_m: float = INTERSECTION_MINIMUM_PRECISION_M
    off_nominal_radius_m: float = 100.0
    off_nominal_half_height_m: float = 30.0
    off_nominal_duration: timedelta = timedelta(minutes=5)


def measure(
    volumes: tuple[Volume4D, ...], report: PositionReport, tol_m: float
) -> Excursion | None:
    """The excursion of ``report`` from ``volumes``, or ``None`` when it conforms.

    Raises:
        IntentError: ``volumes`` is empty.
    """
    if not volumes:
        raise IntentError("no nominal volumes to monitor against")
    frame = LocalProjection(report.lon_deg, report.lat_deg)
    rows = [(_distances(v, report, frame, tol_m), i) for i, v in enumerate(volumes)]
    for (lat, vert, early, late), _ in rows:
        if lat == 0 and vert == 0 and early == 0 and late == 0:
            return None
    inside_space = [
        (early + late, i, early, late)
        for (lat, vert, early, late), i in rows
        if lat == 0 and vert == 0
    ]
    if inside_space:
        _, i, early, late = min(inside_space)
        kind = ExcursionKind.EARLY if early > 0 else ExcursionKind.LATE
        return Excursion(kind, 0.0, 0.0, early, late, i)
    timely = [r for r in rows if r[0][2] == 0 and r[0][3] == 0] or rows
    (lat, vert, early, late), i = min(timely, key=lambda r: (math.hypot(r[0][0], r[0][1]), r[1]))
    if early or late:
        kind = ExcursionKind.EARLY if early > 0 else ExcursionKind.LATE
    else:
        kind = ExcursionKind.LATERAL if lat > 0 else ExcursionKind.VERTICAL
    return Excursion(kind, lat, vert, early, late, i)


def _distances(
    v: Volume4D, report: PositionReport, frame: LocalProjection, tol_m: float
) -> tuple[float, float, float, float]:
    here = shapely.Point(0.0, 0.0)
    if isinstance(v.outline, Circle):
        c = v.outline
        centre = shapely.Point(frame.to_xy_m(c.center_lon_deg, c.center_lat_deg))
        lateral = max(0.0, here.distance(centre) - c.radius_m)
    else:
        poly = shapely.Polygon([frame.to_xy_m(*p) for p in v.outline.vertices_lonlat_deg])
        lateral = here.distance(poly)
    vertical = max(
        0.0, v.altitude_lower_w84_m - report.alt_w84_m, report.alt_w84_m - v.altitude_upper_w84_m
    )
    early = max(0.0, (v.time_start - report.time).total_seconds())
    late = max(0.0, (report.time - v.time_end).total_seconds())
    return (
        0.0 if lateral <= tol_m else lateral,
        0.0 if vertical <= tol_m else vertical,
        early,
        late,
    )


class ConformanceMonitor:
    """Watches one flight and moves its intent through Activated/Nonconforming/Contingent.

    The engine stays the single source of truth: every state change goes through
    :meth:`DeconflictionEngine.transition`, and each event carries the new intent.
    """

    def __init__(
        self,
        engine: DeconflictionEngine,
        intent_id: str,
        settings: ConformanceSettings | None = None,
    ) -> None:
        self._engine = engine
        self._intent_id = intent_id
        self.settings = settings or ConformanceSettings()
        self._since: datetime | None = None
        self.excursions = 0
        """Excursions started so far (for ``OiMaxExcursionsPerFlightHour``)."""

    def observe(self, report: PositionReport) -> tuple[ConformanceEvent, ...]:
        """Check one report and apply the resulting state change.

        Raises:
            IntentError: the intent is not Activated, Nonconforming or Contingent.
            UnknownIntent: the intent is no longer live.
        """
        intent = self._engine.get(self._intent_id)
        if intent.state is IntentState.CONTINGENT:
            return ()
        if intent.state not in (IntentState.ACTIVATED, IntentState.NONCONFORMING):
            raise IntentError(f"intent {intent.id} is {intent.state}: only flights are monitored")
        excursion = measure(intent.volumes, report, self.settings.tolerance_m)
        if excursion is None:
            return self._recover(intent, report.time)
        if intent.state is IntentState.ACTIVATED:
            return self._leave(report, excursion)
        assert self._since is not None
        held_s = (report.time - self._since).total_seconds()
        if report.time - self._since > self.settings.recovery_limit:
            return self._contingent(report, held_s, excursion)
        return (StillNonconforming(intent, report.time, excursion, held_s),)

    def tick(
        self, now: datetime, last: PositionReport | None = None
    ) -> tuple[ConformanceEvent, ...]:
        """Escalate to Contingent when no recovery came within the limit (reports may stop).

        Args:
            now: the current time (from the caller's clock).
            last: the last known position, to centre the off-nominal volume.
        """
        if self._since is None or now - self._since <= self.settings.recovery_limit:
            return ()
        intent = self._engine.get(self._intent_id)
        if intent.state is not IntentState.NONCONFORMING:
            return ()
        where = last or _centre_report(intent.off_nominal_volumes[0], now)
        return self._contingent(where, (now - self._since).total_seconds(), None, now)

    def _leave(self, report: PositionReport, excursion: Excursion) -> tuple[ConformanceEvent, ...]:
        new = self._engine.transition(
            self._intent_id,
            IntentState.NONCONFORMING,
            off_nominal_volumes=(self._off_nominal(report),),
        )
        self._since = report.time
        self.excursions += 1
        return (LeftVolumes(new, report.time, excursion),)

    def _recover(self, intent: OperationalIntent, when: datetime) -> tuple[ConformanceEvent, ...]:
        if intent.state is not IntentState.NONCONFORMING or self._since is None:
            return ()
        held = when - self._since
        new = self._engine.transition(self._intent_id, IntentState.ACTIVATED)
        self._since = None
        exceeded = held > self.settings.max_excursion
        return (Recovered(new, when, held.total_seconds(), exceeded),)

    def _contingent(
        self,
        report: PositionReport,
        held_s: float,
        excursion: Excursion | None,
        now: datetime | None = None,
    ) -> tuple[ConformanceEvent, ...]:
        new = self._engine.transition(
            self._intent_id,
            IntentState.CONTINGENT,
            off_nominal_volumes=(self._off_nominal(report, now),),
        )
        self._since = None
        return (BecameContingent(new, now or report.time, held_s, excursion),)

    def _off_nominal(self, report: PositionReport, now: datetime | None = None) -> Volume4D:
        s = self.settings
        start = now or report.time
        return Volume4D(
            Circle(report.lon_deg, report.lat_deg, s.off_nominal_radius_m),
            report.alt_w84_m - s.off_nominal_half_height_m,
            report.alt_w84_m + s.off_nominal_half_height_m,
            start,
            start + s.off_nominal_duration,
        )


def _centre_report(volume: Volume4D, when: datetime) -> PositionReport:
    assert isinstance(volume.outline, Circle)
    c = volume.outline
    mid = (volume.altitude_lower_w84_m + volume.altitude_upper_w84_m) / 2
    return PositionReport(when, c.center_lon_deg, c.center_lat_deg, mid)
