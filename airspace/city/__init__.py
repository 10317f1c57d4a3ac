"""The city model and its loaders: PLATEAU CityGML, GeoJSON footprints, a generated district.

>>> from airspace.city import generate_city
>>> len(generate_city(seed=1, n_buildings=50).buildings)
50
"""

from __future__ import annotations

from pathlib import Path

from airspace.city.citygml import load_citygml
from airspace.city.generated import TOKYO_STATION_LONLAT, generate_city
from airspace.city.geojson import load_buildings_geojson
from airspace.city.model import Building, City, HeightSource
from airspace.errors import DataError

__all__ = [
    "TOKYO_STATION_LONLAT",
    "Building",
    "City",
    "HeightSource",
    "generate_city",
    "load_buildings_geojson",
    "load_city",
    "load_citygml",
]


def load_city(
    path: str | Path, *, height_property: str = "height_m", ground_amsl_m: float | None = None
) -> City:
    """Load a city from a file, choosing the loader by suffix (.gml/.xml, .geojson/.json).

    Args:
        path: the building file.
        height_property: GeoJSON property holding the height above ground.
        ground_amsl_m: ground elevation for GeoJSON buildings whose feature and file give none
            (CityGML keeps its own LOD z); ``None``: 0.

    Raises:
        DataError: unknown suffix, or the loader's own errors.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".gml", ".xml", ".citygml"):
        return load_citygml(path)
    if suffix in (".geojson", ".json"):
        return load_buildings_geojson(path, height_property, default_ground_amsl_m=ground_amsl_m)
    raise DataError(f"{path}: unknown building file type {suffix!r} (expected .gml or .geojson)")
