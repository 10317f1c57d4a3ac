"""A deterministic generated city: a plausible dense Japanese district for demos and scale tests.

Blocks of about 100 m x 70 m separated by 12 m streets, with a 25 m avenue every fifth block and
some blocks left open (parks, plazas); each block is cut into two rows of narrow lots (8-24 m
frontage) holding one building each, set back from the lot lines. Heights: mostly low-rise
(3-9 storeys), some mid-rise, a few towers up to ~230 m. The same seed always yields the same
city; the ground is flat at ``ground_amsl_m``.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from airspace.city.model import Building, City, HeightSource
from airspace.frames import LocalFrame

__all__ = ["TOKYO_STATION_LONLAT", "generate_city"]

TOKYO_STATION_LONLAT = (139.7671, 35.6812)
_BLOCK_W_M, _BLOCK_H_M = 100.0, 70.0
_STREET_M, _AVENUE_M = 12.0, 25.0
_SETBACK_M = 1.5


def _heights_m(rng: np.random.Generator, n: int) -> np.ndarray:
    kind = rng.random(n)
    low = rng.lognormal(math.log(13.0), 0.35, n).clip(4.0, 28.0)
    mid = rng.uniform(30.0, 60.0, n)
    tower = rng.uniform(60.0, 230.0, n)
    return np.round(np.where(kind < 0.85, low, np.where(kind < 0.97, mid, tower)), 1)


def _axis(count: int, size_m: float) -> np.ndarray:
    gaps = np.where(np.arange(count) % 5 == 0, _AVENUE_M, _STREET_M)
    return np.concatenate([[0.0], np.cumsum(size_m + gaps)[:-1]]) + gaps / 2


def _block_lots(rng: np.random.Generator, x0: float, y0: float) -> list[tuple[float, ...]]:
    lots: list[tuple[float, ...]] = []
    row_h = _BLOCK_H_M / 2.0
    for row in range(2):
        x = x0
        while x < x0 + _BLOCK_W_M - 8.0:
            w = min(float(rng.uniform(8.0, 24.0)), x0 + _BLOCK_W_M - x)
            depth = row_h * float(rng.uniform(0.6, 1.0))
            y_lo = y0 + row * row_h + (0.0 if row == 1 else row_h - depth)
            lots.append((x, y_lo, x + w, y_lo + depth))
            x += w
    return lots


def generate_city(
    seed: int,
    n_buildings: int = 2000,
    *,
    center_lonlat: tuple[float, float] = TOKYO_STATION_LONLAT,
    park_fraction: float = 0.08,
    ground_amsl_m: float = 4.0,
) -> City:
    """Generate a deterministic dense district of about ``n_buildings`` buildings.

    Args:
        seed: random seed; the same seed gives the same city.
        n_buildings: number of buildings (exact).
        center_lonlat: lon/lat of the district centre (default: Tokyo station).
        park_fraction: fraction of blocks left open.
        ground_amsl_m: flat ground elevation.

    Returns:
        The city, in a local frame centred on ``center_lonlat``.

    Raises:
        ValueError: ``n_buildings`` is not positive.
    """
    if n_buildings <= 0:
        raise ValueError("n_buildings must be positive")
    rng = np.random.default_rng(seed)
    n_blocks = math.ceil(n_buildings / 10.0 / (1.0 - park_fraction)) + 1
    cols = math.ceil(math.sqrt(n_blocks * _BLOCK_H_M / _BLOCK_W_M))
    rows = math.ceil(n_blocks / cols)
    xs, ys = _axis(cols, _BLOCK_W_M), _axis(rows, _BLOCK_H_M)
    span_x, span_y = xs[-1] + _BLOCK_W_M, ys[-1] + _BLOCK_H_M
    boxes: list[tuple[float, ...]] = []
    for y0 in ys:
        for x0 in xs:
            if rng.random() >= park_fraction:
                boxes.extend(_block_lots(rng, x0 - span_x / 2, y0 - span_y / 2))
            if len(boxes) >= n_buildings:
                break
        if len(boxes) >= n_buildings:
            break
    while len(boxes) < n_buildings:  # the grid estimate fell short: add a row of blocks
        y0 = ys[-1] + (len(boxes) // 1000 + 1) * (_BLOCK_H_M + _STREET_M)
        for x0 in xs:
            boxes.extend(_block_lots(rng, x0 - span_x / 2, y0 - span_y / 2))
    arr = np.array(boxes[:n_buildings])
    arr[:, [0, 2]] -= (arr[:, 0].min() + arr[:, 2].max()) / 2  # centre the district on the frame
    arr[:, [1, 3]] -= (arr[:, 1].min() + arr[:, 3].max()) / 2
    local = shapely.box(
        arr[:, 0] + _SETBACK_M,
        arr[:, 1] + _SETBACK_M,
        arr[:, 2] - _SETBACK_M,
        arr[:, 3] - _SETBACK_M,
    )
    heights = _heights_m(rng, n_buildings)
    frame = LocalFrame(*center_lonlat)

    def _to_lonlat(coords: np.ndarray) -> np.ndarray:
        lon, lat = frame.to_lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    lonlat = shapely.transform(local, _to_lonlat)
    buildings = tuple(
        Building(
            f"gen-{seed}-{i}",
            lonlat[i],
            local[i],
            float(heights[i]),
            ground_amsl_m,
            HeightSource.MEASURED,
            ground_known=True,
        )
        for i in range(n_buildings)
    )
    return City(frame, buildings, ground_amsl_m, name=f"generated(seed={seed}, n={n_buildings})")
