"""Fleet scheduler: VRP with time windows, energy and multi-trip over PyVRP.

Public API: :func:`schedule` and :func:`replan` on a :class:`SchedulingProblem`, returning a
:class:`Schedule` (per vehicle: trips with ETAs and energy; unassigned missions with reasons).
The VRPTW core (:mod:`fleet.scheduler.vrptw`, :mod:`fleet.scheduler.engine`) is what the
Solomon benchmark measures against OR-Tools and VROOM (:mod:`fleet.scheduler.peers`).
"""

from fleet.scheduler.errors import InstanceFormatError, SchedulerError
from fleet.scheduler.inspection_work import estimate_inspection_work, pattern_inspection_work
from fleet.scheduler.legcost import (
    LegCostModel,
    LegMatrix,
    PlannedRouteLegCost,
    RoutePlanner,
    StraightLineLegCost,
    pairwise_matrix,
)
from fleet.scheduler.planner import schedule
from fleet.scheduler.replan import frozen_trips, replan
from fleet.scheduler.types import (
    Change,
    ChangeKind,
    DockOccupancy,
    InspectionWork,
    InspectionWorkFn,
    Replan,
    Schedule,
    SchedulingProblem,
    Stop,
    StopKind,
    Trip,
    Unassigned,
    UnassignedReason,
    VehicleAvailability,
    VehicleSchedule,
)

__all__ = [
    "Change",
    "ChangeKind",
    "DockOccupancy",
    "InspectionWork",
    "InspectionWorkFn",
    "InstanceFormatError",
    "LegCostModel",
    "LegMatrix",
    "PlannedRouteLegCost",
    "Replan",
    "RoutePlanner",
    "Schedule",
    "SchedulerError",
    "SchedulingProblem",
    "Stop",
    "StopKind",
    "StraightLineLegCost",
    "Trip",
    "Unassigned",
    "UnassignedReason",
    "VehicleAvailability",
    "VehicleSchedule",
    "estimate_inspection_work",
    "frozen_trips",
    "pairwise_matrix",
    "pattern_inspection_work",
    "replan",
    "schedule",
]
