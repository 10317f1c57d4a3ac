"""GeoJSON building loader: Polygon / MultiPolygon features with a height property.

Heights are metres above ground (``height_m`` in the shared Shinjuku file; the property name is
configurable). A feature whose height is absent or null gets the declared fallback (storeys x
storey height when a ``storeys`` property is present, else the default) and is flagged. A ring
that does not close, a non-numeric height, an unknown CRS or another geometry type raises
:class:`~airspace.errors.DataError` naming the file and the feature index. GeoJSON footprints
carry no ground elevation: buildings get ``default_ground_amsl_m`` (declared, not invented).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from airspace.city.model import Building, City, HeightSource, frame_for, project_all
from airspace.errors import DataError

__all__ = ["load_buildings_geojson", "read_feature_collection"]

_WGS84_NAMES = ("EPSG::4326", "EPSG:4326", "CRS84", "EPSG::6668", "EPSG:6668")


def read_feature_collection(path: Path) -> list[dict[str, Any]]:
    """The features of a GeoJSON FeatureCollection in lon/lat.

    Raises:
        DataError: unreadable JSON, not a FeatureCollection, or a CRS other than WGS84/JGD2011.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: malformed JSON at line {exc.lineno} ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DataError(f"{path}: not a GeoJSON FeatureCollection")
    crs = (data.get("crs") or {}).get("properties", {}).get("name")
    if crs is not None and not any(str(crs).endswith(n) for n in _WGS84_NAMES):
        raise DataError(f"{path}: unsupported CRS {crs!r} (expected lon/lat WGS84)")
    features = data.get("features")
    if not isinstance(features, list):
        raise DataError(f"{path}: 'features' is not a list")
    return features


def polygon_of(path: Path, index: int, feature: dict[str, Any]) -> BaseGeometry:
    """The Polygon/MultiPolygon of a feature, checked (closed rings, valid numbers).

    Raises:
        DataError: names the file and the feature index.
    """
    geom = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
        raise DataError(f"{path}: feature {index}: geometry is not a Polygon or MultiPolygon")
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    try:
        for poly in polys:
            for ring in poly:
                if len(ring) < 4 or list(ring[0][:2]) != list(ring[-1][:2]):
                    raise DataError(f"{path}: feature {index}: polygon ring does not close")
        return shapely.make_valid(shape(geom))
    except (TypeError, ValueError, IndexError, shapely.errors.ShapelyError) as exc:
        raise DataError(f"{path}: feature {index}: bad coordinates ({exc})") from None


def _height(
    path: Path, index: int, props: dict[str, Any], name: str, storey_m: float, default_m: float
) -> tuple[float, HeightSource]:
    raw = props.get(name)
    if raw is not None:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise DataError(f"{path}: feature {index}: non-numeric {name} {raw!r}") from None
        if math.isfinite(value) and value > 0.0 and value not in (-9999.0, 9999.0):
            return value, HeightSource.MEASURED
    storeys = props.get("storeys")
    if isinstance(storeys, (int, float)) and storeys > 0:
        return float(storeys) * storey_m, HeightSource.STOREYS
    return default_m, HeightSource.DEFAULT


def load_buildings_geojson(
    path: str | Path,
    height_property: str = "height_m",
    *,
    storey_height_m: float = 3.5,
    default_height_m: float = 20.0,
    default_ground_amsl_m: float = 0.0,
) -> City:
    """Load building footprints with heights from a GeoJSON FeatureCollection.

    Args:
        path: the ``.geojson`` file (lon/lat).
        height_property: name of the property holding the height above ground in metres.
        storey_height_m: storey height for the ``storeys`` fallback.
        default_height_m: height given (and flagged) when no usable height is present.
        default_ground_amsl_m: ground elevation AMSL given to every building.

    Returns:
        The city, in a local frame centred on the buildings.

    Raises:
        DataError: malformed file or feature; the message names the file and feature index.
    """
    path = Path(path)
    rows = []
    for index, feature in enumerate(read_feature_collection(path)):
        footprint = polygon_of(path, index, feature)
        props = feature.get("properties") or {}
        height, source = _height(
            path, index, props, height_property, storey_height_m, default_height_m
        )
        bid = str(props.get("id", feature.get("id", f"feature-{index}")))
        rows.append((bid, footprint, height, source))
    if not rows:
        raise DataError(f"{path}: no building features")
    frame = frame_for([r[1] for r in rows])
    locals_ = project_all(frame, [r[1] for r in rows])
    buildings = tuple(
        Building(bid, fp, loc, h, default_ground_amsl_m, src, ground_known=False)
        for (bid, fp, h, src), loc in zip(rows, locals_, strict=True)
    )
    return City(frame, buildings, default_ground_amsl_m, name=path.name)
