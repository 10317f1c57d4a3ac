"""Storage on SQLite and PostgreSQL: migrations, UTC timestamps, append-only audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlmodel import select

from fleet.storage.audit import record
from fleet.storage.db import make_session_factory, migrate
from fleet.storage.tables import AuditEntry, MissionRow, Operator

EXPECTED_TABLES = {
    "operators", "users", "vehicles", "docks", "missions", "mission_legs",
    "operational_intents", "zones", "vehicle_telemetry", "audit_log", "building_files",
}  # fmt: skip


def test_migrations_create_every_table_and_are_idempotent(engine: Engine) -> None:
    migrate(engine)  # a second run changes nothing
    tables = set(inspect(engine).get_table_names())
    assert tables >= EXPECTED_TABLES
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004"


def test_timestamps_come_back_timezone_aware_utc(engine: Engine) -> None:
    tokyo = timezone(timedelta(hours=9))
    created = datetime(2026, 5, 1, 18, 30, tzinfo=tokyo)
    with make_session_factory(engine)() as session:
        session.add(Operator(name="tz", created_at=created))
        session.commit()
    with make_session_factory(engine)() as session:
        row = session.exec(select(Operator).where(Operator.name == "tz")).one()
    assert row.created_at.tzinfo is not None
    assert row.created_at.utcoffset() == timedelta(0)
    assert row.created_at == created


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    with make_session_factory(engine)() as session:
        session.add(Operator(name="naive", created_at=datetime(2026, 5, 1)))
        with pytest.raises(StatementError, match="timezone-aware"):
            session.commit()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_audit_log_is_append_only_in_the_database(engine: Engine, statement: str) -> None:
    with make_session_factory(engine)() as session:
        record(session, actor="alice", action="test", target_type="t", target_id=1)
        session.commit()
    with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text(statement))
    with make_session_factory(engine)() as session:
        assert [e.actor for e in session.exec(select(AuditEntry))] == ["alice"]


def test_json_specs_round_trip(engine: Engine) -> None:
    spec = {"pickup": {"lon_deg": 139.7, "lat_deg": 35.69}, "tags": ["medical", "blood"]}
    with make_session_factory(engine)() as session:
        op = Operator(name="json")
        session.add(op)
        session.flush()
        assert op.id is not None
        session.add(MissionRow(operator_id=op.id, kind="delivery", spec=spec, created_by="t"))
        session.commit()
    with make_session_factory(engine)() as session:
        mission = session.exec(select(MissionRow)).one()
    assert mission.spec == spec
    assert mission.created_at <= datetime.now(UTC)


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with make_session_factory(engine)() as session:
        session.add(MissionRow(operator_id=999, kind="delivery", created_by="t"))
        with pytest.raises(DBAPIError):
            session.commit()
