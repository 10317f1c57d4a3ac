"""Concurrent writers on the service's database: the runner's audited writes and API writes.

Regression: on SQLite every write here reads first (load the row, change it, add an audit
entry). Under a deferred ``BEGIN`` the second of two writers found its snapshot stale and
SQLite answered "database is locked" at once, whatever the busy timeout. A transaction now
takes the write lock (``BEGIN IMMEDIATE``, waiting up to the busy timeout) before its first
write; pure reads still run beside a writer.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from airspace.intents import IntentState
from fleet.lifecycle import IllegalMissionTransition, MissionState, advance
from fleet.runner.store import Step, apply_step, set_vehicle_status
from fleet.storage.audit import record
from fleet.storage.db import make_engine, make_session_factory, migrate
from fleet.storage.tables import AuditEntry, IntentRow, MissionRow, Operator, VehicleRow

WRITES_PER_THREAD = 60


def _seed(engine: Engine) -> tuple[int, int, int]:
    with make_session_factory(engine)() as session:
        op = Operator(name="acme")
        session.add(op)
        session.flush()
        assert op.id is not None
        vehicle = VehicleRow(
            operator_id=op.id, name="d1", kind="multicopter", mavlink_url="udp://x", system_id=1
        )
        mission = MissionRow(operator_id=op.id, kind="delivery", created_by="t")
        session.add_all([vehicle, mission])
        session.commit()
        assert vehicle.id is not None and mission.id is not None
        return op.id, vehicle.id, mission.id


def _run_together(*jobs: Callable[[], None]) -> list[BaseException]:
    """Run each job in its own thread, all released at once; the exceptions they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def wrap(job: Callable[[], None]) -> None:
        start.wait()
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_runner_and_api_writers_at_once_all_commit(db_url: str) -> None:
    """The runner's vehicle-status writes (row + audit) race API audit writes on the same
    database file through two engines, as the service's runner thread and request threads
    do; every write commits, and each status change has exactly its audit entry."""
    runner_engine, api_engine = make_engine(db_url), make_engine(db_url)
    try:
        operator_id, vehicle_id, _ = _seed(runner_engine)
        runner_sessions = make_session_factory(runner_engine)
        api_sessions = make_session_factory(api_engine)

        def runner() -> None:
            for k in range(WRITES_PER_THREAD):
                with runner_sessions() as session:
                    set_vehicle_status(session, vehicle_id, f"s{k}", now=datetime.now(UTC))

        def api() -> None:
            for k in range(WRITES_PER_THREAD):
                with api_sessions() as session:
                    vehicle = session.get(VehicleRow, vehicle_id)  # read first, as handlers do
                    assert vehicle is not None
                    record(session, actor="user:a", action="api.write", target_type="v",
                           target_id=k, operator_id=operator_id)  # fmt: skip
                    session.commit()

        assert _run_together(runner, api) == []
        with api_sessions() as session:
            assert _count(session, "vehicle.status") == WRITES_PER_THREAD
            assert _count(session, "api.write") == WRITES_PER_THREAD
            assert session.get(VehicleRow, vehicle_id).status == f"s{WRITES_PER_THREAD - 1}"  # type: ignore[union-attr]
    finally:
        runner_engine.dispose()
        api_engine.dispose()


def _count(session: Session, action: str) -> int:
    query = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    return int(session.exec(query).one())


def test_a_failed_transition_leaves_no_half_written_state(engine: Engine) -> None:
    """A transition whose transaction fails after the audit entry was added leaves neither
    the new state nor the entry behind."""
    _, _, mission_id = _seed(engine)
    sessions = make_session_factory(engine)
    with sessions() as session, pytest.raises(RuntimeError):
        advance(session, mission_id, MissionState.SCHEDULED, "runner", commit=False)
        raise RuntimeError("crash before commit")
    with sessions() as session:
        assert session.get(MissionRow, mission_id).state == "requested"  # type: ignore[union-attr]
        assert _count(session, "mission.transition") == 0


@pytest.fixture
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated SQLite file database, as the embedded service uses."""
    path = tmp_path_factory.mktemp("rw") / "db.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    yield engine
    engine.dispose()


def test_a_write_after_another_writer_committed_succeeds(db_url: str) -> None:
    """Session A reads, session B writes and commits, then A writes: A commits too (on
    SQLite this was the "database is locked" crash: A's read snapshot was stale)."""
    engine = make_engine(db_url)
    try:
        _, vehicle_id, mission_id = _seed(engine)
        sessions = make_session_factory(engine)
        with sessions() as a:
            assert a.get(MissionRow, mission_id) is not None  # A's transaction has read
            with sessions() as b:
                set_vehicle_status(b, vehicle_id, "in_flight", now=datetime.now(UTC))
            advance(a, mission_id, MissionState.SCHEDULED, "user:a")
        with sessions() as check:
            assert check.get(MissionRow, mission_id).state == "scheduled"  # type: ignore[union-attr]
            assert check.get(VehicleRow, vehicle_id).status == "in_flight"  # type: ignore[union-attr]
            assert _count(check, "mission.transition") == _count(check, "vehicle.status") == 1
    finally:
        engine.dispose()


def test_sqlite_reads_go_on_while_a_writer_holds_the_lock(sqlite_engine: Engine) -> None:
    """A reader sees the committed rows while another session holds the write lock; a second
    writer waits for the lock (busy timeout) instead of failing."""
    _, vehicle_id, _ = _seed(sqlite_engine)
    sessions = make_session_factory(sqlite_engine)
    with sessions() as writer:
        row = writer.get(VehicleRow, vehicle_id)
        assert row is not None
        row.status = "held"
        writer.add(row)
        writer.flush()  # the write lock is held from here to the commit
        with sessions() as reader:
            assert reader.get(VehicleRow, vehicle_id).status == "registered"  # type: ignore[union-attr]
        second = threading.Thread(
            target=set_vehicle_status,
            args=(sessions(), vehicle_id, "after"),
            kwargs={"now": datetime.now(UTC)},
        )
        second.start()
        second.join(timeout=0.5)
        assert second.is_alive()  # waiting for the lock, not failed
        writer.commit()
    second.join()
    with sessions() as reader:
        assert reader.get(VehicleRow, vehicle_id).status == "after"  # type: ignore[union-attr]


def _intent(session: Session, operator_id: int, mission_id: int) -> str:
    now = datetime.now(UTC)
    row = IntentRow(
        id=str(uuid.uuid4()), operator_id=operator_id, mission_id=mission_id, state="Accepted",
        time_start=now, time_end=now, alt_lower_w84_m=0.0, alt_upper_w84_m=100.0,
        min_lon_deg=139.7, min_lat_deg=35.69, max_lon_deg=139.71, max_lat_deg=35.70,
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row.id


def test_a_flight_step_is_written_whole_or_not_at_all(engine: Engine) -> None:
    """Take-off moves the intent, the mission and the vehicle in one transaction: a step whose
    mission change is refused leaves the intent and the vehicle as they were."""
    operator_id, vehicle_id, mission_id = _seed(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        intent_id = _intent(session, operator_id, mission_id)
    takeoff = Step(
        (intent_id, IntentState.ACTIVATED, "started"), MissionState.IN_FLIGHT, "in_flight"
    )
    with sessions() as session, pytest.raises(IllegalMissionTransition):
        apply_step(session, mission_id, vehicle_id, takeoff, now=datetime.now(UTC))  # requested
    with sessions() as session:
        assert session.get(IntentRow, intent_id).state == "Accepted"  # type: ignore[union-attr]
        assert session.get(VehicleRow, vehicle_id).status == "registered"  # type: ignore[union-attr]
        assert _count(session, "intent.transition") == _count(session, "vehicle.status") == 0
    with sessions() as session:
        for state in ("scheduled", "approved", "uploaded"):
            advance(session, mission_id, state, "test")
        done = apply_step(session, mission_id, vehicle_id, takeoff, now=datetime.now(UTC))
    assert done.intent is not None and done.mission is not None
    with sessions() as session:
        assert session.get(IntentRow, intent_id).state == "Activated"  # type: ignore[union-attr]
        assert session.get(MissionRow, mission_id).state == "in_flight"  # type: ignore[union-attr]
        assert session.get(VehicleRow, vehicle_id).status == "in_flight"  # type: ignore[union-attr]
