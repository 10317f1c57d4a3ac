"""Operational-intent model: volume rules (OPIN0015/0020), the F3548 state machine, the OVN."""

from __future__ import annotations

import itertools

import pytest

from airspace.errors import IllegalTransition, IntentError
from airspace.intents import (
    LEGAL_TRANSITIONS,
    Circle,
    IntentState,
    OperationalIntent,
    Polygon,
    new_intent,
    transition,
)
from airspace.intents.f3548 import OiMaxVertices
from tests.intents.helpers import T0, box, disc

S = IntentState


def _accepted() -> OperationalIntent:
    return new_intent("oi-1", "op-a", (box(0, 0, 100, 100),))


def test_new_intent_is_accepted_version_1_with_an_ovn() -> None:
    oi = _accepted()
    assert (oi.state, oi.version) == (S.ACCEPTED, 1)
    assert 16 <= len(oi.ovn) <= 128


def test_every_update_changes_version_and_ovn() -> None:
    oi = _accepted()
    same = transition(oi, S.ACCEPTED)
    moved = transition(same, S.ACCEPTED, volumes=(box(0, 0, 50, 50),))
    assert [oi.version, same.version, moved.version] == [1, 2, 3]
    assert len({oi.ovn, same.ovn, moved.ovn}) == 3


@pytest.mark.parametrize("start,end", list(itertools.product(S, S)))
def test_only_f3548_transitions_are_allowed(start: IntentState, end: IntentState) -> None:
    intent = _in_state(start)
    off = (disc(0, 0, 30),)
    if end in LEGAL_TRANSITIONS[start]:
        moved = transition(intent, end, off_nominal_volumes=None if end.is_nominal else off)
        assert moved.state is end
    else:
        with pytest.raises(IllegalTransition):
            transition(intent, end, off_nominal_volumes=off)


def test_the_f3548_state_diagram() -> None:
    assert LEGAL_TRANSITIONS[S.ACCEPTED] == {S.ACCEPTED, S.ACTIVATED, S.ENDED}
    assert S.NONCONFORMING not in LEGAL_TRANSITIONS[S.ACCEPTED]
    assert S.ACTIVATED in LEGAL_TRANSITIONS[S.NONCONFORMING]
    assert LEGAL_TRANSITIONS[S.CONTINGENT] == {S.CONTINGENT, S.ENDED}
    assert LEGAL_TRANSITIONS[S.ENDED] == frozenset()


def test_accepted_and_activated_have_no_off_nominal_volumes_opin0015() -> None:
    for state in (S.ACCEPTED, S.ACTIVATED):
        with pytest.raises(IntentError, match="OPIN0015"):
            OperationalIntent("x", "op", 0, state, (box(0, 0, 1, 1),), (disc(0, 0, 5),))
        with pytest.raises(IntentError, match="OPIN0015"):
            OperationalIntent("x", "op", 0, state, ())


def test_contingent_has_only_off_nominal_volumes() -> None:
    with pytest.raises(IntentError):
        OperationalIntent("x", "op", 0, S.CONTINGENT, (box(0, 0, 1, 1),), (disc(0, 0, 5),))
    with pytest.raises(IntentError):
        OperationalIntent("x", "op", 0, S.CONTINGENT, ())
    contingent = transition(
        _in_state(S.ACTIVATED), S.CONTINGENT, off_nominal_volumes=(disc(0, 0, 5),)
    )
    assert contingent.volumes == () and len(contingent.off_nominal_volumes) == 1


def test_nonconforming_needs_an_off_nominal_volume_and_recovery_drops_it() -> None:
    activated = _in_state(S.ACTIVATED)
    with pytest.raises(IntentError):
        transition(activated, S.NONCONFORMING)
    nc = transition(activated, S.NONCONFORMING, off_nominal_volumes=(disc(0, 0, 5),))
    back = transition(nc, S.ACTIVATED)
    assert back.off_nominal_volumes == () and back.volumes == activated.volumes


def test_oi_max_vertices_opin0020() -> None:
    n = OiMaxVertices // 2 + 1
    ring = tuple((139.7 + 1e-6 * i, 35.69 + 1e-6 * (i % 2)) for i in range(n))
    vol = box(0, 0, 1, 1)
    big = type(vol)(Polygon(ring), 0, 10, T0, T0)
    with pytest.raises(IntentError, match="OiMaxVertices"):
        new_intent("x", "op", (big, big))
    assert new_intent("x", "op", (big,)).volumes[0].vertex_count == n


def test_cannot_create_in_an_off_nominal_state() -> None:
    with pytest.raises(IllegalTransition):
        new_intent("x", "op", (box(0, 0, 1, 1),), state=S.CONTINGENT)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Circle(139.7, 35.69, 0.0),
        lambda: Circle(200.0, 35.69, 5.0),
        lambda: Polygon(((139.7, 35.69), (139.71, 35.69))),
        lambda: box(0, 0, 1, 1, z0_m=50, z1_m=40),
        lambda: box(0, 0, 1, 1, t0_s=10, t1_s=5),
    ],
)
def test_malformed_volumes_raise_intent_error(make: object) -> None:
    with pytest.raises(IntentError):
        make()  # type: ignore[operator]


def _in_state(state: IntentState) -> OperationalIntent:
    off = (disc(0, 0, 30),)
    oi = _accepted()
    path = {
        S.ACCEPTED: [],
        S.ACTIVATED: [S.ACTIVATED],
        S.NONCONFORMING: [S.ACTIVATED, S.NONCONFORMING],
        S.CONTINGENT: [S.ACTIVATED, S.CONTINGENT],
        S.ENDED: [S.ENDED],
    }[state]
    for step in path:
        oi = transition(oi, step, off_nominal_volumes=None if step.is_nominal else off)
    return oi
