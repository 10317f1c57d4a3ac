"""PLATEAU CityGML building loader (streaming, lxml ``iterparse``).

What it reads, per ``bldg:Building`` (or each of its ``bldg:BuildingPart`` children when it has
them; a parent made of parts often carries no geometry of its own):

- footprint: ``lod0FootPrint``, else ``lod0RoofEdge``, else the lowest face of the LOD1 solid,
  else the LOD2 ``GroundSurface``; polygons are unioned;
- height above ground: ``bldg:measuredHeight``; absent, -9999 or 9999 means missing, and the
  building then gets a declared fallback (``storeysAboveGround`` x storey height, else a
  configurable default), flagged in :class:`~airspace.city.model.HeightSource`;
- ground AMSL: lowest z of its LOD1/LOD2 geometry (PLATEAU z is orthometric);
- id: ``uro:buildingID`` when present (i-UR namespaces differ between versions, so elements are
  matched by local name), else ``gml:id``.

Coordinates in EPSG:6697 (and 6668/4326) are ``lat lon [h]``: they are swapped to lon/lat here.
Any malformed input raises :class:`~airspace.errors.DataError` naming the file and the element;
the whole file is read before a :class:`City` is built, so no half-built city escapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import shapely
from lxml import etree
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from airspace.city.model import Building, City, HeightSource, frame_for, project_all
from airspace.errors import DataError

__all__ = ["load_citygml"]

_LATLON_EPSG = {"6697", "6668", "4326", "4612"}
_MISSING = (-9999.0, 9999.0)
_FOOTPRINT_TAGS = ("lod0FootPrint", "lod0RoofEdge")


@dataclass(frozen=True)
class _Raw:
    id: str
    footprint: BaseGeometry
    height_agl_m: float
    source: HeightSource
    ground_amsl_m: float | None


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _where(path: Path, el: etree._Element) -> str:
    return f"{path}: line {el.sourceline}, <{_local(el)}>"


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and _local(c) == name]


def _descendants(el: etree._Element, name: str) -> list[etree._Element]:
    return list(el.iter(f"{{*}}{name}"))


def _own_descendants(el: etree._Element, name: str) -> list[etree._Element]:
    """Descendants named ``name`` that do not belong to a nested BuildingPart."""
    out = []
    for d in el.iter(f"{{*}}{name}"):
        p = d.getparent()
        while p is not None and p is not el and _local(p) != "BuildingPart":
            p = p.getparent()
        if p is el:
            out.append(d)
    return out


def _ring(path: Path, pos_list: etree._Element) -> list[tuple[float, float, float]]:
    dim = int(pos_list.get("srsDimension") or 3)
    try:
        values = [float(v) for v in (pos_list.text or "").split()]
    except ValueError as exc:
        raise DataError(f"{_where(path, pos_list)}: non-numeric coordinate ({exc})") from None
    if dim not in (2, 3) or len(values) % dim or len(values) < 4 * dim:
        raise DataError(f"{_where(path, pos_list)}: {len(values)} numbers is not a ring")
    pts = [tuple(values[i : i + dim]) for i in range(0, len(values), dim)]
    if pts[0] != pts[-1]:
        raise DataError(f"{_where(path, pos_list)}: polygon ring does not close")
    # lat lon [h] -> lon, lat, h
    return [(p[1], p[0], p[2] if dim == 3 else math.nan) for p in pts]


def _polygons(path: Path, container: etree._Element) -> list[tuple[Polygon, float]]:
    """(lon/lat polygon, min z) for every gml:Polygon under ``container``."""
    out = []
    for poly in _descendants(container, "Polygon"):
        rings = []
        for part in ("exterior", "interior"):
            for bound in _children(poly, part):
                for pos_list in _descendants(bound, "posList"):
                    rings.append(_ring(path, pos_list))
        if not rings:
            raise DataError(f"{_where(path, poly)}: polygon without a gml:posList")
        shell, holes = rings[0], rings[1:]
        geom = Polygon([p[:2] for p in shell], [[p[:2] for p in h] for h in holes])
        min_z = min(p[2] for p in shell)
        out.append((geom, min_z))
    return out


def _footprint(path: Path, el: etree._Element) -> BaseGeometry | None:
    for tag in _FOOTPRINT_TAGS:
        for container in _own_descendants(el, tag):
            polys = [p for p, _ in _polygons(path, container)]
            if polys:
                return shapely.make_valid(shapely.union_all(polys))
    for tag in ("lod1Solid", "GroundSurface"):
        faces = [f for c in _own_descendants(el, tag) for f in _polygons(path, c)]
        if faces:
            low = min(z for _, z in faces)
            flat = [p for p, z in faces if abs(z - low) < 0.05 and p.area > 0]
            if flat:
                return shapely.make_valid(shapely.union_all(flat))
    return None


def _ground(path: Path, el: etree._Element) -> float | None:
    zs = [
        z
        for tag in ("lod1Solid", "lod2Solid", "lod2MultiSurface", "GroundSurface")
        for c in _own_descendants(el, tag)
        for _, z in _polygons(path, c)
        if math.isfinite(z) and z not in _MISSING
    ]
    return min(zs) if zs else None


def _number(path: Path, el: etree._Element | None) -> float | None:
    if el is None:
        return None
    try:
        value = float((el.text or "").strip())
    except ValueError:
        raise DataError(f"{_where(path, el)}: non-numeric value {el.text!r}") from None
    if not math.isfinite(value) or value in _MISSING or value <= 0.0:
        return None
    return value


def _first(el: etree._Element, name: str) -> etree._Element | None:
    found = _own_descendants(el, name)
    return found[0] if found else None


def _height(
    path: Path, el: etree._Element, storey_m: float, default_m: float
) -> tuple[float, HeightSource]:
    measured = _number(path, _first(el, "measuredHeight"))
    if measured is not None:
        return measured, HeightSource.MEASURED
    storeys = _number(path, _first(el, "storeysAboveGround"))
    if storeys is not None:
        return storeys * storey_m, HeightSource.STOREYS
    return default_m, HeightSource.DEFAULT


def _building_id(el: etree._Element, fallback: str) -> str:
    found = _own_descendants(el, "buildingID")
    if found and (found[0].text or "").strip():
        return (found[0].text or "").strip()
    gml_id = next((v for k, v in el.attrib.items() if etree.QName(k).localname == "id"), None)
    return str(gml_id or fallback)


def _read_building(path: Path, el: etree._Element, storey_m: float, default_m: float) -> list[_Raw]:
    parts = _descendants(el, "BuildingPart")
    base_id = _building_id(el, f"building@{el.sourceline}")
    targets = [(el, base_id)] if not parts else []
    for k, part in enumerate(parts):
        part_id = _building_id(part, "")
        targets.append((part, part_id if part_id and part_id != base_id else f"{base_id}#{k}"))
    out = []
    for target, bid in targets:
        footprint = _footprint(path, target)
        if footprint is None or footprint.is_empty:
            raise DataError(f"{_where(path, target)}: building {bid} has no footprint geometry")
        height, source = _height(path, target, storey_m, default_m)
        out.append(_Raw(bid, footprint, height, source, _ground(path, target)))
    return out


def _check_crs(path: Path, el: etree._Element) -> None:
    srs = el.get("srsName")
    if srs is None:
        return
    code = srs.rstrip("/").replace(":", "/").split("/")[-1]
    if code not in _LATLON_EPSG:
        raise DataError(f"{_where(path, el)}: unsupported CRS {srs!r} (expected EPSG:6697)")


def _read_all(path: Path, storey_m: float, default_m: float) -> list[_Raw]:
    raws: list[_Raw] = []
    tags = ("{*}Building", "{*}Envelope")
    try:
        with path.open("rb") as fh:
            for _, el in etree.iterparse(fh, events=("end",), tag=tags):
                if _local(el) == "Envelope":
                    _check_crs(path, el)
                    continue
                parent = el.getparent()
                if parent is not None and _local(parent) == "consistsOfBuildingPart":
                    continue
                raws.extend(_read_building(path, el, storey_m, default_m))
                el.clear()
    except etree.XMLSyntaxError as exc:
        raise DataError(f"{path}: malformed XML ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    return raws


def load_citygml(
    path: str | Path,
    *,
    storey_height_m: float = 3.5,
    default_height_m: float = 20.0,
    default_ground_amsl_m: float | None = None,
) -> City:
    """Load the buildings of a PLATEAU CityGML file.

    Args:
        path: the ``.gml`` file.
        storey_height_m: storey height for the storeys fallback.
        default_height_m: height given (and flagged) when neither measuredHeight nor storeys is
            usable.
        default_ground_amsl_m: ground for buildings without LOD1/LOD2 z; ``None`` uses the
            median of the known grounds (0 when none is known).

    Returns:
        The city, in a local frame centred on the file's buildings.

    Raises:
        DataError: malformed XML, an unclosed ring, a non-numeric value, an unsupported CRS, or
            a building without any footprint; the message names the file and the element.
    """
    path = Path(path)
    raws = _read_all(path, storey_height_m, default_height_m)
    if not raws:
        raise DataError(f"{path}: no bldg:Building found")
    known = sorted(r.ground_amsl_m for r in raws if r.ground_amsl_m is not None)
    if default_ground_amsl_m is None:
        default_ground_amsl_m = known[len(known) // 2] if known else 0.0
    frame = frame_for([r.footprint for r in raws])
    locals_ = project_all(frame, [r.footprint for r in raws])
    buildings = tuple(
        Building(
            id=r.id,
            footprint_lonlat=r.footprint,
            footprint_local=loc,
            height_agl_m=r.height_agl_m,
            ground_amsl_m=r.ground_amsl_m if r.ground_amsl_m is not None else default_ground_amsl_m,
            height_source=r.source,
            ground_known=r.ground_amsl_m is not None,
        )
        for r, loc in zip(raws, locals_, strict=True)
    )
    return City(frame, buildings, default_ground_amsl_m, name=path.name)
