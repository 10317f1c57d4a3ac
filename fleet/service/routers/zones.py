"""``/zones``: no-fly, permit-required and temporary restrictions (CRUD).

Zones are visible to every operator (the airspace is shared); only admins of the operator that
created a zone may change or delete it. Creating or moving a zone replans or flags the
approved flights it now covers (:mod:`fleet.service.restrictions`).
"""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlmodel import Session, select

from fleet.service.context import ServiceContext
from fleet.service.deps import Admin, ContextDep, CurrentUser, SessionDep, owned
from fleet.service.errors import BadRequest, NotFound
from fleet.service.restrictions import Impact, apply_restriction
from fleet.service.schemas import ERRORS, RowId
from fleet.service.security import Principal
from fleet.service.zone_schemas import ZoneCreate, ZoneCreated, ZonePublic, ZoneUpdate
from fleet.storage.audit import record
from fleet.storage.tables import ZoneRow

router = APIRouter(prefix="/zones", tags=["zones"], responses=ERRORS)


@router.post("", response_model=ZoneCreated, status_code=status.HTTP_201_CREATED)
def create_zone(
    body: ZoneCreate, session: SessionDep, context: ContextDep, admin: Admin
) -> ZoneCreated:
    """Add a zone; flights it now covers are replanned (not yet uploaded) or flagged."""
    zone = ZoneRow(
        operator_id=admin.operator_id,
        name=body.name,
        kind=body.kind,
        geometry=_geometry(body.polygon),
        floor_agl_m=body.floor_agl_m,
        ceiling_agl_m=body.ceiling_agl_m,
        time_start=body.time_start,
        time_end=body.time_end,
    )
    session.add(zone)
    session.flush()
    impact = _apply(session, context, admin, zone, "zone.create")
    return ZoneCreated(
        **_public(zone).model_dump(),
        replanned_mission_ids=impact.replanned,
        flagged_mission_ids=impact.flagged,
    )


@router.get("", response_model=list[ZonePublic])
def list_zones(session: SessionDep, _user: CurrentUser) -> list[ZonePublic]:
    """Every zone."""
    return [_public(z) for z in session.exec(select(ZoneRow).order_by(ZoneRow.id))]  # type: ignore[arg-type]


@router.get("/{zone_id}", response_model=ZonePublic)
def get_zone(zone_id: RowId, session: SessionDep, _user: CurrentUser) -> ZonePublic:
    """One zone."""
    zone = session.get(ZoneRow, zone_id)
    if zone is None:
        raise NotFound(f"zone {zone_id} not found")
    return _public(zone)


@router.patch("/{zone_id}", response_model=ZoneCreated)
def update_zone(
    zone_id: RowId, body: ZoneUpdate, session: SessionDep, context: ContextDep, admin: Admin
) -> ZoneCreated:
    """Change a zone of the caller's operator; flights it now covers are replanned or flagged."""
    zone = owned(session, ZoneRow, zone_id, admin)
    changes = body.model_dump(exclude_unset=True)
    if "polygon" in changes:
        zone.geometry = _geometry(changes.pop("polygon"))
    for name, value in changes.items():
        setattr(zone, name, value)
    _check(zone)
    session.add(zone)
    impact = _apply(session, context, admin, zone, "zone.update")
    return ZoneCreated(
        **_public(zone).model_dump(),
        replanned_mission_ids=impact.replanned,
        flagged_mission_ids=impact.flagged,
    )


@router.delete("/{zone_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_zone(zone_id: RowId, session: SessionDep, context: ContextDep, admin: Admin) -> None:
    """Remove a zone of the caller's operator."""
    zone = owned(session, ZoneRow, zone_id, admin)
    session.delete(zone)
    _audit(session, admin, zone, "zone.delete", Impact())
    session.commit()
    context.bus.emit("zone.deleted", None, zone_id=zone_id)


def _check(zone: ZoneRow) -> None:
    if zone.floor_agl_m >= zone.ceiling_agl_m:
        raise BadRequest("floor_agl_m must be below ceiling_agl_m")
    if zone.time_start and zone.time_end and zone.time_end <= zone.time_start:
        raise BadRequest("time_end must be after time_start")
    if zone.kind == "temporary_restriction" and not (zone.time_start and zone.time_end):
        raise BadRequest("a temporary_restriction needs time_start and time_end")


def _apply(
    session: Session, context: ServiceContext, admin: Principal, zone: ZoneRow, action: str
) -> Impact:
    session.flush()
    impact = apply_restriction(session, zone, actor=admin.actor, now=context.clock())
    _audit(session, admin, zone, action, impact)
    session.commit()
    context.bus.emit("zone.changed", None, zone_id=zone.id, zone_kind=zone.kind, name=zone.name)
    for note in impact.notified:
        context.bus.emit(
            "flight.restricted",
            note.operator_id,
            mission_id=note.mission_id,
            flight_plan_id=note.flight_plan_id,
            message=note.message,
        )
    return impact


def _audit(session: Session, admin: Principal, zone: ZoneRow, action: str, impact: Impact) -> None:
    record(
        session,
        actor=admin.actor,
        action=action,
        target_type="zone",
        target_id=zone.id,
        operator_id=admin.operator_id,
        detail={"name": zone.name, "replanned": impact.replanned, "flagged": impact.flagged},
    )


def _geometry(polygon: list[list[float]]) -> dict[str, object]:
    ring = [[float(p[0]), float(p[1])] for p in polygon]
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def _public(zone: ZoneRow) -> ZonePublic:
    assert zone.id is not None
    return ZonePublic(
        id=zone.id,
        operator_id=zone.operator_id,
        name=zone.name,
        kind=zone.kind,
        polygon=zone.geometry["coordinates"][0],
        floor_agl_m=zone.floor_agl_m,
        ceiling_agl_m=zone.ceiling_agl_m,
        time_start=zone.time_start,
        time_end=zone.time_end,
        created_at=zone.created_at,
    )
