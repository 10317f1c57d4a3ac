"""A local metric frame for the demo's measurements, and the building footprints it measures.

The demo measures distances (separation between vehicles, clearance from buildings) in an
azimuthal equidistant projection centred on the city: within a few kilometres of its centre the
scale error is far below a centimetre, which is all the summary needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon


@dataclass(frozen=True, slots=True)
class Footprint:
    """A building as the demo sees it: outline in lon/lat, ground and roof heights AMSL."""

    outline_lonlat: Polygon
    ground_amsl_m: float
    height_agl_m: float

    @property
    def top_amsl_m(self) -> float:
        """Roof height above mean sea level."""
        return self.ground_amsl_m + self.height_agl_m


class LocalFrame:
    """Lon/lat <-> local east/north metres around a centre point (pyproj, ``always_xy``).

    >>> frame = LocalFrame(139.70, 35.69)
    >>> x, y = frame.to_xy(139.70, 35.69)
    >>> round(x, 6), round(y, 6)
    (0.0, 0.0)
    """

    def __init__(self, lon0_deg: float, lat0_deg: float) -> None:
        proj = f"+proj=aeqd +lat_0={lat0_deg} +lon_0={lon0_deg} +datum=WGS84 +units=m"
        self._fwd = Transformer.from_crs("EPSG:4326", proj, always_xy=True)
        self._inv = Transformer.from_crs(proj, "EPSG:4326", always_xy=True)
        self.lon0_deg = lon0_deg
        self.lat0_deg = lat0_deg

    def to_xy(self, lon_deg: float, lat_deg: float) -> tuple[float, float]:
        """Project one lon/lat point to local metres (east, north)."""
        x, y = self._fwd.transform(lon_deg, lat_deg)
        return float(x), float(y)

    def to_lonlat(self, x_m: float, y_m: float) -> tuple[float, float]:
        """Unproject local metres to lon/lat degrees."""
        lon, lat = self._inv.transform(x_m, y_m)
        return float(lon), float(lat)

    def polygon_xy(self, polygon_lonlat: Polygon) -> Polygon:
        """Project a lon/lat polygon to local metres."""
        return self._apply(self._fwd, polygon_lonlat)

    def polygon_lonlat(self, polygon_xy: Polygon) -> Polygon:
        """Unproject a local-metre polygon to lon/lat."""
        return self._apply(self._inv, polygon_xy)

    @staticmethod
    def _apply(transformer: Transformer, polygon: Polygon) -> Polygon:
        def _project(coords: np.ndarray) -> np.ndarray:
            x, y = transformer.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        out = shapely.transform(polygon, _project)
        assert isinstance(out, Polygon)
        return out


def frame_for(footprints: Sequence[Footprint]) -> LocalFrame:
    """A frame centred on the bounding box of ``footprints``.

    Raises:
        ValueError: when ``footprints`` is empty.
    """
    if not footprints:
        raise ValueError("a city without buildings has no centre")
    bounds = [f.outline_lonlat.bounds for f in footprints]
    lon0 = (min(b[0] for b in bounds) + max(b[2] for b in bounds)) / 2.0
    lat0 = (min(b[1] for b in bounds) + max(b[3] for b in bounds)) / 2.0
    return LocalFrame(lon0, lat0)


def footprints_xy(frame: LocalFrame, footprints: Iterable[Footprint]) -> list[Polygon]:
    """Project every footprint outline to local metres, in order."""
    return [frame.polygon_xy(f.outline_lonlat) for f in footprints]
