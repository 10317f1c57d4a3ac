"""The uploaded building data, kept in the database so a restart plans over it again.

``POST /buildings`` stores the file as uploaded (the latest upload replaces the previous one)
in the same transaction as its audit entry; at start the service parses the stored file again
with the same loader. A stored upload takes precedence over ``SKYFLEET_BUILDINGS_PATH``: it is
newer than the configuration, and the intents booked since were planned over it.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, delete, select

from airspace.city import City, load_city
from airspace.errors import DataError
from fleet.storage.audit import record
from fleet.storage.tables import BuildingFile


def city_from_bytes(
    data: bytes, suffix: str, *, ground_amsl_m: float | None = None, name: str = "upload"
) -> City:
    """Parse a building file's bytes with the loader of its suffix (``.gml``, ``.geojson``...).

    Args:
        data: the file's bytes.
        suffix: its suffix, which chooses the loader.
        ground_amsl_m: ground of a GeoJSON city whose file gives none (``SKYFLEET_GROUND_AMSL_M``).
        name: the uploaded file's name, which errors name (``name: feature 3: ...``).

    Raises:
        airspace.errors.DataError: not a building file of that type.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            return load_city(path, ground_amsl_m=ground_amsl_m)
        except DataError as exc:  # name the upload, not the temporary copy
            raise DataError(str(exc).replace(str(path), name)) from None


def save_upload(
    session: Session,
    upload: BuildingFile,
    *,
    operator_id: int,
    now: datetime,
) -> None:
    """Keep ``upload`` as the one stored building file, audited; commits."""
    session.exec(delete(BuildingFile))
    session.add(upload)
    record(
        session,
        actor=upload.uploaded_by,
        action="buildings.import",
        target_type="city",
        target_id=upload.name[:60],
        operator_id=operator_id,
        detail={"buildings": upload.buildings, "bytes": upload.size_bytes, "sha256": upload.sha256},
        clock=lambda: now,
    )
    session.commit()


def building_file(
    name: str, suffix: str, data: bytes, buildings: int, *, operator_id: int, actor: str
) -> BuildingFile:
    """The row storing an uploaded file."""
    return BuildingFile(
        operator_id=operator_id,
        name=name[:200],
        suffix=suffix,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        buildings=buildings,
        content=data,
        uploaded_by=actor[:200],
    )


def stored_city(session: Session, *, ground_amsl_m: float | None = None) -> tuple[str, City] | None:
    """The stored upload's name and its city, parsed again; ``None`` when nothing was uploaded.

    ``ground_amsl_m`` is the configured ground, as for :func:`city_from_bytes`.
    """
    row = session.exec(select(BuildingFile).order_by(col(BuildingFile.id).desc())).first()
    if row is None:
        return None
    return row.name, city_from_bytes(
        row.content, row.suffix, ground_amsl_m=ground_amsl_m, name=row.name
    )
