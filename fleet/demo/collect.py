"""After the run: mission outcomes, flown intents and pads, read back from the database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from fleet.demo.audit import intents_from_rows
from fleet.demo.report import MissionOutcome
from fleet.storage.tables import AuditEntry, IntentRow, MissionLeg, MissionRow, VehicleRow


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What the summary needs from the database."""

    outcomes: list[MissionOutcome]
    flown_intents: list[Any]
    ended_at: dict[str, datetime]  # when each flown intent ended (its reservation released)
    pads_lonlat: list[tuple[float, float]]


def _pads(legs: list[MissionLeg]) -> list[tuple[float, float]]:
    pads = set()
    for leg in legs:
        wps = leg.route.get("waypoints", [])
        for w in (wps[:1] + wps[-1:]) if wps else []:
            pads.add((float(w["lon_deg"]), float(w["lat_deg"])))
    return sorted(pads)


def _late_s(
    mission: MissionRow, legs: list[MissionLeg], landed_at: Mapping[tuple[int, int], datetime]
) -> float | None:
    """How late a completed delivery's parcel arrived (negative: early): the landing of the leg
    ending at its dropoff against the deadline; ``None`` when not a completed delivery."""
    if mission.state != "completed" or mission.kind != "delivery":
        return None
    drop = mission.spec["dropoff"]
    deadline = datetime.fromisoformat(mission.spec["latest_delivery"])
    for leg in legs:
        wps = leg.route.get("waypoints", [])
        if not wps:
            continue
        end = wps[-1]
        if abs(end["lon_deg"] - drop["lon_deg"]) + abs(end["lat_deg"] - drop["lat_deg"]) < 1e-7:
            when = landed_at.get((mission.id or 0, leg.seq))
            return None if when is None else round((when - deadline).total_seconds(), 1)
    return None


def read_facts(
    session: Session,
    flown_m: Mapping[int, float],
    battery_used_pct: Mapping[int, float],
    landed_at: Mapping[tuple[int, int], datetime],
) -> RunFacts:
    """Outcomes per mission, the intents that were activated, and every leg's end points.

    Args:
        session: database session.
        flown_m: distance flown per mission id (from telemetry).
        battery_used_pct: battery percentage points used per mission id (from telemetry).
        landed_at: simulated landing time per (mission id, leg seq).
    """
    vehicles = {v.id: v for v in session.exec(select(VehicleRow)).all()}
    all_legs = session.exec(select(MissionLeg)).all()
    outcomes = []
    for m in session.exec(select(MissionRow).order_by(MissionRow.id)).all():  # type: ignore[arg-type]
        assert m.id is not None
        legs = [leg for leg in all_legs if leg.mission_id == m.id]
        vehicle = vehicles.get(m.vehicle_id)
        battery_wh = float(vehicle.spec.get("battery_wh", 0.0)) if vehicle else 0.0
        relay = bool(m.spec.get("relay_requested"))
        late_s = _late_s(m, legs, landed_at)
        outcomes.append(
            MissionOutcome(
                mission_id=str(m.id),
                kind="relay" if relay else m.kind,
                priority=m.priority,
                state=m.state,
                vehicle_id=None if vehicle is None else vehicle.name,
                reason=m.state_reason,
                distance_m=round(flown_m.get(m.id, 0.0), 1),
                energy_wh=round(battery_used_pct.get(m.id, 0.0) / 100.0 * battery_wh, 2),
                on_time=None if late_s is None else late_s <= 0.0,
                late_s=late_s,
            )
        )
    moves = list(session.exec(select(AuditEntry).where(AuditEntry.action == "intent.transition")))
    activated = {e.target_id for e in moves if e.detail.get("to") == "Activated"}
    ended_at = {e.target_id: _utc(e.time) for e in moves if e.detail.get("to") == "Ended"}
    # each flown intent in its last version: extensions and off-nominal volumes included
    rows = session.exec(select(IntentRow).where(col(IntentRow.id).in_(activated)))
    flown = intents_from_rows([r.f3548 for r in rows])
    return RunFacts(outcomes, flown, ended_at, _pads(list(all_legs)))


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
