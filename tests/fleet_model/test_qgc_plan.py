"""QGroundControl .plan import/export: round trip, complex items, and precise errors."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.mission_item import MavCmd, MavFrame, MissionItem
from fleet.errors import PlanFileError
from fleet.qgc_plan import (
    FenceCircle,
    FencePolygon,
    HomePosition,
    QgcPlan,
    RallyPoint,
    fence_items,
    from_json,
    rally_items,
    read_plan,
    to_json,
    write_plan,
)


def _wp(lat: float, lon: float, alt: float, jump: int) -> dict[str, Any]:
    return {
        "type": "SimpleItem",
        "command": 16,
        "frame": 3,
        "params": [0, 0, 0, None, lat, lon, alt],
        "autoContinue": True,
        "doJumpId": jump,
        "AMSLAltAboveTerrain": None,
        "Altitude": alt,
        "AltitudeMode": 1,
    }


def _qgc_document() -> dict[str, Any]:
    """A plan laid out as QGroundControl 4.x saves one: takeoff, a survey, a corridor, RTL."""
    trigger = {
        "type": "SimpleItem",
        "command": 206,
        "frame": 2,
        "doJumpId": 3,
        "params": [25, 0, 1, 0, 0, 0, 0],
        "autoContinue": True,
    }
    survey = {
        "type": "ComplexItem",
        "complexItemType": "survey",
        "version": 5,
        "angle": 0,
        "polygon": [[35.69, 139.70], [35.69, 139.701], [35.691, 139.701]],
        "TransectStyleComplexItem": {
            "version": 2,
            "CameraCalc": {"DistanceToSurface": 60, "FrontalOverlap": 75, "SideOverlap": 65},
            "Items": [_wp(35.6901, 139.7001, 60, 2), trigger, _wp(35.6909, 139.7009, 60, 4)],
            "VisualTransectPoints": [[35.6901, 139.7001], [35.6909, 139.7009]],
        },
    }
    corridor = {
        "type": "ComplexItem",
        "complexItemType": "CorridorScan",
        "polyline": [[35.692, 139.70], [35.693, 139.70]],
        "CorridorWidth": 30,
        "TransectStyleComplexItem": {"Items": [_wp(35.692, 139.70, 40, 5)]},
    }
    takeoff = {
        "type": "SimpleItem",
        "command": 22,
        "frame": 3,
        "doJumpId": 1,
        "params": [0, 0, 0, None, 35.69, 139.70, 30],
        "autoContinue": True,
    }
    rtl = {
        "type": "SimpleItem",
        "command": 20,
        "frame": 2,
        "doJumpId": 6,
        "params": [0, 0, 0, 0, 0, 0, 0],
        "autoContinue": True,
    }
    return {
        "fileType": "Plan",
        "version": 1,
        "groundStation": "QGroundControl",
        "mission": {
            "version": 2,
            "firmwareType": 12,
            "vehicleType": 2,
            "cruiseSpeed": 15,
            "hoverSpeed": 5,
            "plannedHomePosition": [35.69, 139.70, 41.5],
            "items": [takeoff, survey, corridor, rtl],
        },
        "geoFence": {
            "version": 2,
            "polygons": [
                {
                    "inclusion": True,
                    "version": 1,
                    "polygon": [[35.68, 139.69], [35.68, 139.71], [35.70, 139.71]],
                }
            ],
            "circles": [
                {
                    "circle": {"center": [35.69, 139.70], "radius": 50},
                    "inclusion": False,
                    "version": 1,
                }
            ],
        },
        "rallyPoints": {"version": 2, "points": [[35.695, 139.705, 20]]},
    }


def test_reads_simple_and_generated_complex_items(tmp_path: Path) -> None:
    path = tmp_path / "survey.plan"
    path.write_text(json.dumps(_qgc_document()), encoding="utf-8")
    plan = read_plan(path)
    commands = [item.command for item in plan.mission_items]
    assert commands == [22, 16, 206, 16, 16, 20]
    first_wp = plan.mission_items[1]
    assert (first_wp.lat_deg, first_wp.lon_deg, first_wp.z) == (35.6901, 139.7001, 60.0)
    assert math.isnan(first_wp.param4)  # null is NaN (yaw unchanged)
    assert plan.mission_items[2].param1 == 25.0
    assert plan.planned_home == HomePosition(139.70, 35.69, 41.5)
    assert plan.fence_polygons[0].vertices_lon_lat[0] == (139.69, 35.68)
    assert plan.fence_circles == (FenceCircle(139.70, 35.69, 50.0, inclusion=False),)
    assert plan.rally_points == (RallyPoint(139.705, 35.695, 20.0),)


def _broken(mutate: Any) -> str:
    doc = _qgc_document()
    mutate(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (
            lambda d: d["mission"]["items"][3].update(params=[0, 0, 0]),
            r"mission\.items\[3\]\.params",
        ),
        (lambda d: d["mission"]["items"][0].update(command="22"), r"mission\.items\[0\]\.command"),
        (lambda d: d["mission"]["items"][3].update(type="Odd"), r"mission\.items\[3\]\.type"),
        (
            lambda d: d["mission"]["items"][1]["TransectStyleComplexItem"]["Items"][2].update(
                params=[0, 0, 0, None, "north", 139.7, 60]
            ),
            r"mission\.items\[1\]\.TransectStyleComplexItem\.Items\[2\]\.params\[4\]",
        ),
        (
            lambda d: d["mission"]["items"][1].update(complexItemType="StructureScan"),
            "StructureScan",
        ),
        (lambda d: d["geoFence"]["polygons"][0].update(polygon=[[1, 2]]), r"polygons\[0\]"),
        (lambda d: d["rallyPoints"].update(points=[[35.0, 139.0]]), r"rallyPoints\.points\[0\]"),
        (lambda d: d.update(fileType="Mission"), "fileType"),
    ],
)
def test_malformed_file_names_file_and_element(tmp_path: Path, mutate: Any, where: str) -> None:
    path = tmp_path / "bad.plan"
    path.write_text(_broken(mutate), encoding="utf-8")
    with pytest.raises(PlanFileError, match=rf"bad\.plan: .*{where}"):
        read_plan(path)


def test_invalid_json_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match=r"x\.plan: invalid JSON"):
        from_json("{", source="x.plan")
    with pytest.raises(PlanFileError, match=r"nope\.plan: cannot read"):
        read_plan(tmp_path / "nope.plan")


_coord = st.floats(-80, 80, allow_nan=False)
_param = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(math.nan))
_items = st.builds(
    MissionItem,
    command=st.sampled_from([int(c) for c in MavCmd if c != MavCmd.DO_JUMP]),
    frame=st.sampled_from([int(f) for f in MavFrame]),
    param1=_param,
    param2=_param,
    param3=_param,
    param4=_param,
    x=_coord,
    y=_coord,
    z=_param,
    autocontinue=st.booleans(),
)
_lonlat = st.tuples(st.floats(-180, 180), st.floats(-80, 80))
_plans = st.builds(
    QgcPlan,
    mission_items=st.lists(_items, max_size=8).map(tuple),
    planned_home=st.none() | st.builds(HomePosition, _coord, _coord, st.floats(-100, 4000)),
    fence_polygons=st.lists(
        st.builds(
            FencePolygon, st.lists(_lonlat, min_size=3, max_size=6).map(tuple), st.booleans()
        ),
        max_size=2,
    ).map(tuple),
    fence_circles=st.lists(
        st.builds(FenceCircle, _coord, _coord, st.floats(1, 1e4), st.booleans()), max_size=2
    ).map(tuple),
    rally_points=st.lists(st.builds(RallyPoint, _coord, _coord, st.floats(0, 500)), max_size=3).map(
        tuple
    ),
)


def _same(a: MissionItem, b: MissionItem) -> bool:
    pairs = zip(
        (a.param1, a.param2, a.param3, a.param4, a.x, a.y, a.z),
        (b.param1, b.param2, b.param3, b.param4, b.x, b.y, b.z),
        strict=True,
    )
    floats_ok = all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in pairs)
    return floats_ok and (a.command, a.frame, a.autocontinue) == (
        b.command,
        b.frame,
        b.autocontinue,
    )


@settings(max_examples=60)
@given(plan=_plans)
def test_export_then_import_round_trips(plan: QgcPlan) -> None:
    back = from_json(to_json(plan))
    assert len(back.mission_items) == len(plan.mission_items)
    assert all(_same(a, b) for a, b in zip(plan.mission_items, back.mission_items, strict=True))
    assert replace(back, mission_items=()) == replace(plan, mission_items=())


def test_written_file_is_what_qgroundcontrol_expects(tmp_path: Path) -> None:
    item = MissionItem(
        MavCmd.NAV_WAYPOINT,
        MavFrame.GLOBAL_RELATIVE_ALT,
        param4=math.nan,
        x=35.69,
        y=139.70,
        z=50.0,
    )
    plan = QgcPlan((item,), HomePosition(139.70, 35.69, 40.0), ground_station="skyfleet")
    path = tmp_path / "out.plan"
    write_plan(plan, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert (doc["fileType"], doc["version"], doc["mission"]["version"]) == ("Plan", 1, 2)
    entry = doc["mission"]["items"][0]
    assert entry["params"] == [0.0, 0.0, 0.0, None, 35.69, 139.70, 50.0]
    assert (entry["doJumpId"], entry["Altitude"], entry["AltitudeMode"]) == (1, 50.0, 1)
    assert doc["mission"]["plannedHomePosition"] == [35.69, 139.70, 40.0]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_fence_and_rally_as_mavlink_items() -> None:
    square = FencePolygon(((139.0, 35.0), (139.1, 35.0), (139.1, 35.1)), inclusion=True)
    plan = QgcPlan((), fence_polygons=(square,), fence_circles=(FenceCircle(139, 35, 80, False),))
    items = fence_items(plan)
    assert [i.command for i in items] == [5001, 5001, 5001, 5004]
    assert all(i.param1 == 3 for i in items[:3]) and items[3].param1 == 80
    assert (items[1].lat_deg, items[1].lon_deg) == (35.0, 139.1)
    (rally,) = rally_items([RallyPoint(139.5, 35.5, 30.0)])
    assert (rally.command, rally.x, rally.y, rally.z) == (5100, 35.5, 139.5, 30.0)


def test_do_jump_targets_are_do_jump_ids_in_the_file() -> None:
    loop = (
        MissionItem(MavCmd.NAV_TAKEOFF, x=35.69, y=139.70, z=30.0),
        MissionItem(MavCmd.NAV_WAYPOINT, x=35.691, y=139.70, z=30.0),
        MissionItem(MavCmd.DO_JUMP, MavFrame.MISSION, param1=1.0, param2=3.0),
    )
    text = to_json(QgcPlan(loop))
    assert json.loads(text)["mission"]["items"][2]["params"][0] == 2  # doJumpId of item 1
    assert from_json(text).mission_items == loop
    with pytest.raises(PlanFileError, match=r"mission_items\[0\]: DO_JUMP to sequence 5"):
        to_json(QgcPlan((MissionItem(MavCmd.DO_JUMP, MavFrame.MISSION, param1=5.0),)))


def test_do_jump_into_a_survey_maps_to_the_expanded_sequence(tmp_path: Path) -> None:
    doc = _qgc_document()
    jump = {
        "type": "SimpleItem",
        "command": 177,
        "frame": 2,
        "doJumpId": 7,
        "params": [4, 2, 0, 0, 0, 0, 0],
        "autoContinue": True,
    }
    doc["mission"]["items"].append(jump)
    plan = from_json(json.dumps(doc))
    assert plan.mission_items[-1].param1 == 3.0  # doJumpId 4 is the survey's third item
    jump["params"][0] = 99
    with pytest.raises(PlanFileError, match=r"mission\.items\[4\]\.params\[0\]: DO_JUMP"):
        from_json(json.dumps(doc))
