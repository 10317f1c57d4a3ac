"""Missions to tasks: the units the VRP engine places, each from an entry to an exit point.

A task is entered at ``start`` and left at ``end``; what happens in between (a loaded leg, an
inspection pattern) is the task's *service*, whose time and energy depend on the vehicle class.
A delivery is one task (pickup to dropoff); deliveries sharing a pickup may also be offered
as one multi-parcel task (:mod:`fleet.scheduler.batching`); a relay delivery two
(drone: pickup to transfer point; robot: transfer point to dropoff) whose windows are split at
a hand-over time so the drone is always first; an inspection one task per occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from fleet.energy import hover_estimate
from fleet.model import Delivery, Dock, GeoPoint, Inspection, Priority, Vehicle, VehicleKind
from fleet.model.places import TimeWindow
from fleet.scheduler.legcost import LegCostModel, local_xy_m
from fleet.scheduler.types import InspectionWorkFn, StopKind, UnassignedReason

RELAY_DRONE_SHARE = 1 / 3  # share of a relay's slack given to the drone leg


@dataclass(frozen=True, slots=True)
class Service:
    """Time, energy and distance of a task's service for one vehicle class.

    ``drop_done_s``: for a multi-parcel task, when each parcel's dropoff ends (seconds from
    the start of the service), in the task's parcel order.
    """

    duration_s: float
    energy_wh: float
    distance_m: float
    drop_done_s: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Parcel:
    """One delivery of a multi-parcel task (all picked up at the task's start point)."""

    mission_id: str
    dropoff: GeoPoint
    head_s: float  # pickup service
    tail_s: float  # dropoff service
    priority: Priority


@dataclass(frozen=True, slots=True)
class Task:
    """One engine node: entered at ``start``, left at ``end``, service per capable class."""

    key: str
    mission_id: str
    start: GeoPoint
    end: GeoPoint
    kinds: tuple[StopKind, StopKind]
    early_s: float  # service may start from here (seconds after the problem start)
    late_s: float  # ... and must be finished by here
    priority: Priority
    service: dict[int, Service]  # vehicle class index -> service
    partner: str | None = None  # the other half of a relay
    head_s: float = 0.0  # service at the start point (pickup) within the task's service
    tail_s: float = 0.0  # service at the end point (dropoff)
    parcels: tuple[Parcel, ...] = ()  # several deliveries carried at once (else one)
    siblings: tuple[str, ...] = ()  # other parts of a split survey: all placed, or none
    part: int | None = None  # which part of a split survey

    @property
    def together(self) -> tuple[str, ...]:
        """Keys of the tasks that must be placed with this one (relay partner, survey parts)."""
        return (self.partner, *self.siblings) if self.partner else self.siblings

    @property
    def mission_ids(self) -> tuple[str, ...]:
        """Every mission the task serves."""
        return tuple(p.mission_id for p in self.parcels) or (self.mission_id,)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A mission turned away before solving (``task_key``: the task screened out, if any)."""

    mission_id: str
    reason: UnassignedReason
    detail: str
    task_key: str | None = None


def vehicle_class(vehicle: Vehicle) -> Vehicle:
    """The vehicle with identity removed: vehicles of one class share engine data."""
    return replace(vehicle, id="class", home_dock_id="-")


def _seconds(moment: datetime, start: datetime) -> float:
    return (moment - start).total_seconds()


def delivery_tasks(
    delivery: Delivery,
    classes: list[Vehicle],
    legs: LegCostModel,
    start: datetime,
    transfer_points: tuple[GeoPoint, ...],
) -> list[Task] | Rejection:
    """The task(s) of one delivery, or why no vehicle class could carry it."""
    early = _seconds(delivery.earliest_pickup, start)
    late = _seconds(delivery.latest_delivery, start)
    if not delivery.needs_relay:
        service = _carry(delivery, classes, legs, delivery.pickup, delivery.dropoff, flies=None)
        if not service:
            return _no_carrier(delivery, "no vehicle carries")
        kinds = (StopKind.PICKUP, StopKind.DROPOFF)
        one = _delivery_task(delivery, delivery.id, delivery.dropoff, kinds, (early, late), service)
        return [one]
    if not transfer_points:
        return _no_carrier(delivery, "relay needed but no transfer point is defined; none")
    hub = _nearest(delivery.dropoff, transfer_points)
    air = _carry(delivery, classes, legs, delivery.pickup, hub, flies=True)
    ground = _carry(delivery, classes, legs, hub, delivery.dropoff, flies=False)
    if not air or not ground:
        return _no_carrier(delivery, "relay needs a drone and a ground robot that carry")
    air_s = min(s.duration_s for s in air.values())
    ground_s = min(s.duration_s for s in ground.values())
    slack = late - early - air_s - ground_s
    handover = early + air_s + max(slack, 0.0) * RELAY_DRONE_SHARE
    a_key, g_key = f"{delivery.id}#air", f"{delivery.id}#ground"
    air_task = _delivery_task(
        delivery, a_key, hub, (StopKind.PICKUP, StopKind.HANDOVER), (early, handover), air, g_key
    )
    ground_task = _delivery_task(
        delivery,
        g_key,
        delivery.dropoff,
        (StopKind.COLLECT, StopKind.DROPOFF),
        (handover, late),
        ground,
        a_key,
        start=hub,
    )
    return [air_task, ground_task]


def _delivery_task(
    delivery: Delivery,
    key: str,
    end: GeoPoint,
    kinds: tuple[StopKind, StopKind],
    window_s: tuple[float, float],
    service: dict[int, Service],
    partner: str | None = None,
    start: GeoPoint | None = None,
) -> Task:
    return Task(
        key=key,
        mission_id=delivery.id,
        start=delivery.pickup if start is None else start,
        end=end,
        kinds=kinds,
        early_s=window_s[0],
        late_s=window_s[1],
        priority=delivery.priority,
        service=service,
        partner=partner,
        head_s=delivery.pickup_service_s,
        tail_s=delivery.dropoff_service_s,
    )


def _no_carrier(delivery: Delivery, what: str) -> Rejection:
    detail = f"delivery {delivery.id!r}: {what} {delivery.payload_kg:.2f} kg"
    if delivery.needs_relay:
        detail += " (robot-only dropoff)" if delivery.robot_only_dropoff else " (relay asked)"
    return Rejection(delivery.id, UnassignedReason.NO_CAPABLE_VEHICLE, detail)


def _carry(
    delivery: Delivery,
    classes: list[Vehicle],
    legs: LegCostModel,
    a: GeoPoint,
    b: GeoPoint,
    flies: bool | None,
) -> dict[int, Service]:
    out: dict[int, Service] = {}
    for k, cls in enumerate(classes):
        if delivery.payload_kg > cls.payload_capacity_kg:
            continue
        if flies is not None and cls.flies != flies:
            continue
        if flies is None and cls.flies and delivery.robot_only_dropoff:
            continue
        loaded = legs.leg(cls, a, b, delivery.payload_kg)
        at_pickup = hover_estimate(cls, delivery.pickup_service_s, 0.0)
        at_drop = hover_estimate(cls, delivery.dropoff_service_s, delivery.payload_kg)
        total = loaded + at_pickup + at_drop
        out[k] = Service(total.duration_s, total.energy_wh, total.distance_m)
    return out


def inspection_tasks(
    inspection: Inspection,
    classes: list[Vehicle],
    work: InspectionWorkFn,
    start: datetime,
    docks: tuple[Dock, ...] = (),
) -> list[Task] | Rejection:
    """One task per occurrence of ``inspection`` (one per part and occurrence when an area
    survey is split for the battery, see :mod:`fleet.scheduler.survey_split`), or why no
    vehicle class can fly it."""
    from fleet.scheduler.survey_split import split_survey  # it imports Service from here

    capable, refusals = _camera_capable(inspection, classes)
    if not capable:
        detail = f"inspection {inspection.id!r}: no capable vehicle ({'; '.join(refusals)})"
        return Rejection(inspection.id, UnassignedReason.NO_CAPABLE_VEHICLE, detail)
    parts = split_survey(inspection, classes, capable, docks)
    if parts is None:
        whole = {k: work(inspection, classes[k]) for k in capable}
        entry = next(iter(whole.values())).entry
        services = {k: Service(w.duration_s, w.energy_wh, 0.0) for k, w in whole.items()}
        parts = [(entry, entry, services)]
    occurrences: tuple[TimeWindow, ...] = inspection.occurrences
    tasks = []
    for i, window in enumerate(occurrences):
        key = inspection.id if len(occurrences) == 1 else f"{inspection.id}#{i}"
        keys = [key if len(parts) == 1 else f"{key}.part{j}" for j in range(len(parts))]
        for j, (entry, exit_, service) in enumerate(parts):
            tasks.append(
                Task(
                    keys[j],
                    inspection.id,
                    entry,
                    exit_,
                    (StopKind.INSPECT, StopKind.INSPECT),
                    _seconds(window.start, start),
                    _seconds(window.end, start),
                    inspection.priority,
                    service,
                    siblings=tuple(k for k in keys if k != keys[j]),
                    part=j if len(parts) > 1 else None,
                )
            )
    return tasks


def _camera_capable(inspection: Inspection, classes: list[Vehicle]) -> tuple[list[int], list[str]]:
    """Classes whose camera can fly ``inspection``, and why each other class cannot."""
    capable, refusals = [], []
    for k, c in enumerate(classes):
        problem = inspection.camera_problem(c.capabilities.camera)
        if c.kind is not VehicleKind.MULTICOPTER:
            problem = f"is a {c.kind.value}"
        if problem is None:
            capable.append(k)
        else:
            refusals.append(f"a {c.kind.value} class {problem}")
    return capable, sorted(set(refusals))


def _nearest(point: GeoPoint, candidates: tuple[GeoPoint, ...]) -> GeoPoint:
    xy = local_xy_m([point, *candidates])
    d = ((xy[1:] - xy[0]) ** 2).sum(axis=1)
    return candidates[int(d.argmin())]
