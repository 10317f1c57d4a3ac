"""The runner's database side: what to fly, and every transition persisted and audited.

Mission transitions go through :mod:`fleet.lifecycle` (which audits them); intent transitions
follow the F3548 state machine of :mod:`airspace.intents` and are audited here in the same
transaction. These functions are synchronous (SQLModel); the runner calls them in a thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from airspace.errors import IllegalTransition
from airspace.intents import IntentState, intent_from_json, intent_to_json, transition
from airspace.route import Route, Waypoint
from firmware_bridge.mission_item import MissionItem
from fleet.lifecycle import MissionState, advance
from fleet.storage.audit import record
from fleet.storage.tables import IntentRow, MissionLeg, MissionRow, Telemetry, VehicleRow

ACTOR = "runner"
FLYABLE = (MissionState.APPROVED, MissionState.UPLOADED, MissionState.IN_FLIGHT)


@dataclass(frozen=True, slots=True)
class VehicleRecord:
    """A vehicle as the runner needs it: how to reach it and what it is."""

    id: int
    name: str
    kind: str
    mavlink_url: str
    system_id: int
    operator_id: int

    @property
    def flies(self) -> bool:
        """True for aircraft (anything but a ground robot)."""
        return self.kind != "ground_robot"


@dataclass(frozen=True, slots=True)
class LegRecord:
    """One stored leg: vehicle, route (JSON as stored), intent id."""

    seq: int
    vehicle_id: int
    route: dict[str, Any]
    intent_id: str | None


@dataclass(frozen=True, slots=True)
class MissionWork:
    """A mission the runner has to fly (or resume), with its legs in order."""

    mission_id: int
    operator_id: int
    kind: str
    state: MissionState
    progress_fraction: float
    legs: tuple[LegRecord, ...]


def route_from_json(data: dict[str, Any]) -> Route:
    """A :class:`Route` from its stored JSON (``waypoints`` with ISO times, length, duration).

    Raises:
        KeyError, ValueError: the JSON is not a route.
    """
    wps = tuple(
        Waypoint(
            float(w["lon_deg"]),
            float(w["lat_deg"]),
            float(w["alt_amsl_m"]),
            float(w.get("ground_amsl_m", 0.0)),
            datetime.fromisoformat(str(w["time"]).replace("Z", "+00:00")),
        )
        for w in data["waypoints"]
    )
    duration = (wps[-1].time - wps[0].time).total_seconds()
    energy = data.get("energy_wh")
    return Route(
        wps,
        float(data.get("length_m", 0.0)),
        float(data.get("duration_s", duration)),
        None if energy is None else float(energy),
    )


def items_from_json(data: dict[str, Any]) -> list[MissionItem] | None:
    """Mission items stored with a leg (inspections), or ``None`` when the leg has none."""
    raw = data.get("mission_items")
    if not raw:
        return None
    return [MissionItem(**{k: _nan_if_null(v) for k, v in item.items()}) for item in raw]


def _nan_if_null(value: Any) -> Any:
    """A stored ``null`` parameter is MAVLink's NaN (see :func:`fleet.service.legs.leg_to_json`)."""
    return float("nan") if value is None else value


def flyable_missions(session: Session) -> list[MissionWork]:
    """Missions approved, uploaded or in flight, each with its legs (restart recovery included)."""
    missions = session.exec(
        select(MissionRow).where(col(MissionRow.state).in_([s.value for s in FLYABLE]))
    ).all()
    out = []
    for m in missions:
        assert m.id is not None
        legs = session.exec(
            select(MissionLeg).where(MissionLeg.mission_id == m.id).order_by(col(MissionLeg.seq))
        ).all()
        records = tuple(
            LegRecord(leg.seq, leg.vehicle_id or m.vehicle_id or 0, dict(leg.route), leg.intent_id)
            for leg in legs
        )
        out.append(
            MissionWork(
                m.id, m.operator_id, m.kind, MissionState(m.state), m.progress_fraction, records
            )
        )
    return out


def vehicles_by_id(session: Session, ids: Sequence[int]) -> dict[int, VehicleRecord]:
    """The vehicles with these ids."""
    rows = session.exec(select(VehicleRow).where(col(VehicleRow.id).in_(list(ids)))).all()
    return {
        r.id: VehicleRecord(r.id, r.name, r.kind, r.mavlink_url, r.system_id, r.operator_id)
        for r in rows
        if r.id is not None
    }


def set_intent_state(
    session: Session,
    intent_id: str,
    state: IntentState,
    *,
    now: datetime,
    why: str,
    commit: bool = True,
) -> IntentRow | None:
    """Move a stored intent to ``state`` following F3548's state machine, audited; commits
    unless ``commit=False``.

    Entering Contingent turns the nominal volumes into off-nominal ones (the vehicle may be
    anywhere it was cleared to be). Returns ``None`` when the intent is unknown or already in
    ``state``.

    Raises:
        airspace.errors.IllegalTransition: F3548 does not allow the change.
    """
    row = session.get(IntentRow, intent_id)
    if row is None or row.state == state.value:
        return None
    details = row.f3548.get("details", {})
    current = (
        intent_from_json(row.f3548)
        if details.get("volumes") or details.get("off_nominal_volumes")
        else None
    )
    previous = row.state
    if current is not None:
        off = current.volumes if state is IntentState.CONTINGENT else None
        moved = transition(current, state, off_nominal_volumes=off)
        row.f3548 = intent_to_json(moved)
        row.version = moved.version
    else:
        row.version += 1
    row.state = state.value
    row.live = state is not IntentState.ENDED
    row.updated_at = now
    session.add(row)
    record(
        session,
        actor=ACTOR,
        action="intent.transition",
        target_type="intent",
        target_id=intent_id,
        operator_id=row.operator_id,
        detail={"from": previous, "to": state.value, "why": why},
        clock=lambda: now,
    )
    if commit:
        session.commit()
    return row


def set_vehicle_status(
    session: Session, vehicle_id: int, status: str, *, now: datetime, commit: bool = True
) -> None:
    """Record a vehicle's status (``idle``, ``in_flight``, ``lost``...), audited on change."""
    row = session.get(VehicleRow, vehicle_id)
    if row is None or row.status == status:
        return
    previous, row.status = row.status, status
    session.add(row)
    record(
        session,
        actor=ACTOR,
        action="vehicle.status",
        target_type="vehicle",
        target_id=vehicle_id,
        operator_id=row.operator_id,
        detail={"from": previous, "to": status},
        clock=lambda: now,
    )
    if commit:
        session.commit()


def save_telemetry(session: Session, sample: Telemetry) -> None:
    """Overwrite the vehicle's latest telemetry row."""
    session.merge(sample)
    session.commit()


def set_progress(
    session: Session, mission_id: int, fraction: float, *, commit: bool = True
) -> None:
    """Record a mission's progress (0..1) without a state change."""
    row = session.get(MissionRow, mission_id)
    if row is None:
        return
    row.progress_fraction = max(0.0, min(1.0, fraction))
    session.add(row)
    if commit:
        session.commit()


@dataclass(frozen=True, slots=True)
class Step:
    """What one step of a flight changes, written in one transaction (all or nothing).

    Attributes:
        intent: (intent id, new state, why), or ``None``.
        mission: the mission's new state, or ``None``.
        vehicle_status: the vehicle's new status, or ``None``.
        progress: the mission's new progress fraction, or ``None``.
    """

    intent: tuple[str, IntentState, str] | None = None
    mission: MissionState | None = None
    vehicle_status: str | None = None
    progress: float | None = None


@dataclass(frozen=True, slots=True)
class Stepped:
    """The rows a :class:`Step` changed (``None`` where it changed nothing)."""

    intent: IntentRow | None
    mission: MissionRow | None


def apply_step(
    session: Session, mission_id: int, vehicle_id: int, step: Step, *, now: datetime
) -> Stepped:
    """Write ``step`` (each change audited) and commit once.

    An intent change F3548 does not allow (e.g. Activated after a link loss made it
    Contingent) is skipped; the rest is written.

    Raises:
        fleet.lifecycle.IllegalMissionTransition: the mission change is not allowed (nothing
            is written).
    """
    intent = None
    if step.intent is not None:
        intent_id, state, why = step.intent
        with contextlib.suppress(IllegalTransition):  # raised before anything is changed
            intent = set_intent_state(session, intent_id, state, now=now, why=why, commit=False)
    mission = None
    if step.mission is not None:
        mission = advance(session, mission_id, step.mission, ACTOR, commit=False, clock=lambda: now)
    if step.vehicle_status is not None:
        set_vehicle_status(session, vehicle_id, step.vehicle_status, now=now, commit=False)
    if step.progress is not None:
        set_progress(session, mission_id, step.progress, commit=False)
    session.commit()
    return Stepped(intent, mission)
