"""Interchangeable vehicles, and handing a waiting sortie to an idle one.

The fleet scheduler may chain two sorties on one vehicle while an identical one stands idle
beside it: a route's cost does not see *when* its later trips start (the dock's service is paid
at the start of every trip, so one vehicle flying both costs what two vehicles do). A
dispatcher expects the second parcel to leave now on the idle twin, not after the first
vehicle's return and turnaround. Two vehicles are *twins* when nothing the scheduler weighs
tells them apart: same operator, kind, home dock and specification (payload, battery, speed,
camera). A sortie queued behind a busy (or about to be busy) vehicle goes to a twin that is
free now and has nothing queued; relays stay with their drone (their robot's queue keeps the
plan's order).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, select

from fleet.dispatch.schedule import Sortie
from fleet.storage.tables import VehicleRow

Twins = Mapping[int, frozenset[int]]
"""Vehicle id -> the other vehicles interchangeable with it."""


def twin_groups(session: Session) -> dict[int, frozenset[int]]:
    """Every vehicle's twins (see the module docstring)."""
    groups: dict[tuple[object, ...], set[int]] = {}
    for v in session.exec(select(VehicleRow)):
        if v.id is None or v.home_dock_id is None:
            continue
        key = (v.operator_id, v.kind, v.home_dock_id, json.dumps(v.spec, sort_keys=True))
        groups.setdefault(key, set()).add(v.id)
    return {v: frozenset(g - {v}) for g in groups.values() for v in g}


def hand_over(
    queues: dict[int, deque[Sortie]],
    busy: Mapping[int, object],
    free_at: Mapping[int, datetime],
    status: Mapping[int, str],
    twins: Twins,
    now: datetime,
) -> list[tuple[Sortie, int]]:
    """Move waiting sorties to idle twins with empty queues (in place); what moved, and from
    which vehicle.

    A sortie waits when its vehicle is busy, or when it is not first in that vehicle's queue.
    A twin takes it when it is not busy, its queue is empty, its turnaround is over and its
    last status (if any) is ``idle``. Each twin takes one sortie per call, the most urgent.
    """

    def free(v: int) -> bool:
        return (
            v not in busy
            and not queues.get(v)
            and free_at.get(v, now) <= now
            and status.get(v, "idle") == "idle"
        )

    moved: list[tuple[Sortie, int]] = []
    waiting = [
        (s, owner)
        for owner, queue in queues.items()
        for k, s in enumerate(queue)
        if s.vehicle_id == owner and s.robot_id is None and (k > 0 or owner in busy)
    ]
    for sortie, owner in sorted(waiting, key=lambda p: (p[0].rank, p[0].begins)):
        twin = next((v for v in sorted(twins.get(owner, ())) if free(v)), None)
        if twin is None:
            continue
        queues[owner].remove(sortie)
        sortie.vehicle_id = twin
        queues.setdefault(twin, deque()).append(sortie)
        moved.append((sortie, owner))
    return moved
