"""``skyfleet demo`` end to end, small: the report's invariants on a real run.

A real run means: the service as ``skyfleet serve`` runs it (runner and dispatcher, SQLite)
under uvicorn on loopback, bookings over HTTP, progress over ``/ws/events``, simulated PX4-like
vehicles on loopback UDP (port offsets 4000-4999) and the MAVLink bridge. The full-size run is
marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from fleet.demo.report import DemoReport
from fleet.demo.run import DemoOptions, run_demo
from fleet.demo.scenario import ScenarioSize

REPORT_KEYS = (
    "missions_total",
    "missions_completed",
    "missions_failed",
    "airspace_conflicts",
    "min_separation_m",
    "min_building_clearance_m",
    "wall_time_s",
)


def _check_invariants(report: DemoReport, path: Path) -> None:
    data = json.loads(path.read_text())
    for key in REPORT_KEYS:
        assert key in data
    assert data["airspace_conflicts"] == 0
    assert data["intents_audited"] > 0  # the conflict check saw the flights it vouches for
    assert data["missions_total"] == data["missions_completed"] + data["missions_failed"]
    for mission in data["missions"]:  # every booked mission completes or fails with its reason
        done = mission["state"] == "completed"
        assert done or (mission["state"] == "failed" and mission["reason"]), mission
    clearance = data["min_building_clearance_m"]  # the rule itself, no tolerance: the metric
    assert clearance is not None  # forgives only the altitude chain's rounding (1 cm)
    assert clearance >= report.horizontal_clearance_m, data["min_building_clearance_where"]


async def test_a_short_demo_completes_missions_without_conflicts(tmp_path: Path) -> None:
    size = ScenarioSize(
        drones=2,
        robots=0,
        docks=1,
        deliveries=3,
        inspections=0,
        min_leg_m=150.0,
        max_leg_m=350.0,
        horizon_s=300.0,
    )
    options = DemoOptions(
        report=tmp_path / "report.json",
        plot=tmp_path / "map.png",
        seed=3,
        speedup=50.0,
        size=size,
        n_buildings=400,
        port_range=(4000, 4999),
        time_limit_s=80.0,
    )
    report = await run_demo(options, Console(quiet=True))
    _check_invariants(report, tmp_path / "report.json")
    assert (tmp_path / "map.png").stat().st_size > 10_000


@pytest.mark.slow
async def test_the_full_size_demo(tmp_path: Path) -> None:
    options = DemoOptions(report=tmp_path / "report.json", port_range=(4000, 4999))
    report = await run_demo(options, Console(quiet=True))
    _check_invariants(report, tmp_path / "report.json")
    assert report.missions_total == 42
    assert report.wall_time_s < 120.0
