"""Scheduling new bookings around flights already booked: a vehicle with approved or flying
legs is offered to the scheduler only from its last planned landing, so an on-demand booking
goes to an idle vehicle instead of queueing behind a flying one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from fleet.service.scheduling import busy_until
from fleet.storage.db import make_engine, migrate
from fleet.storage.tables import Dock, MissionLeg, MissionRow, Operator, VehicleRow

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _route(end: datetime) -> dict[str, object]:
    point = {"lon_deg": 139.7, "lat_deg": 35.69, "alt_amsl_m": 40.0, "ground_amsl_m": 40.0}
    return {
        "waypoints": [
            {**point, "time": (end - timedelta(seconds=300)).isoformat()},
            {**point, "time": end.isoformat()},
        ],
        "length_m": 0.0,
        "duration_s": 300.0,
        "energy_wh": 0.0,
    }


def _vehicle(session: Session, name: str, op: int, dock: int) -> int:
    row = VehicleRow(operator_id=op, name=name, kind="multicopter", mavlink_url="udpin://:1")
    row.home_dock_id = dock
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _mission(session: Session, op: int, vehicle: int, state: str, end: datetime) -> None:
    mission = MissionRow(operator_id=op, kind="delivery", state=state, created_by="t")
    session.add(mission)
    session.flush()
    assert mission.id is not None
    session.add(MissionLeg(mission_id=mission.id, vehicle_id=vehicle, route=_route(end)))


def test_only_vehicles_with_live_legs_are_busy_until_their_last_landing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/db.sqlite3")
    migrate(engine)
    with Session(engine) as session:
        op = Operator(name="op")
        session.add(op)
        session.flush()
        assert op.id is not None
        dock = Dock(operator_id=op.id, name="d", lon_deg=139.7, lat_deg=35.69)
        session.add(dock)
        session.flush()
        assert dock.id is not None
        dock_id = dock.id
        flying = _vehicle(session, "flying", op.id, dock.id)
        done = _vehicle(session, "done", op.id, dock.id)
        _vehicle(session, "idle", op.id, dock.id)
        _mission(session, op.id, flying, "in_flight", T0 + timedelta(seconds=600))
        _mission(session, op.id, flying, "approved", T0 + timedelta(seconds=1500))
        _mission(session, op.id, done, "completed", T0 + timedelta(seconds=900))
        _mission(session, op.id, done, "approved", T0 - timedelta(seconds=60))  # landed already
        session.commit()
        busy = busy_until(session, T0)
    assert [(a.vehicle_id, a.dock_id, a.time) for a in busy] == [
        (str(flying), str(dock_id), T0 + timedelta(seconds=1500))
    ]
