"""Scheduling new bookings around flights already booked: a vehicle with approved or flying
legs is offered to the scheduler only from its last planned landing, and the scheduler charges
for that wait (:mod:`fleet.scheduler.lateness`), so an on-demand booking goes to an idle vehicle
instead of queueing behind a flying one that is cheaper to use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from fleet.dispatch.schedule import busy_until, run_scheduler, scheduling_problems
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


def _vehicle(session: Session, name: str, op: int, dock: int, kind: str = "multicopter") -> int:
    row = VehicleRow(operator_id=op, name=name, kind=kind, mavlink_url="udpin://:1")
    row.home_dock_id = dock
    if kind == "ground_robot":
        row.spec = {"payload_capacity_kg": 10.0, "battery_wh": 800.0, "cruise_speed_mps": 3.0}
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


def _booked_fleet(tmp_path: Path, payload_kg: float) -> tuple[Session, int, dict[str, int]]:
    """A dock with an idle drone and a robot on the road until T0 + 20 min, and one delivery
    booked for now (a 300 m trip a robot drives on far less energy than the drone flies)."""
    engine = make_engine(f"sqlite:///{tmp_path}/db.sqlite3")
    migrate(engine)
    session = Session(engine)
    op = Operator(name="op")
    session.add(op)
    session.flush()
    assert op.id is not None
    dock = Dock(operator_id=op.id, name="d", lon_deg=139.7, lat_deg=35.69, swap_time_s=120.0)
    session.add(dock)
    session.flush()
    assert dock.id is not None
    robot = _vehicle(session, "robot", op.id, dock.id, kind="ground_robot")
    drone = _vehicle(session, "drone", op.id, dock.id)
    _mission(session, op.id, robot, "in_flight", T0 + timedelta(minutes=20))
    spec = {
        "pickup": {"lon_deg": 139.7005, "lat_deg": 35.6905},
        "dropoff": {"lon_deg": 139.702, "lat_deg": 35.692},
        "payload_kg": payload_kg,
        "earliest_pickup": T0.isoformat(),
        "latest_delivery": (T0 + timedelta(hours=1)).isoformat(),
    }
    booked = MissionRow(operator_id=op.id, kind="delivery", state="requested", created_by="t")
    booked.spec = spec
    session.add(booked)
    session.commit()
    assert booked.id is not None
    return session, op.id, {"robot": robot, "drone": drone, "booked": booked.id}


def test_an_on_demand_booking_flies_on_the_idle_drone_not_after_the_robot(
    tmp_path: Path,
) -> None:
    session, op, ids = _booked_fleet(tmp_path, payload_kg=1.0)
    with session:
        posed = scheduling_problems(session, None, op, T0, timedelta(hours=2))
        plan = run_scheduler(posed.problems, T0, time_limit_s=0.5)
    assert plan.assignment() == {str(ids["booked"]): str(ids["drone"])}
    assert plan.trips[0][1].departure < T0 + timedelta(minutes=1)


def test_a_booking_only_the_busy_robot_can_carry_waits_for_it(tmp_path: Path) -> None:
    session, op, ids = _booked_fleet(tmp_path, payload_kg=5.0)  # the drone carries 2 kg
    with session:
        posed = scheduling_problems(session, None, op, T0, timedelta(hours=2))
        plan = run_scheduler(posed.problems, T0, time_limit_s=0.5)
    assert plan.assignment() == {str(ids["booked"]): str(ids["robot"])}
    assert plan.trips[0][1].departure >= T0 + timedelta(minutes=20)


def test_a_busy_vehicle_is_offered_once_its_dock_has_swapped_its_battery(tmp_path: Path) -> None:
    session, _, ids = _booked_fleet(tmp_path, payload_kg=1.0)
    with session:
        busy = busy_until(session, T0)
    swapped = T0 + timedelta(minutes=20) + timedelta(seconds=120)
    assert [(a.vehicle_id, a.time) for a in busy] == [(str(ids["robot"]), swapped)]
