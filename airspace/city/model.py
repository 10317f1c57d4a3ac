"""The city model: buildings (footprint, height above ground, ground elevation) in one frame.

A :class:`Building` keeps its footprint twice, in lon/lat (what the file said) and in the city's
local metric frame (what geometry is done in). Heights are above ground (PLATEAU
``measuredHeight``); the ground under a building is AMSL, from LOD1/LOD2 z when the file has it,
else the city's declared default. A height the file did not give is a declared fallback and the
building says so (``height_source`` and ``fallback_height``): nothing is silently invented.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from airspace.frames import FloatArray, LocalFrame

__all__ = ["Building", "City", "HeightSource"]


class HeightSource(StrEnum):
    """Where a building's height came from."""

    MEASURED = "measured"  # bldg:measuredHeight or the file's height property
    STOREYS = "storeys"  # fallback: storeys above ground x storey height
    DEFAULT = "default"  # fallback: the loader's configured default height


@dataclass(frozen=True, eq=False)
class Building:
    """One building (or building part): footprints, height above ground, ground AMSL."""

    id: str
    footprint_lonlat: BaseGeometry
    footprint_local: BaseGeometry
    height_agl_m: float
    ground_amsl_m: float
    height_source: HeightSource = HeightSource.MEASURED
    ground_known: bool = True

    @property
    def fallback_height(self) -> bool:
        """True when the height is a declared fallback, not a measured value."""
        return self.height_source is not HeightSource.MEASURED

    @property
    def top_amsl_m(self) -> float:
        """Altitude of the roof (highest point of the LOD1 block) above mean sea level."""
        return self.ground_amsl_m + self.height_agl_m


@dataclass(frozen=True, eq=False)
class City:
    """Buildings in one local frame, with a spatial index built on first use.

    ``default_ground_amsl_m`` is the ground where no building says otherwise (0 when the source
    carries no elevation, as GeoJSON footprints usually do).
    """

    frame: LocalFrame
    buildings: tuple[Building, ...]
    default_ground_amsl_m: float = 0.0
    name: str = ""
    _by_id: dict[str, Building] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {b.id: b for b in self.buildings})

    def building(self, building_id: str) -> Building:
        """The building with this id (``KeyError`` when absent)."""
        return self._by_id[building_id]

    @cached_property
    def footprints_local(self) -> np.ndarray:
        """Array of local footprints, in building order."""
        return np.array([b.footprint_local for b in self.buildings], dtype=object)

    @cached_property
    def heights_agl_m(self) -> FloatArray:
        """Heights above ground, in building order."""
        return np.array([b.height_agl_m for b in self.buildings], dtype=np.float64)

    @cached_property
    def tops_amsl_m(self) -> FloatArray:
        """Roof altitudes AMSL, in building order."""
        return np.array([b.top_amsl_m for b in self.buildings], dtype=np.float64)

    @cached_property
    def grounds_amsl_m(self) -> FloatArray:
        """Ground altitudes AMSL under each building, in building order."""
        return np.array([b.ground_amsl_m for b in self.buildings], dtype=np.float64)

    @cached_property
    def tree(self) -> shapely.STRtree:
        """STRtree over the local footprints (indices are building order)."""
        return shapely.STRtree(self.footprints_local)

    @cached_property
    def _ground_tree(self) -> tuple[shapely.STRtree, FloatArray] | None:
        known = [i for i, b in enumerate(self.buildings) if b.ground_known]
        if not known:
            return None
        return shapely.STRtree(self.footprints_local[known]), self.grounds_amsl_m[known]

    def ground_amsl_m(self, lon_deg: float, lat_deg: float) -> float:
        """Ground elevation AMSL at a point: that of the nearest building with a known ground.

        Args:
            lon_deg: longitude, degrees.
            lat_deg: latitude, degrees.

        Returns:
            Metres above mean sea level (the default ground when no building knows its own).
        """
        index = self._ground_tree
        if index is None:
            return self.default_ground_amsl_m
        tree, grounds = index
        x, y = self.frame.to_local(lon_deg, lat_deg)
        nearest = tree.nearest(shapely.Point(x, y))
        return float(grounds[int(nearest)])

    def buildings_at(self, x_m: float, y_m: float) -> list[Building]:
        """Buildings whose local footprint contains the local point (boundary included)."""
        hits = self.tree.query(shapely.Point(x_m, y_m), predicate="intersects")
        return [self.buildings[int(i)] for i in hits]

    @property
    def fallback_count(self) -> int:
        """Number of buildings whose height is a declared fallback."""
        return sum(b.fallback_height for b in self.buildings)


def frame_for(footprints_lonlat: Sequence[BaseGeometry]) -> LocalFrame:
    """A local frame centred on the bounding box of these lon/lat footprints."""
    if not footprints_lonlat:
        return LocalFrame(139.7671, 35.6812)
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(footprints_lonlat, dtype=object))
    return LocalFrame(float(minx + maxx) / 2.0, float(miny + maxy) / 2.0)


def to_local(frame: LocalFrame, geom: BaseGeometry) -> BaseGeometry:
    """Project a lon/lat geometry into ``frame`` (vectorised over its coordinates)."""

    def _project(coords: np.ndarray) -> np.ndarray:
        x, y = frame.to_local(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, _project)


def project_all(frame: LocalFrame, geoms_lonlat: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """Project many lon/lat geometries into ``frame`` with one vectorised pyproj call."""
    arr = np.array(geoms_lonlat, dtype=object)

    def _project(coords: np.ndarray) -> np.ndarray:
        x, y = frame.to_local(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return list(shapely.transform(arr, _project))
