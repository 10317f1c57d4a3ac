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

from fleet.qgc_plan.reader import from_json, read_plan
from fleet.qgc_plan.types import (
    PX4_FIRMWARE_TYPE,
    QUADROTOR_VEHICLE_TYPE,
    FenceCircle,
    FencePolygon,
    HomePosition,
    QgcPlan,
    RallyPoint,
)
from fleet.qgc_plan.writer import fence_items, rally_items, to_json, write_plan

__all__ = [
    "PX4_FIRMWARE_TYPE",
    "QUADROTOR_VEHICLE_TYPE",
    "FenceCircle",
    "FencePolygon",
    "HomePosition",
    "QgcPlan",
    "RallyPoint",
    "fence_items",
    "from_json",
    "rally_items",
    "read_plan",
    "to_json",
    "write_plan",
]
