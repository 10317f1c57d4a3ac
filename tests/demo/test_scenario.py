"""The demo scenario: deterministic, pads on open ground, the fleet and bookings it promises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from fleet.demo.geo import Footprint, LocalFrame, footprints_xy
from fleet.demo.scenario import ScenarioSize, generate_scenario

FRAME = LocalFrame(139.70, 35.69)


PARKS = {(i, j) for a in (2, 7, 12) for b in (2, 7, 12) for i in (a, a + 1) for j in (b, b + 1)}


def _grid_city() -> list[Footprint]:
    """A 1.2 km x 1.2 km grid of 60 m blocks separated by 20 m streets, with nine 140 m parks."""
    out = []
    for i in range(15):
        for j in range(15):
            if (i, j) in PARKS:
                continue
            x0, y0 = -600.0 + 80.0 * i, -600.0 + 80.0 * j
            ring = [FRAME.to_lonlat(x, y) for x, y in box(x0, y0, x0 + 60, y0 + 60).exterior.coords]
            out.append(Footprint(Polygon(ring), 40.0, 10.0 + (i * 7 + j * 13) % 50))
    return out


CITY = _grid_city()


def test_default_size_gives_the_promised_fleet_and_bookings() -> None:
    sc = generate_scenario(CITY, FRAME, seed=1, size=ScenarioSize())
    kinds = [v.kind for v in sc.vehicles]
    assert kinds.count("multicopter") == 12 and kinds.count("ground_robot") == 4
    assert len(sc.docks) == 3 and len(sc.deliveries) == 40 and len(sc.inspections) == 2
    assert any(d.priority == "medical" for d in sc.deliveries)
    assert any(d.relay for d in sc.deliveries)
    assert {v.dock_id for v in sc.vehicles} == {d.id for d in sc.docks}


@settings(max_examples=2, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_pads_keep_their_margin_from_every_building_and_seed_is_deterministic(seed: int) -> None:
    size = ScenarioSize(deliveries=10, inspections=1, pad_margin_m=6.0)
    sc = generate_scenario(CITY, FRAME, seed=seed, size=size)
    assert sc == generate_scenario(CITY, FRAME, seed=seed, size=size)
    polys = footprints_xy(FRAME, CITY)
    for lon, lat in sc.pads:
        p = Point(FRAME.to_xy(lon, lat))
        assert min(poly.distance(p) for poly in polys) >= size.pad_margin_m - 0.01
    for d in sc.deliveries:
        assert d.earliest_pickup_s < d.latest_delivery_s
