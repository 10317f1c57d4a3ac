"""GeoJSON building loader: Polygon / MultiPolygon features with a height property.

Heights are metres above ground (``height_m`` in the shared Shinjuku file; the property name is
configurable). A feature whose height is absent or null gets the declared fallback (storeys x
storey height when a ``storeys`` property is present, else the default) and is flagged. A ring
that does not close, a non-numeric height, an unknown CRS or another geometry type raises
:class:`~airspace.errors.DataError` naming the file and the feature index.

GeoJSON has no standard ground elevation; the ground under a building (metres AMSL) is, first
found: the feature's ``ground_m`` property, the FeatureCollection's top-level ``ground_amsl_m``
member, the caller's ``default_ground_amsl_m`` (``skyfleet plan --ground-amsl-m``,
``SKYFLEET_GROUND_AMSL_M``), else 0. The data's own value wins over a setting, as CityGML keeps
its LOD z. A ground that is not a number in -500..9000 m raises naming the file and the feature.

>>> import json, tempfile
>>> square = [[[139.70, 35.69], [139.7001, 35.69], [139.7001, 35.6901], [139.70, 35.69]]]
>>> feature = {"type": "Feature", "properties": {"height_m": 30},
...            "geometry": {"type": "Polygon", "coordinates": square}}
>>> data = {"type": "FeatureCollection", "ground_amsl_m": 38.5, "features": [feature]}
>>> with tempfile.TemporaryDirectory() as folder:
...     path = Path(folder) / "city.geojson"
...     _ = path.write_text(json.dumps(data))
...     city = load_buildings_geojson(path)
>>> city.buildings[0].ground_amsl_m, city.buildings[0].top_amsl_m
(38.5, 68.5)
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
GROUND_PROPERTY = "ground_m"
FILE_GROUND_MEMBER = "ground_amsl_m"
GROUND_RANGE_AMSL_M = (-500.0, 9000.0)  # below the Dead Sea shore, above Everest: a typo


def check_ground_amsl_m(raw: object, where: str) -> float:
    """A ground elevation (metres AMSL) checked: a finite number in :data:`GROUND_RANGE_AMSL_M`.

    Args:
        raw: the value as read (JSON number, or a setting).
        where: what to name in the error (file and feature, or the setting).

    Raises:
        DataError: ``where``, the value and what was expected.

    >>> check_ground_amsl_m(40, "x")
    40.0
    >>> check_ground_amsl_m("forty", "c.geojson: feature 3: ground_m")
    Traceback (most recent call last):
    airspace.errors.DataError: c.geojson: feature 3: ground_m 'forty' is not a number (metres AMSL)
    """
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise DataError(f"{where} {raw!r} is not a number (metres AMSL)")
    try:
        value = float(raw)
    except ValueError:
        raise DataError(f"{where} {raw!r} is not a number (metres AMSL)") from None
    low, high = GROUND_RANGE_AMSL_M
    if not low <= value <= high:  # NaN fails too
        raise DataError(f"{where} {raw!r} is outside {low:g}..{high:g} m AMSL")
    return value


def read_feature_collection(path: Path) -> list[dict[str, Any]]:
    """The features of a GeoJSON FeatureCollection in lon/lat.

    Raises:
        DataError: unreadable JSON, not a FeatureCollection, or a CRS other than WGS84/JGD2011.
    """
    return _read_collection(path)["features"]  # type: ignore[no-any-return]


def _read_collection(path: Path) -> dict[str, Any]:
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
    return data


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
    default_ground_amsl_m: float | None = None,
) -> City:
    """Load building footprints with heights from a GeoJSON FeatureCollection.

    Args:
        path: the ``.geojson`` file (lon/lat).
        height_property: name of the property holding the height above ground in metres.
        storey_height_m: storey height for the ``storeys`` fallback.
        default_height_m: height given (and flagged) when no usable height is present.
        default_ground_amsl_m: ground elevation AMSL of the buildings for which neither the
            feature (``ground_m``) nor the file (``ground_amsl_m``) gives one; ``None``: 0.

    Returns:
        The city, in a local frame centred on the buildings.

    Raises:
        DataError: malformed file or feature (a bad height or ground included); the message
            names the file and feature index.
    """
    path = Path(path)
    data = _read_collection(path)
    city_ground_m = _file_ground(path, data, default_ground_amsl_m)
    declared = city_ground_m is not None  # by the file or the caller: as good as a feature's
    rows = []
    for index, feature in enumerate(data["features"]):
        footprint = polygon_of(path, index, feature)
        props = feature.get("properties") or {}
        height, source = _height(
            path, index, props, height_property, storey_height_m, default_height_m
        )
        bid = str(props.get("id", feature.get("id", f"feature-{index}")))
        ground_m = _feature_ground(path, index, bid, props)
        rows.append((bid, footprint, height, source, ground_m))
    if not rows:
        raise DataError(f"{path}: no building features")
    frame = frame_for([r[1] for r in rows])
    locals_ = project_all(frame, [r[1] for r in rows])
    fallback_m = 0.0 if city_ground_m is None else city_ground_m
    buildings = tuple(
        Building(
            bid,
            fp,
            loc,
            h,
            fallback_m if g is None else g,
            src,
            ground_known=declared or g is not None,
        )
        for (bid, fp, h, src, g), loc in zip(rows, locals_, strict=True)
    )
    return City(frame, buildings, fallback_m, name=path.name)


def _file_ground(path: Path, data: dict[str, Any], default_m: float | None) -> float | None:
    """The city-wide ground: the file's top-level member, else the caller's, else ``None``."""
    if data.get(FILE_GROUND_MEMBER) is not None:
        return check_ground_amsl_m(data[FILE_GROUND_MEMBER], f"{path}: {FILE_GROUND_MEMBER}")
    return default_m


def _feature_ground(path: Path, index: int, bid: str, props: dict[str, Any]) -> float | None:
    raw = props.get(GROUND_PROPERTY)
    if raw is None:
        return None
    return check_ground_amsl_m(raw, f"{path}: feature {index} ({bid}): {GROUND_PROPERTY}")
