"""Operational intents in the database: indexed columns from F3548 JSON, queries, ending.

The database is the source of truth for the airspace: every reservation loads the live
intents it could conflict with from here (see :mod:`fleet.service.reservations`), so several
service processes and restarts all see one airspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from airspace.frames import covering_offset_deg
from fleet.storage.audit import record
from fleet.storage.tables import IntentRow

Json = dict[str, Any]


def _time(t: Json) -> datetime:
    return datetime.fromisoformat(str(t["value"]).replace("Z", "+00:00"))


def volume_bounds(volume4d: Json) -> tuple[float, float, float, float]:
    """``(min_lon, min_lat, max_lon, max_lat)`` of one F3548 ``Volume4D``, in degrees."""
    v3 = volume4d["volume"]
    if v3.get("outline_circle"):
        circle = v3["outline_circle"]
        lat, lon = circle["center"]["lat"], circle["center"]["lng"]
        dlon, dlat = covering_offset_deg(circle["radius"]["value"], lat)  # boxes come out larger
        return lon - dlon, lat - dlat, lon + dlon, lat + dlat
    vertices = v3["outline_polygon"]["vertices"]
    lons = [p["lng"] for p in vertices]
    lats = [p["lat"] for p in vertices]
    return min(lons), min(lats), max(lons), max(lats)


def envelope(volumes: Sequence[Json]) -> Json:
    """The indexed columns covering ``volumes``: time window, W84 band and lon/lat box.

    Raises:
        ValueError: no volumes.
    """
    if not volumes:
        raise ValueError("an intent needs at least one volume")
    boxes = [volume_bounds(v) for v in volumes]
    return {
        "time_start": min(_time(v["time_start"]) for v in volumes),
        "time_end": max(_time(v["time_end"]) for v in volumes),
        "alt_lower_w84_m": min(v["volume"]["altitude_lower"]["value"] for v in volumes),
        "alt_upper_w84_m": max(v["volume"]["altitude_upper"]["value"] for v in volumes),
        "min_lon_deg": min(b[0] for b in boxes),
        "min_lat_deg": min(b[1] for b in boxes),
        "max_lon_deg": max(b[2] for b in boxes),
        "max_lat_deg": max(b[3] for b in boxes),
    }


def intent_volumes(f3548: Json) -> list[Json]:
    """Nominal and off-nominal volumes of an F3548 intent JSON."""
    details = f3548.get("details", {})
    return list(details.get("volumes", [])) + list(details.get("off_nominal_volumes", []))


def overlapping(env: Json, pad_deg: float = 1e-4) -> ColumnElement[bool]:
    """SQL condition: a live intent whose envelope meets ``env`` (a prefilter, not the test)."""
    return and_(
        col(IntentRow.live).is_(True),
        col(IntentRow.time_start) < env["time_end"],
        col(IntentRow.time_end) > env["time_start"],
        col(IntentRow.alt_lower_w84_m) < env["alt_upper_w84_m"] + 1.0,
        col(IntentRow.alt_upper_w84_m) > env["alt_lower_w84_m"] - 1.0,
        col(IntentRow.min_lon_deg) <= env["max_lon_deg"] + pad_deg,
        col(IntentRow.max_lon_deg) >= env["min_lon_deg"] - pad_deg,
        col(IntentRow.min_lat_deg) <= env["max_lat_deg"] + pad_deg,
        col(IntentRow.max_lat_deg) >= env["min_lat_deg"] - pad_deg,
    )


def live_intents_meeting(session: Session, env: Json) -> list[IntentRow]:
    """Live intents whose envelope meets ``env``."""
    return list(session.exec(select(IntentRow).where(overlapping(env))))


def end_intent(session: Session, row: IntentRow, *, actor: str, now: datetime) -> None:
    """Mark ``row`` Ended (no longer live) and audit it; the caller commits."""
    row.live = False
    row.state = "Ended"
    row.version += 1
    reference = dict(row.f3548.get("reference", {}))
    reference.update(state="Ended", version=row.version)
    row.f3548 = {**row.f3548, "reference": reference}
    row.updated_at = now
    session.add(row)
    record(
        session,
        actor=actor,
        action="intent.end",
        target_type="intent",
        target_id=row.id,
        operator_id=row.operator_id,
        detail={"mission_id": row.mission_id},
        clock=lambda: now,
    )


def end_mission_intents(session: Session, mission_id: int, *, actor: str, now: datetime) -> int:
    """End every live intent of ``mission_id``; returns how many. The caller commits."""
    query = select(IntentRow).where(IntentRow.mission_id == mission_id, col(IntentRow.live))
    rows = list(session.exec(query))
    for row in rows:
        end_intent(session, row, actor=actor, now=now)
    return len(rows)
