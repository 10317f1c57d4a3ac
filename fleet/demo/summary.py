"""The demo's summary, measured after the run: what the service's database says happened (mission
outcomes, flown intents) and what the simulators' own tracks say flew (distances, energy,
landings, separation, building clearance)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from airspace.planner import Clearances
from fleet.demo.audit import conflicting_pairs
from fleet.demo.collect import measure_legs, read_facts
from fleet.demo.geo import Footprint, LocalFrame
from fleet.demo.metrics import min_building_clearance, min_separation
from fleet.demo.plot import plot_demo
from fleet.demo.report import DemoReport, MissionOutcome, build_report
from fleet.demo.scenario import Scenario
from fleet.demo.tracks import TrackPoint
from fleet.storage.db import make_engine

if TYPE_CHECKING:
    from fleet.demo.run import DemoOptions

CLEARANCES = Clearances()  # the service's planner's (10 m beside, 5 m above a building)
UNFINISHED = "unfinished at the demo's time limit"


@dataclass(frozen=True, slots=True)
class Run:
    """What the run left to measure: the service's database, the tracks, the clock's figures
    and the off-nominal intent states seen on the event stream."""

    database_url: str
    tracks: Mapping[str, Sequence[TrackPoint]]
    sim_time_s: float
    wall0: float
    excursions: list[dict[str, Any]]


def summarise(
    run: Run,
    footprints: list[Footprint],
    frame: LocalFrame,
    scenario: Scenario,
    options: DemoOptions,
) -> DemoReport:
    """Measure the run and build (and write, and plot) its report."""
    engine = make_engine(run.database_url)
    try:
        with Session(engine) as session:
            facts = read_facts(session, measure_legs(session, run.tracks))
    finally:
        engine.dispose()
    drones = {v.id for v in scenario.vehicles if v.kind == "multicopter"}
    tracks = {k: list(v) for k, v in run.tracks.items() if k in drones}
    separation = min_separation(frame, tracks)
    clearance = min_building_clearance(
        frame, footprints, tracks, facts.pads_lonlat, CLEARANCES.vertical_m
    )
    report = build_report(
        [_finished(o) for o in facts.outcomes],
        airspace_conflicts=len(conflicting_pairs(facts.flown_intents, facts.ended_at)),
        intents_audited=len(facts.flown_intents),
        min_separation_m=None if separation is None else round(separation.distance_m, 2),
        min_separation_where=None if separation is None else separation.what,
        min_building_clearance_m=None if clearance is None else round(clearance.distance_m, 2),
        min_building_clearance_where=None if clearance is None else clearance.what,
        horizontal_clearance_m=CLEARANCES.horizontal_m,
        wall_time_s=round(time.monotonic() - run.wall0, 1),
        sim_time_s=round(run.sim_time_s, 1),
        speedup=options.speedup,
        vehicles=len(scenario.vehicles),
        conformance_excursions=len(run.excursions),
        excursions=run.excursions,
    )
    if options.report is not None:
        report.write(options.report)
    if options.plot is not None:
        title = (
            f"skyfleet demo: {report.missions_completed}/{report.missions_total} completed, "
            f"{report.airspace_conflicts} conflicts"
        )
        plot_demo(options.plot, footprints, scenario, tracks, title)
    return report


def _finished(o: MissionOutcome) -> MissionOutcome:
    if o.state in ("completed", "failed", "cancelled", "aborted") or o.reason:
        return o
    return replace(o, reason=f"{UNFINISHED} (still {o.state})")
