"""Local metric frames and altitude datums.

A :class:`LocalFrame` is a per-city projected frame (the UTM zone of its centre, WGS84 datum; at
city scale JGD2011 and WGS84 coincide to a few centimetres) shifted so that its origin is the
city centre: x east and y north in metres, small numbers that keep shapely precise. Every
conversion is lon/lat order (pyproj ``always_xy=True``) and accepts scalars or numpy arrays.

Altitudes: AMSL is the orthometric height of the Japanese vertical datum (what PLATEAU LOD z
values and MAVLink ``alt`` use); W84 is the height above the WGS84 ellipsoid (what ASTM F3548-21
volumes use). They differ by the geoid height N (about 36-40 m around Tokyo):
``alt_w84_m = alt_amsl_m + N``. N comes from GSI's geoid model GSIGEO2011 shipped offline by the
PyPI package ``japan-geoid``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any, overload

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer

from airspace.errors import FrameError

FloatArray = npt.NDArray[np.float64]

__all__ = ["FloatArray", "LocalFrame", "geoid_height_m"]


@cache
def _geoid() -> Any:
    import japan_geoid

    return japan_geoid.load_embedded_gsigeo2011()


def geoid_height_m(lon_deg: float, lat_deg: float) -> float:
    """GSIGEO2011 geoid height N (metres above the WGS84 ellipsoid) at a point in Japan.

    Args:
        lon_deg: longitude, degrees.
        lat_deg: latitude, degrees.

    Returns:
        The geoid height in metres.

    Raises:
        FrameError: the point is outside the model's coverage (Japan).
    """
    n_m = float(_geoid().get_height(float(lon_deg), float(lat_deg)))
    if not math.isfinite(n_m) or abs(n_m) > 200.0:
        raise FrameError(f"no geoid height at lon={lon_deg}, lat={lat_deg}: outside GSIGEO2011")
    return n_m


def _utm_epsg(lon_deg: float, lat_deg: float) -> int:
    zone = int((lon_deg + 180.0) // 6.0) % 60 + 1
    return (32600 if lat_deg >= 0 else 32700) + zone


@dataclass(frozen=True, eq=False)
class LocalFrame:
    """A metric frame centred on ``(lon0_deg, lat0_deg)``: UTM of the centre, shifted to it.

    >>> frame = LocalFrame(139.7671, 35.6812)
    >>> x, y = frame.to_local(139.7671, 35.6812)
    >>> round(abs(x) + abs(y), 6)
    0.0
    """

    lon0_deg: float
    lat0_deg: float
    epsg: int = 0
    _fwd: Transformer = field(init=False, repr=False)
    _inv: Transformer = field(init=False, repr=False)
    _x0: float = field(init=False, repr=False)
    _y0: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not (-180.0 <= self.lon0_deg <= 180.0 and -80.0 <= self.lat0_deg <= 84.0):
            raise FrameError(f"no UTM frame for lon={self.lon0_deg}, lat={self.lat0_deg}")
        epsg = self.epsg or _utm_epsg(self.lon0_deg, self.lat0_deg)
        crs = CRS.from_epsg(epsg)
        fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        x0, y0 = fwd.transform(self.lon0_deg, self.lat0_deg)
        object.__setattr__(self, "epsg", epsg)
        object.__setattr__(self, "_fwd", fwd)
        object.__setattr__(self, "_inv", inv)
        object.__setattr__(self, "_x0", float(x0))
        object.__setattr__(self, "_y0", float(y0))

    @overload
    def to_local(self, lon_deg: float, lat_deg: float) -> tuple[float, float]: ...
    @overload
    def to_local(
        self, lon_deg: FloatArray, lat_deg: FloatArray
    ) -> tuple[FloatArray, FloatArray]: ...
    def to_local(self, lon_deg: Any, lat_deg: Any) -> tuple[Any, Any]:
        """Project lon/lat (degrees, scalars or arrays) to local x east, y north (metres)."""
        x, y = self._fwd.transform(lon_deg, lat_deg)
        if isinstance(x, float):
            return x - self._x0, y - self._y0
        return np.asarray(x) - self._x0, np.asarray(y) - self._y0

    @overload
    def to_lonlat(self, x_m: float, y_m: float) -> tuple[float, float]: ...
    @overload
    def to_lonlat(self, x_m: FloatArray, y_m: FloatArray) -> tuple[FloatArray, FloatArray]: ...
    def to_lonlat(self, x_m: Any, y_m: Any) -> tuple[Any, Any]:
        """Local x, y (metres, scalars or arrays) back to lon/lat (degrees)."""
        if isinstance(x_m, (int, float)):
            lon, lat = self._inv.transform(x_m + self._x0, y_m + self._y0)
            return float(lon), float(lat)
        lon, lat = self._inv.transform(np.asarray(x_m) + self._x0, np.asarray(y_m) + self._y0)
        return np.asarray(lon), np.asarray(lat)

    def amsl_to_w84_m(self, lon_deg: float, lat_deg: float, alt_amsl_m: float) -> float:
        """Orthometric altitude (AMSL) to height above the WGS84 ellipsoid.

        Raises:
            FrameError: the point is outside the geoid model.
        """
        return alt_amsl_m + geoid_height_m(lon_deg, lat_deg)

    def w84_to_amsl_m(self, lon_deg: float, lat_deg: float, alt_w84_m: float) -> float:
        """Height above the WGS84 ellipsoid to orthometric altitude (AMSL).

        Raises:
            FrameError: the point is outside the geoid model.
        """
        return alt_w84_m - geoid_height_m(lon_deg, lat_deg)
