"""Write a :class:`QgcPlan` as ``.plan`` JSON, and its fence and rally points as MAVLink items."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from firmware_bridge.mission_item import MavCmd, MavFrame, MissionItem
from fleet.errors import PlanFileError
from fleet.qgc_plan.types import (
    ALTITUDE_MODE,
    FenceCircle,
    FencePolygon,
    QgcPlan,
    RallyPoint,
)


def write_plan(plan: QgcPlan, path: str | Path) -> None:
    """Write ``plan`` as a QGroundControl ``.plan`` file (SimpleItems, geofence, rally points).

    Args:
        plan: what to write.
        path: the destination; written whole or not at all (temporary file then rename).

    Raises:
        PlanFileError: see :func:`to_json`.
    """
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(to_json(plan), encoding="utf-8")
    partial.replace(target)


def to_json(plan: QgcPlan) -> str:
    """The ``.plan`` JSON text of ``plan`` (NaN parameters become ``null``).

    Raises:
        PlanFileError: a value has no JSON spelling (infinity, or NaN outside ``params``), or
            a DO_JUMP names a sequence number outside the mission.
    """
    home = plan.planned_home
    doc = {
        "fileType": "Plan",
        "version": 1,
        "groundStation": plan.ground_station,
        "mission": {
            "version": 2,
            "firmwareType": plan.firmware_type,
            "vehicleType": plan.vehicle_type,
            "cruiseSpeed": plan.cruise_speed_mps,
            "hoverSpeed": plan.hover_speed_mps,
            "plannedHomePosition": None
            if home is None
            else [home.lat_deg, home.lon_deg, home.alt_amsl_m],
            "items": [
                _simple_json(item, n, len(plan.mission_items))
                for n, item in enumerate(plan.mission_items, 1)
            ],
        },
        "geoFence": {
            "version": 2,
            "polygons": [_polygon_json(p) for p in plan.fence_polygons],
            "circles": [_circle_json(c) for c in plan.fence_circles],
        },
        "rallyPoints": {
            "version": 2,
            "points": [[r.lat_deg, r.lon_deg, r.alt_above_home_m] for r in plan.rally_points],
        },
    }
    try:
        return json.dumps(doc, indent=4, allow_nan=False)
    except ValueError as err:  # an infinite value has no JSON spelling
        raise PlanFileError(f"cannot write the plan: {err}") from err


def _nullable(value: float) -> float | None:
    return None if math.isnan(value) else value


def _simple_json(item: MissionItem, jump_id: int, count: int) -> dict[str, Any]:
    param1 = item.param1
    if item.command == MavCmd.DO_JUMP:
        if not (param1.is_integer() and 0 <= param1 < count):
            raise PlanFileError(
                f"cannot write mission_items[{jump_id - 1}]: DO_JUMP to sequence {param1}, "
                f"outside the mission's {count} items"
            )
        param1 += 1  # sequence number -> doJumpId (items are numbered from 1)
    values = (param1, item.param2, item.param3, item.param4, item.x, item.y, item.z)
    entry: dict[str, Any] = {
        "type": "SimpleItem",
        "command": int(item.command),
        "frame": int(item.frame),
        "params": [_nullable(v) for v in values],
        "autoContinue": item.autocontinue,
        "doJumpId": jump_id,
    }
    mode = ALTITUDE_MODE.get(int(item.frame))
    if mode is not None and not math.isnan(item.z):
        entry.update({"AMSLAltAboveTerrain": None, "Altitude": item.z, "AltitudeMode": mode})
    return entry


def _polygon_json(polygon: FencePolygon) -> dict[str, Any]:
    ring = [[lat, lon] for lon, lat in polygon.vertices_lon_lat]
    return {"inclusion": polygon.inclusion, "polygon": ring, "version": 1}


def _circle_json(circle: FenceCircle) -> dict[str, Any]:
    centre = [circle.center_lat_deg, circle.center_lon_deg]
    return {
        "circle": {"center": centre, "radius": circle.radius_m},
        "inclusion": circle.inclusion,
        "version": 1,
    }


def fence_items(plan: QgcPlan) -> list[MissionItem]:
    """The geofence as MAVLink fence items (MissionType.FENCE), for upload by the bridge.

    Polygon vertices carry the vertex count in param1; circles the radius in param1.
    """
    items: list[MissionItem] = []
    for polygon in plan.fence_polygons:
        command = (
            MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION
            if polygon.inclusion
            else MavCmd.NAV_FENCE_POLYGON_VERTEX_EXCLUSION
        )
        count = float(len(polygon.vertices_lon_lat))
        items.extend(
            MissionItem(command, MavFrame.GLOBAL_INT, param1=count, x=lat, y=lon)
            for lon, lat in polygon.vertices_lon_lat
        )
    for circle in plan.fence_circles:
        command = (
            MavCmd.NAV_FENCE_CIRCLE_INCLUSION
            if circle.inclusion
            else MavCmd.NAV_FENCE_CIRCLE_EXCLUSION
        )
        lat, lon = circle.center_lat_deg, circle.center_lon_deg
        items.append(
            MissionItem(command, MavFrame.GLOBAL_INT, param1=circle.radius_m, x=lat, y=lon)
        )
    return items


def rally_items(points: Sequence[RallyPoint]) -> list[MissionItem]:
    """Rally points as MAVLink items (MissionType.RALLY), altitude relative to home."""
    return [
        MissionItem(
            MavCmd.NAV_RALLY_POINT,
            MavFrame.GLOBAL_RELATIVE_ALT_INT,
            x=p.lat_deg,
            y=p.lon_deg,
            z=p.alt_above_home_m,
        )
        for p in points
    ]
