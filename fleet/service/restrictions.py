"""What a new restriction does to flights already approved: replan or flag them.

A new zone is tested against every live intent whose envelope meets it (indexed prefilter),
then exactly (the zone polygon against each volume outline, all altitudes, the zone's time
window). Missions that have not been uploaded yet lose their intent and go back to
``requested`` for the scheduler to replan; flights already uploaded or in the air are flagged
to their operator. Every affected operator gets a user notification and an event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from shapely.geometry import Point
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.geometry.base import BaseGeometry
from sqlmodel import Session, select

from airspace.frames import covering_offset_deg
from fleet import lifecycle
from fleet.lifecycle import MissionState
from fleet.service.intent_store import end_intent, intent_volumes, overlapping
from fleet.storage.tables import IntentRow, MissionRow, UserNotification, ZoneRow

_FAR_PAST = datetime(1970, 1, 1, tzinfo=UTC)
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass
class Impact:
    """Missions a restriction replanned or flagged, and the notifications made."""

    replanned: list[int] = field(default_factory=list)
    flagged: list[int] = field(default_factory=list)
    notified: list[UserNotification] = field(default_factory=list)


def zone_shape(zone: ZoneRow) -> ShapelyPolygon:
    """The zone's outline as a shapely polygon in lon/lat degrees."""
    return ShapelyPolygon(zone.geometry["coordinates"][0])


def apply_restriction(session: Session, zone: ZoneRow, *, actor: str, now: datetime) -> Impact:
    """Replan or flag the flights ``zone`` affects (the caller commits).

    Args:
        session: the transaction the zone was inserted in.
        zone: the new (or changed) zone.
        actor: who created it (audited on every change it causes).
        now: the current time.

    Returns:
        What was affected.
    """
    shape = zone_shape(zone)
    impact = Impact()
    for row in _candidates(session, zone, shape):
        if _meets(row, shape, zone):
            _handle(session, row, zone, actor, now, impact)
    return impact


def _candidates(session: Session, zone: ZoneRow, shape: BaseGeometry) -> list[IntentRow]:
    min_lon, min_lat, max_lon, max_lat = shape.bounds
    env = {
        "time_start": zone.time_start or _FAR_PAST,
        "time_end": zone.time_end or _FAR_FUTURE,
        "alt_lower_w84_m": -1e5,
        "alt_upper_w84_m": 1e6,
        "min_lon_deg": min_lon,
        "min_lat_deg": min_lat,
        "max_lon_deg": max_lon,
        "max_lat_deg": max_lat,
    }
    return list(session.exec(select(IntentRow).where(overlapping(env))))


def _meets(row: IntentRow, shape: BaseGeometry, zone: ZoneRow) -> bool:
    for volume in intent_volumes(row.f3548):
        start = datetime.fromisoformat(volume["time_start"]["value"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(volume["time_end"]["value"].replace("Z", "+00:00"))
        if zone.time_start and end <= zone.time_start:
            continue
        if zone.time_end and start >= zone.time_end:
            continue
        if _outline(volume).intersects(shape):
            return True
    return False


def _outline(volume: dict[str, object]) -> BaseGeometry:
    v3 = volume["volume"]
    assert isinstance(v3, dict)
    if v3.get("outline_circle"):
        circle = v3["outline_circle"]
        lat, lon = circle["center"]["lat"], circle["center"]["lng"]
        dlon, dlat = covering_offset_deg(circle["radius"]["value"], lat)  # an outer bound
        disc = Point(0, 0).buffer(1.0, 64)
        return ShapelyPolygon([(lon + x * dlon, lat + y * dlat) for x, y in disc.exterior.coords])
    return ShapelyPolygon([(p["lng"], p["lat"]) for p in v3["outline_polygon"]["vertices"]])


def _handle(
    session: Session, row: IntentRow, zone: ZoneRow, actor: str, now: datetime, impact: Impact
) -> None:
    mission = session.get(MissionRow, row.mission_id) if row.mission_id else None
    replan = mission is not None and mission.state in (
        MissionState.SCHEDULED.value,
        MissionState.APPROVED.value,
    )
    reason = f"restriction {zone.name!r} (zone {zone.id}) now covers this flight"
    if replan:
        assert mission is not None and mission.id is not None
        end_intent(session, row, actor=actor, now=now)
        lifecycle.unschedule(session, mission.id, actor, reason, commit=False, clock=lambda: now)
        impact.replanned.append(mission.id)
        message = f"{reason}: mission {mission.id} returned to requested for replanning"
    else:
        if mission is not None and mission.id is not None:
            impact.flagged.append(mission.id)
        message = f"{reason}: flight {row.flight_plan_id or row.id} is flagged, replan it"
    note = UserNotification(
        operator_id=row.operator_id,
        observed_at=now,
        flight_plan_id=row.flight_plan_id,
        mission_id=row.mission_id,
        message=message,
    )
    session.add(note)
    impact.notified.append(note)
