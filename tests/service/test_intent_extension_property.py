"""Extending an intent: the projection's arithmetic, and the invariant of the booking.

- :func:`airspace.extension.extended_volumes` on a planned route flown at a steady fraction of
  its pace: no update while the lateness fits the volumes' time margins; once it does not, the
  update holds the rest of the flight at its projected times, and never ends a volume earlier
  or starts one before it was reserved for.
- :func:`fleet.service.reservations.update_volumes` on SQLite and PostgreSQL, against random live
  intents of other operators in every state (hypothesis): an accepted update never overlaps
  another live intent (checked by an independent shapely test, not the deconfliction engine);
  a refused one changes nothing; an update built on a version that moved on is refused
  (compare-and-set on the OVN).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete
from sqlmodel import select

from airspace.conformance import PositionReport, measure
from airspace.extension import ExtensionSettings, LateFlight
from airspace.intents import (
    Circle,
    IntentState,
    OperationalIntent,
    Polygon,
    Volume4D,
    intent_from_json,
    new_intent,
    transition,
)
from airspace.intents.projection import LocalProjection
from airspace.route import Route, Waypoint
from airspace.volumes import route_to_volumes
from fleet.service.operators import ensure_operator
from fleet.service.reservations import (
    Booking,
    Refused,
    Reserved,
    VolumeUpdate,
    reserve,
    update_volumes,
)
from fleet.service.timing import SpeedProfile, retime
from fleet.storage.db import SessionFactory, make_session_factory
from fleet.storage.tables import AuditEntry, IntentRow

T0 = datetime(2030, 4, 1, 9, 0, tzinfo=UTC)
LON, LAT = 139.6917, 35.6895
GROUND_AMSL_M = 40.0
FRAME = LocalProjection(LON, LAT)


def _route() -> Route:
    """Climb to 30 m, 600 m north, land: timed at 8 m/s."""
    points = [(LAT, 0.0), (LAT, 30.0), (LAT + 0.0054, 30.0), (LAT + 0.0054, 0.0)]
    wps = tuple(Waypoint(LON, la, GROUND_AMSL_M + agl, GROUND_AMSL_M, T0) for la, agl in points)
    return retime(Route(wps, 660.0, 0.0), SpeedProfile(cruise_speed_mps=8.0, accel_mps2=3.0))


def _fly(pace: float) -> tuple[OperationalIntent, OperationalIntent, list[PositionReport]]:
    """Fly the route at ``pace`` times its planned speed (fixes every second), extending the
    intent as the runner would. Returns the first and last versions and the fixes."""
    route = _route()
    first = transition(new_intent("i", "1", route_to_volumes(route)), IntentState.ACTIVATED)
    intent, flight = first, LateFlight(route, first, ExtensionSettings())
    fixes = []
    for k in range(int(flight.timeline.duration_s / pace) + 1):
        now = T0 + timedelta(seconds=k)
        s = np.array([min(k * pace, flight.timeline.duration_s)])
        xyz, w84 = flight.timeline.at(s)
        lon, lat = flight.timeline.frame.to_lonlat_deg(xyz[0, 0], xyz[0, 1])
        if flight.due(now):
            where = SimpleNamespace(lon_deg=lon, lat_deg=lat, alt_amsl_m=xyz[0, 2])
            volumes = flight.proposal(intent, flight.project(where, now))
            if volumes is not None:
                intent = transition(intent, intent.state, volumes=volumes)
        fixes.append(PositionReport(now, lon, lat, float(w84[0])))
    return first, intent, fixes


def _outside(intent: OperationalIntent, fixes: list[PositionReport]) -> int:
    return sum(measure(intent.volumes, f, 0.01) is not None for f in fixes)


@pytest.mark.parametrize("pace", [1.0, 0.9])
def test_a_flight_late_within_its_time_margins_is_not_updated(pace: float) -> None:
    first, last, fixes = _fly(pace)
    assert last is first and _outside(first, fixes) == 0


@pytest.mark.parametrize("pace", [0.6, 0.4, 0.3])
def test_a_late_flight_is_held_by_its_extended_volumes_and_only_later(pace: float) -> None:
    first, last, fixes = _fly(pace)
    assert _outside(first, fixes) > 0  # the plan alone would not hold it
    assert last.version > first.version and _outside(last, fixes) == 0
    for before, after in zip(first.volumes, last.volumes, strict=True):
        assert after.outline == before.outline
        assert after.time_end >= before.time_end and after.time_start >= before.time_start


# --------------------------------------------------------------- the booking's invariant

BOX_M = st.integers(-300, 300)
SIZE_M = st.integers(20, 200)
MINUTE = st.integers(-10, 30)


def _box(x_m: int, y_m: int, size_m: int) -> Polygon:
    corners = [(x_m, y_m), (x_m + size_m, y_m), (x_m + size_m, y_m + size_m), (x_m, y_m + size_m)]
    return Polygon(tuple(FRAME.to_lonlat_deg(x, y) for x, y in corners))


@st.composite
def _volumes(draw: st.DrawFn, count: int) -> tuple[Volume4D, ...]:
    out = []
    for _ in range(count):
        start = T0 + timedelta(minutes=draw(MINUTE))
        lower = draw(st.integers(60, 140))
        out.append(
            Volume4D(
                _box(draw(BOX_M), draw(BOX_M), draw(SIZE_M)),
                lower,
                lower + draw(st.integers(10, 60)),
                start,
                start + timedelta(minutes=draw(st.integers(1, 15))),
            )
        )
    return tuple(out)


@st.composite
def _other(draw: st.DrawFn, k: int) -> OperationalIntent:
    """Another operator's live intent, in any state (off-nominal ones with a circle)."""
    intent = new_intent(f"other-{k}", "2", draw(_volumes(draw(st.integers(1, 2)))))
    state = draw(st.sampled_from(list(IntentState)[:4]))
    if state is IntentState.ACCEPTED:
        return intent
    intent = transition(intent, IntentState.ACTIVATED)
    if state is IntentState.ACTIVATED:
        return intent
    x, y = draw(BOX_M), draw(BOX_M)
    start = T0 + timedelta(minutes=draw(MINUTE))
    circle = Volume4D(
        Circle(*FRAME.to_lonlat_deg(x, y), 100.0), 70.0, 130.0, start, start + timedelta(minutes=5)
    )
    return transition(intent, state, off_nominal_volumes=(circle,))


@st.composite
def _case(
    draw: st.DrawFn,
) -> tuple[OperationalIntent, tuple[Volume4D, ...], list[OperationalIntent]]:
    """Our Activated intent, its volumes extended by up to 20 minutes, and the others."""
    ours = transition(new_intent("ours", "1", draw(_volumes(3))), IntentState.ACTIVATED)
    extended = tuple(
        Volume4D(
            v.outline,
            v.altitude_lower_w84_m,
            v.altitude_upper_w84_m,
            v.time_start,
            v.time_end + timedelta(seconds=draw(st.integers(0, 1200))),
        )
        for v in ours.volumes
    )
    others = [draw(_other(k)) for k in range(draw(st.integers(0, 4)))]
    return ours, extended, others


def _xy(v: Volume4D) -> shapely.Geometry:
    if isinstance(v.outline, Circle):
        c = v.outline
        return shapely.Point(FRAME.to_xy_m(c.center_lon_deg, c.center_lat_deg)).buffer(c.radius_m)
    return shapely.Polygon([FRAME.to_xy_m(*p) for p in v.outline.vertices_lonlat_deg])


def _overlap(a: Volume4D, b: Volume4D) -> bool:
    """An independent 4D test: windows, bands and outlines overlap with positive measure."""
    return (
        a.time_start < b.time_end
        and b.time_start < a.time_end
        and a.altitude_lower_w84_m < b.altitude_upper_w84_m
        and b.altitude_lower_w84_m < a.altitude_upper_w84_m
        and shapely.intersection(_xy(a), _xy(b)).area > 1e-3
    )


def _store(
    sessions: SessionFactory, intents: list[OperationalIntent], operators: dict[str, int]
) -> None:
    with sessions() as session:  # the audit log is append-only: it keeps earlier examples'
        session.execute(delete(IntentRow))
        session.commit()
    for intent in intents:  # stored as they are, conflicts or not (e.g. preempted ones)
        booking = Booking(intent, operators[intent.operator_id], "test")
        assert isinstance(reserve(sessions, booking, now=T0, force=True), Reserved)


@pytest.fixture
def sessions(engine: Engine) -> SessionFactory:
    return make_session_factory(engine)


@pytest.fixture
def operators(sessions: SessionFactory) -> dict[str, int]:
    with sessions() as session:
        ids = {
            key: ensure_operator(session, name, actor="test").id
            for key, name in (("1", "acme"), ("2", "rival"))
        }
    return {k: v for k, v in ids.items() if v is not None}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=_case())
def test_an_accepted_update_never_overlaps_another_live_intent(
    sessions: SessionFactory,
    operators: dict[str, int],
    case: tuple[OperationalIntent, tuple[Volume4D, ...], list[OperationalIntent]],
) -> None:
    ours, extended, others = case
    # a fresh id per example: the audit log (append-only) keeps the earlier examples' entries
    ours = transition(new_intent(str(uuid.uuid4()), "1", ours.volumes), IntentState.ACTIVATED)
    _store(sessions, [ours, *others], operators)
    candidate = transition(ours, ours.state, volumes=extended)
    update = VolumeUpdate(candidate, ours.ovn, operators["1"], "test", "late")
    outcome = update_volumes(sessions, update, now=T0)
    with sessions() as session:
        row = session.get(IntentRow, ours.id)
        assert row is not None
        audited = select(AuditEntry).where(AuditEntry.target_id == ours.id)
        updates = [e for e in session.exec(audited) if e.action == "intent.update"]
    overlapping = {o.id for o in others for a in extended for b in o.all_volumes if _overlap(a, b)}
    if isinstance(outcome, Reserved):
        assert not overlapping
        assert intent_from_json(row.f3548) == candidate and row.version == ours.version + 1
        assert row.time_end == max(v.time_end for v in extended) and len(updates) == 1
    else:
        assert isinstance(outcome, Refused) and set(outcome.blocking) >= overlapping
        assert outcome.blocking and intent_from_json(row.f3548) == ours and not updates


def test_an_update_built_on_a_version_that_moved_on_is_refused(
    sessions: SessionFactory, operators: dict[str, int]
) -> None:
    ours = transition(new_intent("ours", "1", route_to_volumes(_route())), IntentState.ACTIVATED)
    _store(sessions, [ours], operators)
    later = tuple(
        Volume4D(
            v.outline,
            v.altitude_lower_w84_m,
            v.altitude_upper_w84_m,
            v.time_start,
            v.time_end + timedelta(minutes=2),
        )
        for v in ours.volumes
    )
    first = transition(ours, ours.state, volumes=later)
    assert isinstance(
        update_volumes(
            sessions, VolumeUpdate(first, ours.ovn, operators["1"], "t", "late"), now=T0
        ),
        Reserved,
    )
    again = VolumeUpdate(
        transition(ours, ours.state, volumes=later), ours.ovn, operators["1"], "t", "late"
    )
    outcome = update_volumes(sessions, again, now=T0)
    assert (
        isinstance(outcome, Refused)
        and outcome.blocking == ()
        and "changed since" in outcome.explanation
    )
