"""``/docks``: add, list, correct and delete the places vehicles take off from and land at."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlmodel import col, select

from fleet.service.deps import ContextDep, CurrentUser, Dispatcher, SessionDep, owned
from fleet.service.errors import BadRequest, Conflict
from fleet.service.registry import (
    audit_create,
    audit_register,
    changes_detail,
    homes_of,
    insert_unique,
    refuse_taken_name,
)
from fleet.service.schemas import ERRORS, DockCreate, DockPublic, DockUpdate, RowId
from fleet.storage.tables import Dock

router = APIRouter(tags=["vehicles"], responses=ERRORS)


@router.post("/docks", response_model=DockPublic, status_code=status.HTTP_201_CREATED)
def create_dock(body: DockCreate, session: SessionDep, user: Dispatcher) -> Dock:
    """Add a dock to the caller's operator."""
    dock = Dock(operator_id=user.operator_id, **body.model_dump())
    insert_unique(session, dock, f"a dock named {body.name!r} exists already; choose another name")
    audit_create(session, user, "dock", dock.id, body.name)
    session.commit()
    return dock


@router.get("/docks", response_model=list[DockPublic])
def list_docks(session: SessionDep, user: CurrentUser) -> list[Dock]:
    """The caller's operator's docks."""
    query = select(Dock).where(Dock.operator_id == user.operator_id).order_by(col(Dock.id))
    return list(session.exec(query))


@router.patch("/docks/{dock_id}", response_model=DockPublic)
def update_dock(
    dock_id: RowId, body: DockUpdate, session: SessionDep, context: ContextDep, user: Dispatcher
) -> Dock:
    """Correct a dock: name, position, slots, charging (only the fields given change;
    audited). Flights already planned from it keep their routes."""
    dock = owned(session, Dock, dock_id, user)
    changes = body.model_dump(exclude_unset=True)
    for key in ("name", "lon_deg", "lat_deg", "slots", "charge_power_w"):
        if key in changes and changes[key] is None:
            raise BadRequest(f"{key} cannot be removed from a dock; give a value or leave it out")
    if "name" in changes:
        refuse_taken_name(session, Dock, user.operator_id, changes["name"], other_than=dock_id)
    before = {key: getattr(dock, key) for key in changes}
    for key, value in changes.items():
        setattr(dock, key, value)
    session.add(dock)
    audit_register(
        session, user, "dock.update", dock_id, changes_detail(before, changes), context.clock
    )
    session.commit()
    return dock


@router.delete("/docks/{dock_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_dock(
    dock_id: RowId, session: SessionDep, context: ContextDep, user: Dispatcher
) -> Response:
    """Delete a dock (audited). 409 while it is some vehicle's home."""
    dock = owned(session, Dock, dock_id, user)
    homes = homes_of(session, dock)
    if homes:
        names = ", ".join(f"{v.id} ({v.name!r})" for v in homes)
        raise Conflict(
            f"dock {dock_id} ({dock.name!r}) is the home of vehicle(s) {names}: give them "
            "another home dock (PATCH /vehicles/{id} with home_dock_id) first"
        )
    session.delete(dock)
    detail = {"name": dock.name, "lon_deg": dock.lon_deg, "lat_deg": dock.lat_deg}
    audit_register(session, user, "dock.delete", dock_id, detail, context.clock)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
