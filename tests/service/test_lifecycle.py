"""The mission state machine: allowed transitions persist and audit; the rest are refused."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, select

from fleet import lifecycle
from fleet.lifecycle import ALLOWED, TERMINAL, IllegalMissionTransition, MissionState
from fleet.storage.db import make_session_factory
from fleet.storage.tables import AuditEntry, MissionRow, Operator

HAPPY_PATH = [
    MissionState.SCHEDULED,
    MissionState.APPROVED,
    MissionState.UPLOADED,
    MissionState.IN_FLIGHT,
    MissionState.COMPLETED,
]


def _mission(session: Session) -> int:
    operator = Operator(name=f"op-{uuid.uuid4().hex}")
    session.add(operator)
    session.flush()
    assert operator.id is not None
    mission = MissionRow(operator_id=operator.id, kind="delivery", created_by="test")
    session.add(mission)
    session.commit()
    assert mission.id is not None
    return mission.id


def test_happy_path_persists_and_audits_every_step(engine: Engine) -> None:
    with make_session_factory(engine)() as session:
        mission_id = _mission(session)
        for state in HAPPY_PATH:
            lifecycle.advance(session, mission_id, state, "dispatcher:alice")
    with make_session_factory(engine)() as session:
        mission = session.get(MissionRow, mission_id)
        assert mission is not None and mission.state == "completed"
        assert mission.progress_fraction == 1.0
        audit = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()  # type: ignore[arg-type]
    steps = [(e.detail["from"], e.detail["to"]) for e in audit]
    expected = list(zip(["requested", *HAPPY_PATH[:-1]], HAPPY_PATH, strict=True))
    assert steps == expected
    assert {e.actor for e in audit} == {"dispatcher:alice"}


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
def test_terminal_states_allow_nothing(terminal: MissionState) -> None:
    assert ALLOWED[terminal] == frozenset()


def test_failure_states_need_a_reason(engine: Engine) -> None:
    with make_session_factory(engine)() as session:
        mission_id = _mission(session)
        with pytest.raises(IllegalMissionTransition, match="needs a reason"):
            lifecycle.fail(session, mission_id, "runner")
        row = lifecycle.fail(session, mission_id, "runner", "battery below reserve")
        assert row.state_reason == "battery below reserve"


def test_refused_transition_changes_nothing(engine: Engine) -> None:
    with make_session_factory(engine)() as session:
        mission_id = _mission(session)
        with pytest.raises(IllegalMissionTransition, match="cannot go from requested to in_flight"):
            lifecycle.start_flight(session, mission_id, "runner")
        session.rollback()
        row = session.get(MissionRow, mission_id)
        assert row is not None and row.state == "requested"
        assert session.exec(select(AuditEntry)).all() == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(list(MissionState)), min_size=1, max_size=8))
def test_any_sequence_follows_the_table(engine: Engine, moves: list[MissionState]) -> None:
    """Property: a move succeeds iff the table allows it; the stored state is the last success."""
    with make_session_factory(engine)() as session:
        mission_id = _mission(session)
        state = MissionState.REQUESTED
        for target in moves:
            allowed = target in ALLOWED[state]
            try:
                lifecycle.advance(session, mission_id, target, "prop", reason="why")
            except IllegalMissionTransition:
                session.rollback()
                assert not allowed
            else:
                assert allowed
                state = target
        row = session.get(MissionRow, mission_id)
        assert row is not None and row.state == state.value
