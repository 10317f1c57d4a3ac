"""After the run: mission outcomes, flown intents and pads, read back from the service's
database, with each leg's distance, energy and landing measured on the simulators' tracks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from fleet.demo.audit import intents_from_rows
from fleet.demo.report import MissionOutcome
from fleet.demo.tracks import TrackPoint, leg_facts
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


@dataclass(frozen=True, slots=True)
class Measured:
    """Per mission: distance flown and energy used; per (mission, leg seq): the landing."""

    flown_m: dict[int, float]
    energy_wh: dict[int, float]
    landed_at: dict[tuple[int, int], datetime]


def measure_legs(session: Session, tracks: Mapping[str, Sequence[TrackPoint]]) -> Measured:
    """Each stored leg measured on its vehicle's track (by vehicle name), until that vehicle's
    next leg."""
    names = {v.id: v.name for v in session.exec(select(VehicleRow)).all()}
    legs = sorted(session.exec(select(MissionLeg)).all(), key=_departure)
    out = Measured({}, {}, {})
    for k, leg in enumerate(legs):
        track = tracks.get(names.get(leg.vehicle_id, ""), [])
        after = [_departure(n) for n in legs[k + 1 :] if n.vehicle_id == leg.vehicle_id]
        until = after[0] if after else None
        facts = leg_facts(track, leg.route, until)
        out.flown_m[leg.mission_id] = out.flown_m.get(leg.mission_id, 0.0) + facts.distance_m
        out.energy_wh[leg.mission_id] = out.energy_wh.get(leg.mission_id, 0.0) + facts.energy_wh
        if facts.landed_at is not None:
            out.landed_at[(leg.mission_id, leg.seq)] = facts.landed_at
    return out


def _departure(leg: MissionLeg) -> datetime:
    return datetime.fromisoformat(leg.route["waypoints"][0]["time"])


def read_facts(session: Session, measured: Measured) -> RunFacts:
    """Outcomes per mission, the intents that were activated, and every leg's end points.

    Args:
        session: database session.
        measured: the legs measured on the tracks (:func:`measure_legs`).
    """
    flown_m, energy_wh, landed_at = measured.flown_m, measured.energy_wh, measured.landed_at
    vehicles = {v.id: v for v in session.exec(select(VehicleRow)).all()}
    all_legs = session.exec(select(MissionLeg)).all()
    outcomes = []
    for m in session.exec(select(MissionRow).order_by(MissionRow.id)).all():  # type: ignore[arg-type]
        assert m.id is not None
        legs = [leg for leg in all_legs if leg.mission_id == m.id]
        vehicle = vehicles.get(m.vehicle_id)
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
                energy_wh=round(energy_wh.get(m.id, 0.0), 2),
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
