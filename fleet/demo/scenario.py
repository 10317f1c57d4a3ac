"""The demo's scenario: docks, fleet and bookings placed in a city, deterministic for a seed.

Docks sit on open ground around the city centre; drones and ground robots are shared out among
them. Deliveries leave from a dock for an open-ground pad (some medical, some urgent, some drone
+ ground-robot relays whose last stretch is a robot's); inspections survey a small area or a
building's surroundings near a dock. Every pad keeps ``pad_margin_m`` from any footprint so the
take-off and landing columns are never inside a building.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from shapely import STRtree
from shapely.geometry import Point, Polygon

from airspace.frames import offset_lonlat
from fleet.demo.geo import Footprint, LocalFrame, footprints_xy
from fleet.errors import ValidationError

LonLat = tuple[float, float]


@dataclass(frozen=True, slots=True)
class DemoDock:
    """A dock: id and location."""

    id: str
    lon_deg: float
    lat_deg: float


@dataclass(frozen=True, slots=True)
class DemoVehicle:
    """A vehicle of the demo fleet: ``kind`` is ``multicopter`` or ``ground_robot``."""

    id: str
    kind: str
    dock_id: str


@dataclass(frozen=True, slots=True)
class DemoDelivery:
    """A booked delivery; times are seconds after the scenario start.

    ``relay`` asks for a drone + robot relay: the drone flies to a transfer point near the
    dropoff (chosen by the dispatcher) and a ground robot carries the parcel the last stretch.
    """

    id: str
    dock_id: str
    pickup: LonLat
    dropoff: LonLat
    payload_kg: float
    priority: str  # normal | urgent | medical
    earliest_pickup_s: float
    latest_delivery_s: float
    relay: bool = False


@dataclass(frozen=True, slots=True)
class DemoInspection:
    """A booked area inspection near a dock."""

    id: str
    dock_id: str
    area_lonlat: tuple[LonLat, ...]
    gsd_cm_per_px: float
    earliest_s: float
    latest_s: float


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything the demo books and flies."""

    docks: tuple[DemoDock, ...]
    vehicles: tuple[DemoVehicle, ...]
    deliveries: tuple[DemoDelivery, ...]
    inspections: tuple[DemoInspection, ...]

    @property
    def pads(self) -> list[LonLat]:
        """Docks then dropoffs."""
        return [(d.lon_deg, d.lat_deg) for d in self.docks] + [d.dropoff for d in self.deliveries]


@dataclass(frozen=True, slots=True)
class ScenarioSize:
    """How big a scenario to generate (the demo's defaults)."""

    drones: int = 12
    robots: int = 4
    docks: int = 3
    deliveries: int = 40
    inspections: int = 2
    min_leg_m: float = 250.0
    max_leg_m: float = 900.0
    pad_margin_m: float = 11.0
    horizon_s: float = 1800.0
    max_inspected_height_m: float = 50.0  # a 2 cm/px survey flies at ~73 m above ground


class _OpenGround:
    """Draws points on open ground (``margin_m`` from every footprint) inside the city."""

    def __init__(self, frame: LocalFrame, footprints: Sequence[Footprint], margin_m: float):
        self.frame = frame
        self.footprints = footprints
        self.polys = footprints_xy(frame, footprints)
        self.tree = STRtree(self.polys)
        self.margin_m = margin_m
        xs = [b for p in self.polys for b in (p.bounds[0], p.bounds[2])]
        ys = [b for p in self.polys for b in (p.bounds[1], p.bounds[3])]
        self.half_extent_m = 0.45 * min(max(xs) - min(xs), max(ys) - min(ys))
        self.half_x_m = 0.5 * (max(xs) - min(xs)) - 40.0
        self.half_y_m = 0.5 * (max(ys) - min(ys)) - 40.0

    def is_open(self, x: float, y: float) -> bool:
        near = self.tree.query(Point(x, y).buffer(self.margin_m))
        return len(near) == 0

    def near(self, rng: random.Random, cx: float, cy: float, lo_m: float, hi_m: float) -> LonLat:
        """A random open point between ``lo_m`` and ``hi_m`` from (cx, cy), inside the city."""
        for _ in range(600):
            r = rng.uniform(lo_m, hi_m)
            a = rng.uniform(0.0, 2.0 * math.pi)
            x, y = cx + r * math.cos(a), cy + r * math.sin(a)
            if max(abs(x), abs(y)) <= self.half_extent_m and self.is_open(x, y):
                return self.frame.to_lonlat(x, y)
        raise ValidationError(f"no open ground {lo_m:.0f}-{hi_m:.0f} m from ({cx:.0f}, {cy:.0f})")


PAD_OFFSETS_M = (
    (-35.0, -17.5),
    (0.0, -17.5),
    (35.0, -17.5),
    (-35.0, 17.5),
    (0.0, 17.5),
    (35.0, 17.5),
)
"""East/north offsets of a dock's pads: take-off columns 35 m apart, so the 15 m lateral
buffers of two vehicles' intents at one dock do not meet."""


def pad_lonlat(dock_lonlat: LonLat, k: int) -> LonLat:
    """The ``k``-th vehicle pad of a dock (cycling through :data:`PAD_OFFSETS_M`)."""
    east, north = PAD_OFFSETS_M[k % len(PAD_OFFSETS_M)]
    return offset_lonlat(*dock_lonlat, east, north)


def _dock_fits(ground: _OpenGround, x: float, y: float) -> bool:
    """Whether every pad of a dock centred at (x, y) is on open ground."""
    return all(ground.is_open(x + east, y + north) for east, north in PAD_OFFSETS_M)


def _docks(ground: _OpenGround, rng: random.Random, size: ScenarioSize) -> list[DemoDock]:
    """Docks in open spaces (parks, plazas) that hold all their pads, spread around the centre.

    Raises:
        ValidationError: the city has too few such spaces.
    """
    hx, hy = ground.half_x_m, ground.half_y_m
    grid = [
        (-hx + 15.0 * i, -hy + 15.0 * j)
        for i in range(int(2 * hx / 15.0) + 1)
        for j in range(int(2 * hy / 15.0) + 1)
    ]
    spots = [(x, y) for x, y in grid if _dock_fits(ground, x, y)]
    docks: list[tuple[float, float]] = []
    for i in range(size.docks):
        a = 2.0 * math.pi * i / size.docks + 0.3
        ideal = (0.4 * hx * math.cos(a), 0.4 * hy * math.sin(a))
        apart = [p for p in spots if all(math.dist(p, d) > 150.0 for d in docks)]
        if not apart:
            raise ValidationError(
                f"the city has no open space for dock {i + 1} (pads need "
                f"{size.pad_margin_m} m from buildings)"
            )
        docks.append(min(apart, key=lambda p: math.dist(p, ideal)))
    return [
        DemoDock(f"dock-{i + 1}", *ground.frame.to_lonlat(x, y)) for i, (x, y) in enumerate(docks)
    ]


def _fleet(size: ScenarioSize, docks: Sequence[DemoDock]) -> list[DemoVehicle]:
    vehicles = [
        DemoVehicle(f"drone-{i + 1:02d}", "multicopter", docks[i % len(docks)].id)
        for i in range(size.drones)
    ]
    vehicles += [
        DemoVehicle(f"robot-{i + 1:02d}", "ground_robot", docks[i % len(docks)].id)
        for i in range(size.robots)
    ]
    return vehicles


def _delivery(
    i: int, ground: _OpenGround, rng: random.Random, dock: DemoDock, size: ScenarioSize
) -> DemoDelivery:
    cx, cy = ground.frame.to_xy(dock.lon_deg, dock.lat_deg)
    dropoff = ground.near(rng, cx, cy, size.min_leg_m, size.max_leg_m)
    roll = rng.random()
    priority = "medical" if roll < 0.15 else "urgent" if roll < 0.35 else "normal"
    relay = priority == "normal" and rng.random() < 0.2
    earliest = rng.uniform(0.0, 0.5 * size.horizon_s)
    slack = 600.0 if priority == "medical" else 1200.0
    return DemoDelivery(
        id=f"delivery-{i + 1:02d}",
        dock_id=dock.id,
        pickup=(dock.lon_deg, dock.lat_deg),
        dropoff=dropoff,
        payload_kg=round(rng.uniform(0.3, 2.5 if priority != "medical" else 1.0), 2),
        priority=priority,
        earliest_pickup_s=round(earliest, 1),
        latest_delivery_s=round(earliest + slack, 1),
        relay=relay,
    )


def _inspection(
    i: int, ground: _OpenGround, rng: random.Random, dock: DemoDock, size: ScenarioSize
) -> DemoInspection:
    """An area 150-300 m from the dock whose buildings (and those within 20 m) are low enough
    to survey over at the GSD's height (the survey flies above everything in it)."""
    cx, cy = ground.frame.to_xy(dock.lon_deg, dock.lat_deg)
    heights = [f.height_agl_m for f in ground.footprints]
    for _ in range(200):
        a, r = rng.uniform(0.0, 2.0 * math.pi), rng.uniform(150.0, 300.0)
        ox, oy = cx + r * math.cos(a), cy + r * math.sin(a)
        w, h = rng.uniform(80.0, 140.0), rng.uniform(60.0, 100.0)
        area = Polygon([(ox, oy), (ox + w, oy), (ox + w, oy + h), (ox, oy + h)])
        near = ground.tree.query(area.buffer(20.0))
        if all(heights[int(k)] <= size.max_inspected_height_m for k in near):
            break
    else:
        raise ValidationError(f"no low-rise area near {dock.id} to inspect")
    corners = list(area.exterior.coords)[:-1]
    return DemoInspection(
        id=f"inspection-{i + 1}",
        dock_id=dock.id,
        area_lonlat=tuple(ground.frame.to_lonlat(x, y) for x, y in corners),
        gsd_cm_per_px=2.0,
        earliest_s=round(rng.uniform(0.0, 0.3 * size.horizon_s), 1),
        latest_s=size.horizon_s * 1.5,
    )


def generate_scenario(
    footprints: Sequence[Footprint], frame: LocalFrame, seed: int, size: ScenarioSize
) -> Scenario:
    """Place docks, fleet and bookings in the city, deterministically for ``seed``.

    Args:
        footprints: the city's buildings.
        frame: local metric frame centred on the city.
        seed: random seed; the same seed and city give the same scenario.
        size: counts and distances.

    Returns:
        The scenario.

    Raises:
        ValidationError: when the city has no open ground where a pad is needed.
    """
    if size.docks < 1 or size.drones < 1:
        raise ValidationError("the demo needs at least one dock and one drone")
    rng = random.Random(seed)
    ground = _OpenGround(frame, footprints, size.pad_margin_m)
    docks = _docks(ground, rng, size)
    deliveries = tuple(
        _delivery(i, ground, rng, docks[i % len(docks)], size) for i in range(size.deliveries)
    )
    inspections = tuple(
        _inspection(i, ground, rng, docks[i % len(docks)], size) for i in range(size.inspections)
    )
    return Scenario(tuple(docks), tuple(_fleet(size, docks)), deliveries, inspections)


def area_polygon(inspection: DemoInspection) -> Polygon:
    """The inspection area as a lon/lat shapely polygon."""
    return Polygon(inspection.area_lonlat)
