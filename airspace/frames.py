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

Short distances straight from lon/lat, without a frame, go through :func:`ground_distance_m`,
:func:`offset_lonlat` and, for outer bounds, :func:`covering_offset_deg`: one earth model (the
WGS84 ellipsoid's radii of curvature) instead of a constant per call site.
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

__all__ = [
    "M_PER_DEG_MIN",
    "FloatArray",
    "LocalFrame",
    "covering_offset_deg",
    "geoid_height_m",
    "ground_distance_m",
    "metres_per_degree",
    "offset_lonlat",
]

_WGS84_A_M = 6_378_137.0
_WGS84_E2 = 6.694379990141317e-3  # first eccentricity squared
M_PER_DEG_MIN = 110_574.0
"""The fewest metres a degree spans: WGS84's meridian degree at the equator. Every degree of
latitude, and every degree of longitude times ``1 / cos(lat)``, spans at least this much on the
ellipsoid and on the mean sphere (6,371 km, 111,195 m per degree): so degrees computed with it
bound a shape drawn with either model."""


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


def metres_per_degree(lat_deg: float) -> tuple[float, float]:
    """Metres per degree of longitude (east) and of latitude (north) at a latitude, WGS84.

    >>> [round(m, 1) for m in metres_per_degree(0.0)]
    [111319.5, 110574.3]
    >>> [round(m, 1) for m in metres_per_degree(35.69)]
    [90515.2, 110953.3]
    """
    phi = math.radians(lat_deg)
    w = math.sqrt(1.0 - _WGS84_E2 * math.sin(phi) ** 2)
    prime_vertical_m = _WGS84_A_M / w
    meridian_m = _WGS84_A_M * (1.0 - _WGS84_E2) / w**3
    per_rad = math.pi / 180.0
    return prime_vertical_m * math.cos(phi) * per_rad, meridian_m * per_rad


def ground_distance_m(lon1_deg: float, lat1_deg: float, lon2_deg: float, lat2_deg: float) -> float:
    """Horizontal distance between two lon/lat points, metres.

    Equirectangular with the WGS84 radii at the mean latitude: within a few centimetres of the
    geodesic over a city (1e-5 relative at 10 km around Tokyo), the figure the code needs for
    legs, tracks and acceptance radii. Use a :class:`LocalFrame` for geometry.

    >>> round(ground_distance_m(139.70, 35.69, 139.71, 35.70), 2)
    1431.87
    >>> ground_distance_m(139.7, 35.69, 139.7, 35.69)
    0.0
    """
    m_lon, m_lat = metres_per_degree(0.5 * (lat1_deg + lat2_deg))
    return math.hypot((lon2_deg - lon1_deg) * m_lon, (lat2_deg - lat1_deg) * m_lat)


def offset_lonlat(
    lon_deg: float, lat_deg: float, east_m: float, north_m: float
) -> tuple[float, float]:
    """The lon/lat ``east_m`` east and ``north_m`` north of a point (WGS84, short offsets).

    The inverse of :func:`ground_distance_m` to the same accuracy.

    >>> lon, lat = offset_lonlat(139.70, 35.69, 300.0, -400.0)
    >>> round(ground_distance_m(139.70, 35.69, lon, lat), 3)
    500.0
    """
    mid_lat_deg = lat_deg + 0.5 * north_m / metres_per_degree(lat_deg)[1]
    m_lon, m_lat = metres_per_degree(mid_lat_deg)  # the mean latitude, as the distance uses
    return lon_deg + east_m / m_lon, lat_deg + north_m / m_lat


def covering_offset_deg(distance_m: float, lat_deg: float) -> tuple[float, float]:
    """Degrees of longitude and latitude that span at least ``distance_m`` around ``lat_deg``.

    For outer bounds (a circle's bounding box, a circle as a polygon that must contain it): built
    on :data:`M_PER_DEG_MIN`, so the result covers the distance whichever earth model drew the
    shape, with up to 0.7 % to spare.

    >>> dlon, dlat = covering_offset_deg(1000.0, 35.69)
    >>> dlat * metres_per_degree(35.69)[1] >= 1000.0, dlon * metres_per_degree(35.69)[0] >= 1000.0
    (True, True)
    """
    dlat = distance_m / M_PER_DEG_MIN
    return dlat / max(math.cos(math.radians(lat_deg)), 1e-9), dlat


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
