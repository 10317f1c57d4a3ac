"""Structure scans around the tallest real PLATEAU footprints of Shinjuku (shared data)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon

from firmware_bridge.mission_item import MavCmd
from fleet.errors import ValidationError
from fleet.model import CameraModel, GeoPoint, Inspection, StructureTarget, TimeWindow, Vehicle
from fleet.patterns import LocalFrame, plan_inspection

BUILDINGS = "buildings/tokyo_shinjuku_plateau2020_bldg.geojson"
T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
WINDOW = TimeWindow(T0, T0 + timedelta(hours=3))
CAMERA = CameraModel(13.2, 8.8, 8.8, 5472, 3648, min_trigger_interval_s=2.0)


def _tallest(shared_data: Path, count: int) -> list[tuple[str, list[tuple[float, float]], float]]:
    features = json.loads((shared_data / BUILDINGS).read_text(encoding="utf-8"))["features"]
    polygons = [
        f
        for f in features
        if f["geometry"]["type"] == "Polygon" and f["properties"]["height_m"] is not None
    ]
    polygons.sort(key=lambda f: -f["properties"]["height_m"])
    return [
        (
            f["properties"]["id"],
            [tuple(p) for p in f["geometry"]["coordinates"][0]],
            f["properties"]["height_m"],
        )
        for f in polygons[:count]
    ]


@pytest.mark.shared_data
def test_structure_scan_of_skyscrapers(shared_data: Path, drone: Vehicle) -> None:
    planned = 0
    for building_id, ring, height in _tallest(shared_data, 8):
        try:
            target = StructureTarget(tuple(ring), height, standoff_m=25.0)  # type: ignore[arg-type]
        except ValidationError as err:
            assert "footprint" in str(err)  # an MVT artefact is refused, not mis-flown
            continue
        home = GeoPoint(*ring[0])
        plan = plan_inspection(
            Inspection(building_id, target, CAMERA, 1.0, WINDOW), drone, home, check_battery=False
        )
        frame = LocalFrame.around(ring)
        footprint = Polygon(frame.to_xy(ring))
        orbit = [i for i in plan.items if i.command == MavCmd.NAV_WAYPOINT]
        for x, y in frame.to_xy([(i.lon_deg, i.lat_deg) for i in orbit]):
            assert footprint.distance(Point(x, y)) == pytest.approx(25.0, abs=0.01), building_id
        assert max(i.z for i in orbit) + plan.scan.footprint_m[1] / 2 >= height
        planned += 1
    assert planned >= 6
