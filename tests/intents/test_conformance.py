"""Conformance monitoring against recorded synthetic tracks (tests/intents/tracks/)."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from airspace.conformance import (
    BecameContingent,
    ConformanceEvent,
    ConformanceMonitor,
    ExcursionKind,
    LeftVolumes,
    PositionReport,
    Recovered,
    StillNonconforming,
)
from airspace.deconfliction import DeconflictionEngine
from airspace.errors import IntentError
from airspace.intents import IntentState, intent_from_json
from airspace.intents.f3548 import MaxRecoverableTimeInNonconformingStateSeconds
from airspace.volumes import VolumeSettings

TRACKS = Path(__file__).parent / "tracks"
BUFFER_M = VolumeSettings().lateral_buffer_m


def _fly(track: str) -> tuple[list[ConformanceEvent], DeconflictionEngine, ConformanceMonitor]:
    engine = DeconflictionEngine()
    intent = intent_from_json(json.loads((TRACKS / "intent.json").read_text()))
    engine.reserve(intent)
    engine.activate(intent.id)
    monitor = ConformanceMonitor(engine, intent.id)
    events: list[ConformanceEvent] = []
    with (TRACKS / f"{track}.csv").open() as fh:
        for row in csv.DictReader(fh):
            report = PositionReport(
                datetime.fromisoformat(row["time"]),
                float(row["lon_deg"]),
                float(row["lat_deg"]),
                float(row["alt_w84_m"]),
            )
            events.extend(monitor.observe(report))
    return events, engine, monitor


def test_nominal_track_raises_no_event() -> None:
    events, engine, monitor = _fly("nominal")
    assert events == [] and monitor.excursions == 0
    assert engine.get("delivery-1").state is IntentState.ACTIVATED


def test_lateral_excursion_is_measured_and_recovers() -> None:
    events, engine, _ = _fly("lateral_20s")
    left, *middle, back = events
    assert isinstance(left, LeftVolumes) and left.excursion.kind is ExcursionKind.LATERAL
    # 40 m off the centreline; the buffer polygon's flat sides are at >= 15 m
    assert 40 - BUFFER_M * 1.09 < left.excursion.lateral_m <= 40 - BUFFER_M
    assert left.intent.state is IntentState.NONCONFORMING
    assert len(left.intent.off_nominal_volumes) == 1
    assert all(isinstance(e, StillNonconforming) for e in middle) and len(middle) == 19
    assert isinstance(back, Recovered) and back.nonconforming_s == 20.0
    assert back.exceeded_max_excursion_duration  # 20 s > OiMaxDurationPerExcursionSeconds
    assert engine.get("delivery-1").state is IntentState.ACTIVATED
    assert engine.get("delivery-1").off_nominal_volumes == ()


def test_unrecovered_vertical_excursion_becomes_contingent_at_the_f3548_limit() -> None:
    events, engine, _ = _fly("climb_90s")
    left = events[0]
    assert isinstance(left, LeftVolumes) and left.excursion.kind is ExcursionKind.VERTICAL
    assert left.excursion.vertical_m == pytest.approx(20.0, abs=0.1)  # 30 m up, 10 m buffer
    [contingent] = [e for e in events if isinstance(e, BecameContingent)]
    held = (contingent.time - left.time).total_seconds()
    assert held == MaxRecoverableTimeInNonconformingStateSeconds + 1  # first report past 60 s
    assert contingent.intent.volumes == () and contingent.intent.off_nominal_volumes
    assert engine.get("delivery-1").state is IntentState.CONTINGENT
    assert events[-1] is contingent  # Contingent is not left by conformance


def test_late_flight_is_a_timing_excursion() -> None:
    events, _, _ = _fly("late_200s")
    left = events[0]
    assert isinstance(left, LeftVolumes) and left.excursion.kind is ExcursionKind.LATE
    assert left.excursion.late_s > 0 and left.excursion.lateral_m == 0
    assert any(isinstance(e, BecameContingent) for e in events)


def test_tick_escalates_when_reports_stop() -> None:
    engine2 = DeconflictionEngine()
    intent = intent_from_json(json.loads((TRACKS / "intent.json").read_text()))
    engine2.reserve(intent)
    engine2.activate(intent.id)
    mon = ConformanceMonitor(engine2, intent.id)
    start = intent.volumes[0].time_start
    lon, lat = 139.0, 35.0  # far away
    [left] = mon.observe(PositionReport(start + timedelta(seconds=40), lon, lat, 100.0))
    assert isinstance(left, LeftVolumes)
    assert mon.tick(left.time + timedelta(seconds=59)) == ()
    [cont] = mon.tick(left.time + timedelta(seconds=61))
    assert isinstance(cont, BecameContingent) and cont.excursion is None
    assert engine2.get(intent.id).state is IntentState.CONTINGENT


def test_only_flying_intents_are_monitored() -> None:
    engine = DeconflictionEngine()
    intent = intent_from_json(json.loads((TRACKS / "intent.json").read_text()))
    engine.reserve(intent)
    monitor = ConformanceMonitor(engine, intent.id)
    with pytest.raises(IntentError):
        monitor.observe(PositionReport(intent.volumes[0].time_start, 139.7, 35.69, 100.0))
