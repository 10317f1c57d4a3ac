"""Scenario builders and an independent schedule checker for the scheduler tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from fleet.model import (
    AreaTarget,
    CameraModel,
    Capabilities,
    Delivery,
    Dock,
    GeoPoint,
    Inspection,
    Priority,
    TimeWindow,
    Vehicle,
    VehicleKind,
)
from fleet.scheduler import Schedule, SchedulingProblem, StopKind

T0 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
CAMERA = CameraModel(13.2, 8.8, 8.8, 5472, 3648, name="1-inch")


def drone(vid: str, dock: str, battery_wh: float = 400.0, camera: bool = False) -> Vehicle:
    caps = Capabilities(camera=CAMERA if camera else None, gimbal=camera)
    return Vehicle(
        vid, VehicleKind.MULTICOPTER, 3.0, 2.5, battery_wh, 15.0, dock, capabilities=caps
    )


def robot(vid: str, dock: str) -> Vehicle:
    return Vehicle(vid, VehicleKind.GROUND_ROBOT, 30.0, 10.0, 800.0, 1.5, dock)


def docks(n: int = 3) -> tuple[Dock, ...]:
    return tuple(
        Dock(f"dock{i}", 139.69 + 0.01 * i, 35.69, slots=4, swap_time_s=120.0) for i in range(n)
    )


def random_point(rng: random.Random) -> GeoPoint:
    return GeoPoint(139.685 + rng.random() * 0.03, 35.68 + rng.random() * 0.02)


def deliveries(
    n: int, rng: random.Random, medical_every: int = 0, prefix: str = "m"
) -> list[Delivery]:
    out = []
    for i in range(n):
        medical = medical_every and i % medical_every == 0
        early = T0 + timedelta(minutes=rng.randint(0, 60))
        out.append(
            Delivery(
                f"{prefix}{i}",
                random_point(rng),
                random_point(rng),
                rng.choice([0.5, 1.0, 2.0]),
                early,
                early + timedelta(minutes=rng.randint(30, 150)),
                priority=Priority.MEDICAL if medical else Priority.NORMAL,
            )
        )
    return out


def area_inspection(mid: str = "survey") -> Inspection:
    square = ((139.700, 35.690), (139.702, 35.690), (139.702, 35.692), (139.700, 35.692))
    window = TimeWindow(T0, T0 + timedelta(hours=3))
    return Inspection(mid, AreaTarget(square), CAMERA, 2.0, window)


def problem(vehicles, missions, n_docks=3, hours=4.0, **kw) -> SchedulingProblem:  # type: ignore[no-untyped-def]
    return SchedulingProblem(
        tuple(vehicles), docks(n_docks), tuple(missions), T0, T0 + timedelta(hours=hours), **kw
    )


def check_schedule(p: SchedulingProblem, s: Schedule) -> list[str]:
    """Everything that must hold of any schedule, checked from first principles."""
    errors: list[str] = []
    vehicles = {v.id: v for v in p.vehicles}
    missions = {m.id: m for m in p.missions}
    placed = set(s.assignment())
    left = {u.mission_id for u in s.unassigned}
    if set(missions) - placed - left:
        errors.append(f"silently dropped: {sorted(set(missions) - placed - left)}")
    if placed & left:
        errors.append(f"both scheduled and unassigned: {sorted(placed & left)}")
    for vs in s.vehicles:
        v = vehicles[vs.vehicle_id]
        previous_ready = p.start
        for trip in vs.trips:
            if trip.departure < previous_ready - timedelta(microseconds=1):
                errors.append(
                    f"{v.id}: trip departs {trip.departure} before ready {previous_ready}"
                )
            if trip.energy_wh > v.mission_energy_wh + 1e-6:
                errors.append(
                    f"{v.id}: trip uses {trip.energy_wh:.1f} > {v.mission_energy_wh:.1f} Wh"
                )
            times = [trip.departure]
            times += [t for st in trip.stops for t in (st.arrival, st.begin, st.departure)]
            times.append(trip.arrival)
            if any(b < a - timedelta(microseconds=1) for a, b in pairwise(times)):
                errors.append(f"{v.id}: stops out of time order")
            previous_ready = trip.ready_again
            errors += _stop_errors(v, trip.stops, missions)
            errors += _aboard_errors(v, trip.stops, missions)
    return errors + _relay_errors(s)


def _aboard_errors(v: Vehicle, stops, missions) -> list[str]:  # type: ignore[no-untyped-def]
    """Parcels aboard never weigh more than the payload capacity; each is picked up first."""
    aboard: dict[str, float] = {}
    errors = []
    for st in stops:
        m = missions[st.mission_id]
        if st.kind in (StopKind.PICKUP, StopKind.COLLECT):
            aboard[m.id] = m.payload_kg
        elif st.kind in (StopKind.DROPOFF, StopKind.HANDOVER) and aboard.pop(m.id, None) is None:
            errors.append(f"{v.id}: drops {m.id} before picking it up")
        if sum(aboard.values()) > v.payload_capacity_kg + 1e-9:
            errors.append(f"{v.id}: {sum(aboard.values()):.2f} kg aboard at {m.id}")
    return errors


def _relay_errors(s: Schedule) -> list[str]:
    """A ground robot collects a relayed parcel only after the drone has left it."""
    handover = {}
    collect = {}
    for _, trip in s.trips:
        for st in trip.stops:
            if st.kind is StopKind.HANDOVER:
                handover[st.mission_id] = st.departure
            if st.kind is StopKind.COLLECT:
                collect[st.mission_id] = st.departure
    errors = [f"relay {m} has one leg only" for m in set(handover) ^ set(collect)]
    for m in set(handover) & set(collect):
        if collect[m] < handover[m]:
            errors.append(
                f"relay {m}: robot collects at {collect[m]} before handover {handover[m]}"
            )
    return errors


def _stop_errors(v: Vehicle, stops, missions) -> list[str]:  # type: ignore[no-untyped-def]
    errors = []
    slack = timedelta(microseconds=1)
    for st in stops:
        m = missions[st.mission_id]
        if isinstance(m, Delivery):
            if m.payload_kg > v.payload_capacity_kg:
                errors.append(f"{v.id}: {m.id} too heavy")
            if st.kind is StopKind.PICKUP and st.begin < m.earliest_pickup:
                errors.append(f"{v.id}: {m.id} picked up before {m.earliest_pickup}")
            if st.kind is StopKind.DROPOFF and st.departure > m.latest_delivery + slack:
                errors.append(f"{v.id}: {m.id} delivered at {st.departure} > {m.latest_delivery}")
            if st.kind is StopKind.DROPOFF and v.flies and m.robot_only_dropoff:
                errors.append(f"{v.id}: drone lands at robot-only dropoff of {m.id}")
        elif st.kind is StopKind.INSPECT:
            if not v.capabilities.can_inspect:
                errors.append(f"{v.id}: inspects {m.id} without a camera")
            inside = [
                w.start - slack <= st.begin and st.departure <= w.end + slack for w in m.occurrences
            ]
            if not any(inside):
                errors.append(f"{v.id}: inspection {m.id} outside its windows")
    return errors
