"""Parse ``.plan`` JSON into a :class:`QgcPlan`; errors name the file and the JSON path."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from firmware_bridge.mission_item import MavCmd, MissionItem
from fleet.errors import PlanFileError
from fleet.qgc_plan.types import (
    TRANSECT_TYPES,
    FenceCircle,
    FencePolygon,
    HomePosition,
    QgcPlan,
    RallyPoint,
)


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
        if kind not in TRANSECT_TYPES:
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
