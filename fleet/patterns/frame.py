"""A local metric frame (transverse Mercator centred on the work area) for pattern geometry.

Distortion of a transverse Mercator projection is below 1e-6 within a few kilometres of its
central meridian and origin, so distances and angles measured in it are those on the ground.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pyproj import Transformer

XY = tuple[float, float]


@dataclass(frozen=True)
class LocalFrame:
    """East/north metres around ``(lon0_deg, lat0_deg)``.

    >>> frame = LocalFrame(139.70, 35.69)
    >>> frame.to_xy([(139.70, 35.69)])
    [(0.0, 0.0)]
    >>> x, y = frame.to_xy([(139.70, 35.70)])[0]
    >>> round(abs(x), 3), round(y)
    (0.0, 1110)
    """

    lon0_deg: float
    lat0_deg: float
    _forward: Transformer = field(init=False, repr=False, compare=False)
    _inverse: Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        proj = (
            f"+proj=tmerc +lat_0={self.lat0_deg} +lon_0={self.lon0_deg} +k=1 "
            "+x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
        )
        object.__setattr__(
            self, "_forward", Transformer.from_crs("EPSG:4326", proj, always_xy=True)
        )
        object.__setattr__(
            self, "_inverse", Transformer.from_crs(proj, "EPSG:4326", always_xy=True)
        )

    @classmethod
    def around(cls, points_lon_lat: Sequence[XY]) -> LocalFrame:
        """A frame centred on the mean of ``points_lon_lat``."""
        lons = [p[0] for p in points_lon_lat]
        lats = [p[1] for p in points_lon_lat]
        return cls(sum(lons) / len(lons), sum(lats) / len(lats))

    def to_xy(self, points_lon_lat: Iterable[XY]) -> list[XY]:
        """Project (lon, lat) points to (east, north) metres."""
        pts = list(points_lon_lat)
        if not pts:
            return []
        xs, ys = self._forward.transform([p[0] for p in pts], [p[1] for p in pts])
        return [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]

    def to_lon_lat(self, points_xy: Iterable[XY]) -> list[XY]:
        """Unproject (east, north) metres to (lon, lat) degrees."""
        pts = list(points_xy)
        if not pts:
            return []
        lons, lats = self._inverse.transform([p[0] for p in pts], [p[1] for p in pts])
        return [(float(lon), float(lat)) for lon, lat in zip(lons, lats, strict=True)]
