"""QGroundControl ``.plan`` files: read and write missions, geofences and rally points.

The format is QGroundControl's JSON "Plan File Format" (developer guide): a top-level object
``{"fileType": "Plan", "version": 1, "groundStation", "mission", "geoFence", "rallyPoints"}``.

- ``mission`` (version 2): ``firmwareType``, ``vehicleType``, ``cruiseSpeed``, ``hoverSpeed``,
  ``plannedHomePosition`` ``[lat, lon, alt_amsl]`` and ``items``. A ``SimpleItem`` carries
  ``command``, ``frame``, ``params`` (7 values; ``null`` stands for NaN, param5/6/7 are
  lat/lon/alt), ``autoContinue`` and ``doJumpId`` (a DO_JUMP's param1 names a ``doJumpId`` in
  the file and is converted to and from the item's sequence number). A ``ComplexItem`` of
  type ``survey`` or ``CorridorScan`` stores the MAVLink items it generated in
  ``TransectStyleComplexItem.Items``; those are imported. ``StructureScan`` items store no
  generated items and are refused.
- ``geoFence`` (version 2): ``polygons`` ``[{"inclusion", "polygon": [[lat, lon], ...],
  "version": 1}]`` and ``circles`` ``[{"circle": {"center": [lat, lon], "radius"},
  "inclusion", "version": 1}]``.
- ``rallyPoints`` (version 2): ``points`` ``[[lat, lon, alt], ...]`` (alt above home).

The file puts latitude first; skyfleet's own types keep lon/lat order (except
:class:`MissionItem`, which mirrors MAVLink's ``x`` = lat, ``y`` = lon). A malformed file raises
:class:`PlanFileError` naming the file and the JSON path of the offending element.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from firmware_bridge.mission_item import MavCmd, MavFrame, MissionItem
from fleet.errors import PlanFileError

PX4_FIRMWARE_TYPE = 12  # MAV_AUTOPILOT_PX4
QUADROTOR_VEHICLE_TYPE = 2  # MAV_TYPE_QUADROTOR
_TRANSECT_TYPES = ("survey", "CorridorScan")
# QGroundControl AltitudeMode written next to positional items (Relative, Absolute, Terrain).
_ALTITUDE_MODE: dict[int, int] = {
    MavFrame.GLOBAL_RELATIVE_ALT: 1,
    MavFrame.GLOBAL_RELATIVE_ALT_INT: 1,
    MavFrame.GLOBAL: 2,
    MavFrame.GLOBAL_INT: 2,
    MavFrame.GLOBAL_TERRAIN_ALT: 4,
    MavFrame.GLOBAL_TERRAIN_ALT_INT: 4,
}


@dataclass(frozen=True, slots=True)
class HomePosition:
    """The planned home position: WGS84 lon/lat in degrees and altitude AMSL."""

    lon_deg: float
    lat_deg: float
    alt_amsl_m: float


@dataclass(frozen=True, slots=True)
class FencePolygon:
    """A geofence polygon, vertices as (lon, lat); ``inclusion`` keeps the vehicle inside."""

    vertices_lon_lat: tuple[tuple[float, float], ...]
    inclusion: bool = True


@dataclass(frozen=True, slots=True)
class FenceCircle:
    """A geofence circle centred at (lon, lat) with a radius in metres."""

    center_lon_deg: float
    center_lat_deg: float
    radius_m: float
    inclusion: bool = True


@dataclass(frozen=True, slots=True)
class RallyPoint:
    """A rally (safe) point: lon/lat in degrees and altitude above home."""

    lon_deg: float
    lat_deg: float
    alt_above_home_m: float


@dataclass(frozen=True, slots=True)
class QgcPlan:
    """The content of a ``.plan`` file: mission items, planned home, geofence, rally points."""

    mission_items: tuple[MissionItem, ...]
    planned_home: HomePosition | None = None
    fence_polygons: tuple[FencePolygon, ...] = ()
    fence_circles: tuple[FenceCircle, ...] = ()
    rally_points: tuple[RallyPoint, ...] = ()
    firmware_type: int = PX4_FIRMWARE_TYPE
    vehicle_type: int = QUADROTOR_VEHICLE_TYPE
    cruise_speed_mps: float = 15.0
    hover_speed_mps: float = 5.0
    ground_station: str = "skyfleet"


# ---------------------------------------------------------------- reading


def read_plan(path: str | Path) -> QgcPlan:
    """Read a QGroundControl ``.plan`` file.

    Args:
        path: the file to read.

    Returns:
        The plan, with complex survey / corridor items expanded into their generated items.

    Raises:
        PlanFileError: unreadable file, invalid JSON or a malformed element (the message names
            the file and the element, e.g. ``mission.items[3].params``).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PlanFileError(f"{path}: cannot read the file: {err}") from err
    return from_json(text, source=str(path))


def from_json(text: str, source: str = "<plan>") -> QgcPlan:
    """Parse ``.plan`` JSON text; ``source`` names it in error messages.

    Raises:
        PlanFileError: invalid JSON or a malformed element.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise PlanFileError(f"{source}: invalid JSON: {err}") from err
    return _Reader(source).plan(doc)


class _Reader:
    """Parses one document; every error is prefixed with the source and the JSON path."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parsed = 0  # simple items read so far: the flat index of the next one
        self.jump_ids: dict[int, int] = {}  # doJumpId -> flat index
        self.jumps: list[tuple[int, str]] = []  # DO_JUMP items: flat index, JSON path

    def fail(self, where: str, message: str) -> PlanFileError:
        return PlanFileError(f"{self.source}: {where}: {message}")

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, got {type(value).__name__}")
        return value

    def array(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected an array, got {type(value).__name__}")
        return value

    def number(self, value: Any, where: str, *, nullable: bool = False) -> float:
        if value is None and nullable:
            return math.nan
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"expected a number, got {value!r}")
        return float(value)

    def integer(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected an integer, got {value!r}")
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"expected true or false, got {value!r}")
        return value

    def numbers(self, value: Any, where: str, count: int) -> list[float]:
        values = self.array(value, where)
        if len(values) != count:
            raise self.fail(where, f"expected {count} numbers, got {len(values)}")
        return [self.number(v, f"{where}[{i}]") for i, v in enumerate(values)]

    def plan(self, doc: Any) -> QgcPlan:
        top = self.obj(doc, "top level")
        if top.get("fileType") != "Plan":
            raise self.fail("fileType", f"expected 'Plan', got {top.get('fileType')!r}")
        if top.get("version") != 1:
            raise self.fail("version", f"unsupported plan version {top.get('version')!r}")
        mission = self.obj(top.get("mission"), "mission")
        if mission.get("version") != 2:
            raise self.fail("mission.version", f"expected 2, got {mission.get('version')!r}")
        polygons, circles = self.fence(top.get("geoFence"))
        items = self.items(mission.get("items"), "mission.items")
        return QgcPlan(
            mission_items=tuple(self.resolve_jumps(items)),
            planned_home=self.home(mission.get("plannedHomePosition")),
            fence_polygons=polygons,
            fence_circles=circles,
            rally_points=self.rally(top.get("rallyPoints")),
            firmware_type=self.integer(mission.get("firmwareType", 12), "mission.firmwareType"),
            vehicle_type=self.integer(mission.get("vehicleType", 2), "mission.vehicleType"),
            cruise_speed_mps=self.number(mission.get("cruiseSpeed", 15), "mission.cruiseSpeed"),
            hover_speed_mps=self.number(mission.get("hoverSpeed", 5), "mission.hoverSpeed"),
            ground_station=str(top.get("groundStation", "")),
        )

    def home(self, value: Any) -> HomePosition | None:
        if value is None:
            return None
        lat, lon, alt = self.numbers(value, "mission.plannedHomePosition", 3)
        return HomePosition(lon_deg=lon, lat_deg=lat, alt_amsl_m=alt)

    def items(self, value: Any, where: str) -> list[MissionItem]:
        result: list[MissionItem] = []
        for i, raw in enumerate(self.array(value, where)):
            at = f"{where}[{i}]"
            item = self.obj(raw, at)
            kind = item.get("type")
            if kind == "SimpleItem":
                result.append(self.simple(item, at))
            elif kind == "ComplexItem":
                result.extend(self.complex(item, at))
            else:
                raise self.fail(f"{at}.type", f"expected SimpleItem or ComplexItem, got {kind!r}")
        return result

    def resolve_jumps(self, items: list[MissionItem]) -> list[MissionItem]:
        """DO_JUMP param1 names a doJumpId in the file, a sequence number on the vehicle."""
        for index, at in self.jumps:
            target = items[index].param1
            if not target.is_integer() or int(target) not in self.jump_ids:
                raise self.fail(
                    f"{at}.params[0]", f"DO_JUMP to doJumpId {target}, which no item has"
                )
            items[index] = replace(items[index], param1=float(self.jump_ids[int(target)]))
        return items

    def simple(self, item: dict[str, Any], at: str) -> MissionItem:
        index, self.parsed = self.parsed, self.parsed + 1
        if "doJumpId" in item:
            self.jump_ids[self.integer(item["doJumpId"], f"{at}.doJumpId")] = index
        if item.get("command") == MavCmd.DO_JUMP:
            self.jumps.append((index, at))
        params = self.array(item.get("params"), f"{at}.params")
        if len(params) != 7:
            raise self.fail(f"{at}.params", f"expected 7 values, got {len(params)}")
        p = [self.number(v, f"{at}.params[{k}]", nullable=True) for k, v in enumerate(params)]
        return MissionItem(
            command=self.integer(item.get("command"), f"{at}.command"),
            frame=self.integer(item.get("frame"), f"{at}.frame"),
            param1=p[0],
            param2=p[1],
            param3=p[2],
            param4=p[3],
            x=p[4],
            y=p[5],
            z=p[6],
            autocontinue=self.boolean(item.get("autoContinue", True), f"{at}.autoContinue"),
        )

    def complex(self, item: dict[str, Any], at: str) -> list[MissionItem]:
        kind = item.get("complexItemType")
        if kind not in _TRANSECT_TYPES:
            raise self.fail(
                f"{at}.complexItemType",
                f"{kind!r} is not supported: only survey and CorridorScan store generated items",
            )
        transect = self.obj(item.get("TransectStyleComplexItem"), f"{at}.TransectStyleComplexItem")
        return self.items_simple_only(transect.get("Items"), f"{at}.TransectStyleComplexItem.Items")

    def items_simple_only(self, value: Any, where: str) -> list[MissionItem]:
        raws = self.array(value, where)
        if not raws:
            raise self.fail(where, "no generated items: save the plan again in QGroundControl")
        return [
            self.simple(self.obj(raw, f"{where}[{i}]"), f"{where}[{i}]")
            for i, raw in enumerate(raws)
        ]

    def fence(self, value: Any) -> tuple[tuple[FencePolygon, ...], tuple[FenceCircle, ...]]:
        if value is None:
            return (), ()
        fence = self.obj(value, "geoFence")
        polygons = []
        for i, raw in enumerate(self.array(fence.get("polygons", []), "geoFence.polygons")):
            at = f"geoFence.polygons[{i}]"
            entry = self.obj(raw, at)
            ring = self.array(entry.get("polygon"), f"{at}.polygon")
            if len(ring) < 3:
                raise self.fail(f"{at}.polygon", f"needs >= 3 vertices, got {len(ring)}")
            vertices = [self.numbers(v, f"{at}.polygon[{k}]", 2) for k, v in enumerate(ring)]
            inclusion = self.boolean(entry.get("inclusion", True), f"{at}.inclusion")
            polygons.append(FencePolygon(tuple((lon, lat) for lat, lon in vertices), inclusion))
        circles = []
        for i, raw in enumerate(self.array(fence.get("circles", []), "geoFence.circles")):
            at = f"geoFence.circles[{i}]"
            entry = self.obj(raw, at)
            circle = self.obj(entry.get("circle"), f"{at}.circle")
            lat, lon = self.numbers(circle.get("center"), f"{at}.circle.center", 2)
            radius = self.number(circle.get("radius"), f"{at}.circle.radius")
            inclusion = self.boolean(entry.get("inclusion", True), f"{at}.inclusion")
            circles.append(FenceCircle(lon, lat, radius, inclusion))
        return tuple(polygons), tuple(circles)

    def rally(self, value: Any) -> tuple[RallyPoint, ...]:
        if value is None:
            return ()
        rally = self.obj(value, "rallyPoints")
        points = self.array(rally.get("points", []), "rallyPoints.points")
        result = []
        for i, raw in enumerate(points):
            lat, lon, alt = self.numbers(raw, f"rallyPoints.points[{i}]", 3)
            result.append(RallyPoint(lon, lat, alt))
        return tuple(result)


# ---------------------------------------------------------------- writing


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
    mode = _ALTITUDE_MODE.get(int(item.frame))
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


# ---------------------------------------------------------------- fence and rally as items


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
