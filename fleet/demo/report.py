"""The demo's summary: what was booked, what flew, how safely; as JSON and as a rich table.

Every figure comes from the run (the service's mission states and the recorded telemetry);
nothing is estimated after the fact. A mission that did not complete carries its reason.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True, slots=True)
class MissionOutcome:
    """How one mission ended."""

    mission_id: str
    kind: str  # "delivery" | "inspection" | "relay"
    priority: str
    state: str  # terminal lifecycle state, or the state it was left in
    vehicle_id: str | None
    reason: str | None
    distance_m: float
    energy_wh: float
    on_time: bool | None  # None when the mission has no deadline or did not complete
    late_s: float | None = None  # delivered this long after the deadline (negative: before)

    @property
    def completed(self) -> bool:
        """True when the mission reached ``completed``."""
        return self.state == "completed"


@dataclass(frozen=True, slots=True)
class DemoReport:
    """The summary written by ``skyfleet demo --report``."""

    missions_total: int
    missions_completed: int
    missions_failed: int
    airspace_conflicts: int
    min_separation_m: float | None
    min_separation_where: str | None
    min_building_clearance_m: float | None
    min_building_clearance_where: str | None
    horizontal_clearance_m: float
    distance_flown_m: float
    energy_used_wh: float
    on_time_pct: float | None
    wall_time_s: float
    sim_time_s: float
    speedup: float
    vehicles: int
    conformance_excursions: int = 0
    intents_audited: int = 0  # flown intents the post-run conflict check compared
    excursions: list[dict[str, Any]] = field(default_factory=list)  # as the monitors saw them
    failures: dict[str, int] = field(default_factory=dict)
    missions: list[MissionOutcome] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary (the ``--report`` file)."""
        return asdict(self)

    def write(self, path: Path) -> None:
        """Write the report as indented JSON to ``path``."""
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


def build_report(outcomes: list[MissionOutcome], **figures: Any) -> DemoReport:
    """Aggregate mission outcomes with the run's figures into a :class:`DemoReport`.

    Args:
        outcomes: one per booked mission.
        **figures: the remaining :class:`DemoReport` fields (conflicts, separations, times...).

    Returns:
        The report; ``missions_failed`` counts every mission that did not complete.
    """
    done = [o for o in outcomes if o.completed]
    timed = [o for o in done if o.on_time is not None]
    failures = Counter(
        f"{o.state}: {o.reason or 'no reason recorded'}" for o in outcomes if not o.completed
    )
    return DemoReport(
        missions_total=len(outcomes),
        missions_completed=len(done),
        missions_failed=len(outcomes) - len(done),
        distance_flown_m=round(sum(o.distance_m for o in outcomes), 1),
        energy_used_wh=round(sum(o.energy_wh for o in outcomes), 1),
        on_time_pct=(
            round(100.0 * sum(1 for o in timed if o.on_time) / len(timed), 1) if timed else None
        ),
        failures=dict(failures.most_common()),
        missions=outcomes,
        **figures,
    )


def _fmt(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:,.1f} {unit}"


def render(report: DemoReport, console: Console) -> None:
    """Print the summary table (and the failure reasons) on ``console``."""
    table = Table(title="skyfleet demo: summary", show_header=False)
    rows = [
        (
            "missions",
            f"{report.missions_total} booked, {report.missions_completed} completed, "
            f"{report.missions_failed} not completed",
        ),
        (
            "airspace conflicts",
            f"{report.airspace_conflicts} among {report.intents_audited} flown intents",
        ),
        ("conformance excursions", str(report.conformance_excursions)),
        (
            "min separation (airborne)",
            f"{_fmt(report.min_separation_m, 'm')}  ({report.min_separation_where or '-'})",
        ),
        (
            "min building clearance",
            f"{_fmt(report.min_building_clearance_m, 'm')}  "
            f"(rule {report.horizontal_clearance_m:.0f} m; "
            f"{report.min_building_clearance_where or '-'})",
        ),
        ("distance flown", _fmt(report.distance_flown_m / 1000.0, "km")),
        ("energy used", _fmt(report.energy_used_wh, "Wh")),
        ("on time", "n/a" if report.on_time_pct is None else f"{report.on_time_pct:.1f} %"),
        ("vehicles", str(report.vehicles)),
        (
            "time",
            f"{report.wall_time_s:.1f} s wall, {report.sim_time_s:.0f} s simulated "
            f"(x{report.speedup:g})",
        ),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    for reason, count in report.failures.items():
        line = reason.splitlines()[0] if reason else reason
        line = line if len(line) <= 110 else line[:107] + "..."
        console.print(f"  not completed x{count}: {line}", highlight=False)
