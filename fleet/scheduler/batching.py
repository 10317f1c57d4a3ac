"""Several parcels per trip: deliveries sharing a pickup offered as one multi-parcel task.

PyVRP has no paired pickup-and-delivery (a client cannot be tied to a later client on the same
route), so batches are built before solving. Per pickup point, a greedy pass in deadline order
grows each batch by the nearby parcel with the largest saving in the engine's own cost
(mWh of energy plus :data:`~fleet.scheduler.build.UNIT_DURATION_COST` per second) of carrying
it along instead of flying back to the pickup for it, while the total payload fits the
designated carrier (the largest drone when there are drones: :func:`designated_class`), the
windows allow a common pickup time and the batch adds at most :data:`MAX_PARCELS` parcels.
Every leg is then costed exactly with its load (the first leg carries them all: the heavier
leg draws more power), per vehicle class that can carry the sum.

A batch is an *alternative*: its members stay as single tasks too. After screening,
:func:`resolve_batches` keeps a batch only when it and all its members passed (range, window),
and then removes the members' single tasks; otherwise the members are scheduled one by one.
A kept batch the engine leaves out (say one only a busy robot can carry) never costs its
members: they are planned again one by one (:mod:`fleet.scheduler.retry`).
Cost: one empty-leg matrix per pickup over its dropoffs (with a planner-backed
:class:`~fleet.scheduler.legcost.LegCostModel` that is one route per pair), six calibration
legs per pickup and one exact leg per parcel of each batch and class.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from fleet.energy import hover_estimate
from fleet.model import Delivery, Vehicle, VehicleKind
from fleet.scheduler.build import MWH_PER_WH, UNIT_DURATION_COST
from fleet.scheduler.legcost import LegCostModel, LegMatrix
from fleet.scheduler.tasks import Parcel, Rejection, Service, Task
from fleet.scheduler.types import StopKind

MAX_PARCELS = 4  # per batch (set to 1 to switch batching off)
NEIGHBOURS = 6  # nearest unbatched dropoffs considered when growing a batch
BATCH = "batch:"  # key prefix of multi-parcel tasks
Seconds = Callable[[datetime], float]  # an aware instant as seconds from the problem start


@dataclass(frozen=True, slots=True)
class _Group:
    """Deliveries sharing a pickup, with the designated class's empty legs between their points
    (index 0 is the pickup, ``1 + i`` the dropoff of ``members[i]``)."""

    members: list[Delivery]
    legs: LegMatrix
    ratio: Callable[[float], float]  # loaded / empty leg energy, by payload kg


def batch_tasks(
    deliveries: list[Delivery], classes: list[Vehicle], legs: LegCostModel, start_s: Seconds
) -> list[Task]:
    """Multi-parcel task candidates (each delivery in at most one) for ``deliveries``.

    Args:
        deliveries: every delivery of the problem (relays are left out).
        classes: vehicle classes; :func:`designated_class` decides batches.
        legs: travel model.
        start_s: seconds from the problem start of an aware datetime.

    Returns:
        Batch tasks of two or more parcels, keyed ``batch:<id>+<id>...``.
    """
    if MAX_PARCELS < 2 or not classes:
        return []
    k = designated_class(classes)
    groups: dict[tuple[float, float, float], list[Delivery]] = defaultdict(list)
    for d in deliveries:
        if not d.needs_relay and d.payload_kg <= classes[k].payload_capacity_kg:
            groups[(*d.pickup.lon_lat, d.pickup.height_agl_m)].append(d)
    out: list[Task] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        group = _group(members, classes[k], legs)
        for batch in _greedy(group, classes[k].payload_capacity_kg, start_s):
            task = _task([members[i] for i in batch], classes, k, legs, start_s)
            if task is not None:
                out.append(task)
    return out


def designated_class(classes: list[Vehicle]) -> int:
    """The class whose payload capacity bounds batches: the largest among multicopters when
    the fleet has any, else the largest.

    Batching parcels only a ground robot can carry together would load the robots (few, slow)
    with parcels the drones can carry one by one, and leave robot-only parcels waiting.
    """
    drones = [i for i, c in enumerate(classes) if c.kind is VehicleKind.MULTICOPTER]
    return max(drones or range(len(classes)), key=lambda i: classes[i].payload_capacity_kg)


def _group(members: list[Delivery], cls: Vehicle, legs: LegCostModel) -> _Group:
    points = [members[0].pickup, *(d.dropoff for d in members)]
    m = legs.matrix(cls, points, points)
    far = max(members, key=lambda d: float(m.distance_m[0, 1 + members.index(d)]))
    empty = legs.leg(cls, far.pickup, far.dropoff, 0.0).energy_wh
    grid = np.linspace(0.0, cls.payload_capacity_kg, 6)
    ratios = [legs.leg(cls, far.pickup, far.dropoff, float(w)).energy_wh / empty for w in grid]
    return _Group(members, m, lambda w: float(np.interp(w, grid, ratios)))


def _cost(g: _Group, a: int, b: int, payload_kg: float) -> float:
    energy = float(g.legs.energy_wh[a, b]) * g.ratio(payload_kg) * MWH_PER_WH
    return energy + UNIT_DURATION_COST * float(g.legs.duration_s[a, b])


def _chain_cost(g: _Group, batch: list[int]) -> float:
    """Engine cost of pickup -> each dropoff in order, carrying what is still aboard."""
    aboard = sum(g.members[i].payload_kg for i in batch)
    cost, here = 0.0, 0
    for i in batch:
        cost += _cost(g, here, 1 + i, aboard)
        aboard -= g.members[i].payload_kg
        here = 1 + i
    return cost


def _window_ok(g: _Group, batch: list[int], start_s: Seconds) -> bool:
    """Whether one pickup time lets every parcel of ``batch`` arrive in its window."""
    begin = max(start_s(g.members[i].earliest_pickup) for i in batch)
    t = begin + sum(g.members[i].pickup_service_s for i in batch)
    here = 0
    for i in batch:
        t += float(g.legs.duration_s[here, 1 + i]) + g.members[i].dropoff_service_s
        if t > start_s(g.members[i].latest_delivery):
            return False
        here = 1 + i
    return True


def _greedy(g: _Group, capacity_kg: float, start_s: Seconds) -> list[list[int]]:
    order = sorted(range(len(g.members)), key=lambda i: g.members[i].latest_delivery)
    free = set(order)
    batches = []
    for seed in order:
        if seed not in free:
            continue
        free.discard(seed)
        batch = [seed]
        while len(batch) < MAX_PARCELS:
            best = _best_next(g, batch, free, capacity_kg, start_s)
            if best is None:
                break
            batch.append(best)
            free.discard(best)
        if len(batch) > 1:
            batches.append(batch)
    return batches


def _best_next(
    g: _Group, batch: list[int], free: set[int], capacity_kg: float, start_s: Seconds
) -> int | None:
    """The free parcel whose joining saves most against fetching it separately, if any."""
    load = sum(g.members[i].payload_kg for i in batch)
    last = 1 + batch[-1]
    near = sorted(free, key=lambda i: (float(g.legs.distance_m[last, 1 + i]), i))[:NEIGHBOURS]
    now = _chain_cost(g, batch)
    best, best_saving = None, 0.0
    for c in near:
        if load + g.members[c].payload_kg > capacity_kg or not _window_ok(g, [*batch, c], start_s):
            continue
        separate = _cost(g, last, 0, 0.0) + _cost(g, 0, 1 + c, g.members[c].payload_kg)
        saving = separate - (_chain_cost(g, [*batch, c]) - now)
        if saving > best_saving:
            best, best_saving = c, saving
    return best


def _task(
    parcels: list[Delivery], classes: list[Vehicle], k: int, legs: LegCostModel, start_s: Seconds
) -> Task | None:
    """The exact multi-parcel task, or ``None`` when no common pickup time meets every window.

    The window is the designated class ``k``'s; another class that can carry the total is
    offered the task too when that window keeps each of its own dropoffs on time.
    """
    total_kg = sum(p.payload_kg for p in parcels)
    services = {
        j: _service(parcels, cls, legs)
        for j, cls in enumerate(classes)
        if total_kg <= cls.payload_capacity_kg
    }
    early = max(start_s(p.earliest_pickup) for p in parcels)
    late = min(
        start_s(p.latest_delivery) - done
        for p, done in zip(parcels, services[k].drop_done_s, strict=True)
    )
    late += services[k].duration_s
    if late - services[k].duration_s < early:
        return None
    kept = {j: s for j, s in services.items() if _on_time(parcels, s, late, start_s)}
    first = parcels[0]
    return Task(
        key=BATCH + "+".join(p.id for p in parcels),
        mission_id=first.id,
        start=first.pickup,
        end=parcels[-1].dropoff,
        kinds=(StopKind.PICKUP, StopKind.DROPOFF),
        early_s=early,
        late_s=late,
        priority=max((p.priority for p in parcels), key=lambda p: p.rank),
        service=kept,
        head_s=sum(p.pickup_service_s for p in parcels),
        tail_s=parcels[-1].dropoff_service_s,
        parcels=tuple(
            Parcel(p.id, p.dropoff, p.pickup_service_s, p.dropoff_service_s, p.priority)
            for p in parcels
        ),
    )


def _on_time(parcels: list[Delivery], s: Service, late: float, start_s: Seconds) -> bool:
    """Whether ending the service by ``late`` delivers every parcel by its deadline."""
    begin = late - s.duration_s
    return all(
        begin + done <= start_s(p.latest_delivery) + 1e-6
        for p, done in zip(parcels, s.drop_done_s, strict=True)
    )


def _service(parcels: list[Delivery], cls: Vehicle, legs: LegCostModel) -> Service:
    """Load every parcel, then fly to each dropoff carrying what is still aboard."""
    aboard = sum(p.payload_kg for p in parcels)
    total = hover_estimate(cls, sum(p.pickup_service_s for p in parcels), 0.0)
    here = parcels[0].pickup
    done = []
    for p in parcels:
        total = total + legs.leg(cls, here, p.dropoff, aboard)
        total = total + hover_estimate(cls, p.dropoff_service_s, aboard)
        done.append(total.duration_s)
        aboard -= p.payload_kg
        here = p.dropoff
    return Service(total.duration_s, total.energy_wh, total.distance_m, tuple(done))


def resolve_batches(
    kept: list[Task], screened: list[Rejection]
) -> tuple[list[Task], list[Rejection]]:
    """Keep batches whose members all passed screening (dropping those members' single tasks);
    forget the other batches and their screening rejections (the members go one by one)."""
    singles = {t.mission_id: t.key for t in kept if not t.parcels and t.partner is None}
    used: set[str] = set()
    batches = []
    for t in kept:
        if t.parcels and all(m in singles and m not in used for m in t.mission_ids):
            batches.append(t)
            used.update(t.mission_ids)
    out = [t for t in kept if not t.parcels and not (t.partner is None and t.mission_id in used)]
    rejected = [r for r in screened if not (r.task_key or "").startswith(BATCH)]
    return out + batches, rejected
