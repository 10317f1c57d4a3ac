"""F3548 / InterUSS JSON: field names as in the astm-utm OpenAPI, round trips, named errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airspace.errors import IntentError
from airspace.intents import (
    IntentState,
    OperationalIntent,
    intent_from_json,
    intent_to_json,
    new_intent,
    transition,
    volume_from_json,
    volume_to_json,
)
from tests.intents.helpers import box, disc


def test_field_names_follow_the_openapi() -> None:
    oi = new_intent("oi-1", "uss-a", (box(0, 0, 100, 50), disc(10, 10, 25)), priority=100)
    doc = intent_to_json(oi)
    ref, details = doc["reference"], doc["details"]
    assert {"id", "manager", "version", "state", "ovn", "time_start", "time_end"} <= set(ref)
    assert ref["state"] == "Accepted" and details["priority"] == 100
    poly = details["volumes"][0]["volume"]
    assert set(poly["outline_polygon"]["vertices"][0]) == {"lat", "lng"}
    assert poly["altitude_lower"] == {"value": 40.0, "reference": "W84", "units": "M"}
    circle = details["volumes"][1]["volume"]["outline_circle"]
    assert circle["radius"] == {"value": 25.0, "units": "M"}
    start = details["volumes"][0]["time_start"]
    assert start["format"] == "RFC3339" and start["value"].endswith("Z")
    assert details["off_nominal_volumes"] == []


def test_intent_round_trips_through_json_text() -> None:
    oi = new_intent("oi-1", "uss-a", (box(0, 0, 100, 50),))
    nc = transition(
        transition(oi, IntentState.ACTIVATED),
        IntentState.NONCONFORMING,
        off_nominal_volumes=(disc(5, 5, 40),),
    )
    for intent in (oi, nc):
        back = intent_from_json(json.loads(json.dumps(intent_to_json(intent))))
        assert back == intent


@given(
    lon=st.floats(-179.9, 179.9),
    lat=st.floats(-80, 80),
    r=st.floats(0.1, 1e5),
    lo=st.floats(-500, 5000),
    h=st.floats(0, 1000),
    us=st.integers(0, 10**12),
)
def test_volume_round_trip_property(
    lon: float, lat: float, r: float, lo: float, h: float, us: int
) -> None:
    from airspace.intents import Circle, Volume4D

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    from datetime import timedelta

    v = Volume4D(Circle(lon, lat, r), lo, lo + h, t0, t0 + timedelta(microseconds=us))
    assert volume_from_json(json.loads(json.dumps(volume_to_json(v)))) == v


@pytest.mark.parametrize(
    "mutate,path",
    [
        (lambda d: d["details"]["volumes"][0]["volume"].pop("altitude_lower"), "altitude_lower"),
        (
            lambda d: d["details"]["volumes"][0]["volume"]["altitude_upper"].update(
                reference="AGL"
            ),
            "details.volumes[0].volume",
        ),
        (lambda d: d["details"]["volumes"][0]["time_start"].update(format="ISO"), "time_start"),
        (lambda d: d["reference"].update(state="Flying"), "reference.state"),
        (lambda d: d["reference"].pop("ovn"), "reference.ovn"),
    ],
)
def test_malformed_json_names_the_member(mutate: object, path: str) -> None:
    doc = intent_to_json(new_intent("oi-1", "uss-a", (box(0, 0, 100, 50),)))
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(IntentError, match=path.replace("[", r"\[").replace("]", r"\]")):
        intent_from_json(doc)


def test_json_rejects_states_breaking_the_volume_rules() -> None:
    doc = intent_to_json(new_intent("oi-1", "uss-a", (box(0, 0, 100, 50),)))
    doc["details"]["off_nominal_volumes"] = doc["details"]["volumes"]
    with pytest.raises(IntentError, match="OPIN0015"):
        intent_from_json(doc)


def test_stored_ovn_is_kept_not_recomputed() -> None:
    doc = intent_to_json(new_intent("oi-1", "uss-a", (box(0, 0, 100, 50),)))
    doc["reference"]["ovn"] = "peer-uss-ovn-0123456789"
    assert intent_from_json(doc).ovn == "peer-uss-ovn-0123456789"
    assert isinstance(intent_from_json(doc), OperationalIntent)
