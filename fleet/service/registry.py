"""The fleet register's rules: one vehicle per connection and system id; what is in use.

A vehicle is *in use* while a mission that is not terminal is scheduled on it or has a leg
on it; a dock while it is some vehicle's home. Corrections and deletions check these before
they change anything, and say what blocks them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from fleet.lifecycle import TERMINAL
from fleet.service.errors import Conflict
from fleet.service.security import Principal
from fleet.storage.audit import record
from fleet.storage.tables import Dock, MissionLeg, MissionRow, Telemetry, VehicleRow

_ENDED = [s.value for s in TERMINAL]


def live_missions(session: Session, vehicle_id: int) -> list[int]:
    """Ids of the missions not yet ended that are scheduled on the vehicle or fly a leg on it."""
    on_legs = select(MissionLeg.mission_id).where(MissionLeg.vehicle_id == vehicle_id)
    query = select(MissionRow.id).where(
        or_(MissionRow.vehicle_id == vehicle_id, col(MissionRow.id).in_(on_legs)),
        col(MissionRow.state).not_in(_ENDED),
    )
    return sorted(i for i in session.exec(query) if i is not None)


def refuse_if_in_use(session: Session, vehicle: VehicleRow, doing: str) -> None:
    """Raise :class:`Conflict` when a live mission uses ``vehicle`` (``doing``: what is refused).

    Raises:
        Conflict: the message names the missions and what to do about them.
    """
    assert vehicle.id is not None
    missions = live_missions(session, vehicle.id)
    if missions:
        names = ", ".join(str(m) for m in missions)
        raise Conflict(
            f"vehicle {vehicle.id} ({vehicle.name!r}) is in use by mission(s) {names}: "
            f"cancel, abort or finish them before you {doing}"
        )


def refuse_taken_connection(
    session: Session, operator_id: int, url: str, system_id: int, *, other_than: int | None
) -> None:
    """Raise :class:`Conflict` when a vehicle already answers on ``url`` with ``system_id``.

    Args:
        session: the database session.
        operator_id: the caller's operator (another operator's vehicle is not named).
        url: the MAVLink connection URL.
        system_id: the MAVLink system id.
        other_than: the vehicle being corrected (it may keep its own connection).

    Raises:
        Conflict: another vehicle has that connection and system id.
    """
    query = select(VehicleRow).where(
        VehicleRow.mavlink_url == url, VehicleRow.system_id == system_id
    )
    for row in session.exec(query):
        if row.id == other_than:
            continue
        if row.operator_id != operator_id:
            raise Conflict(
                f"{url} system id {system_id} is another operator's vehicle; "
                "check the connection URL and system id"
            )
        raise Conflict(
            f"vehicle {row.id} ({row.name!r}, status {row.status}) exists already on {url} "
            f"with system id {system_id}: correct that one with PATCH /vehicles/{row.id}, "
            "or give this one its own system id"
        )


def refuse_taken_name(
    session: Session, model: Any, operator_id: int, name: str, *, other_than: int | None
) -> None:
    """Raise :class:`Conflict` when another dock or vehicle of the operator has ``name``."""
    query = select(model).where(model.operator_id == operator_id, model.name == name)
    for row in session.exec(query):
        if row.id != other_than:
            kind = "dock" if model.__tablename__ == "docks" else "vehicle"
            raise Conflict(
                f"a {kind} named {name!r} exists already ({kind} {row.id}); choose another name"
            )


def delete_vehicle(session: Session, vehicle: VehicleRow) -> list[int]:
    """Delete ``vehicle`` (not in use) and its latest telemetry; ended missions that flew it
    keep their history in the audit log and lose the reference.

    Returns:
        The ids of the ended missions that referred to it.
    """
    assert vehicle.id is not None
    detached: set[int] = set()
    for mission in session.exec(select(MissionRow).where(MissionRow.vehicle_id == vehicle.id)):
        assert mission.id is not None
        mission.vehicle_id = None
        detached.add(mission.id)
        session.add(mission)
    for leg in session.exec(select(MissionLeg).where(MissionLeg.vehicle_id == vehicle.id)):
        leg.vehicle_id = None
        detached.add(leg.mission_id)
        session.add(leg)
    telemetry = session.get(Telemetry, vehicle.id)
    if telemetry is not None:
        session.delete(telemetry)
    session.flush()
    session.delete(vehicle)
    session.flush()
    return sorted(detached)


def homes_of(session: Session, dock: Dock) -> list[VehicleRow]:
    """The vehicles whose home is ``dock``."""
    return list(session.exec(select(VehicleRow).where(VehicleRow.home_dock_id == dock.id)))


def insert_unique(session: Session, row: Dock | VehicleRow, duplicate_message: str) -> None:
    """Add ``row``; a unique constraint it breaks (a name raced in) is a :class:`Conflict`."""
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(duplicate_message) from exc


def audit_create(session: Session, user: Principal, kind: str, row_id: object, name: str) -> None:
    """Audit the creation of a dock or vehicle."""
    audit_register(session, user, f"{kind}.create", row_id, {"name": name})


def audit_register(
    session: Session,
    user: Principal,
    action: str,
    row_id: object,
    detail: dict[str, Any],
    clock: Callable[[], datetime] | None = None,
) -> None:
    """Audit a change of the register: ``action`` is ``<dock|vehicle>.<what>``."""
    record(
        session,
        actor=user.actor,
        action=action,
        target_type=action.split(".", 1)[0],
        target_id=row_id,
        operator_id=user.operator_id,
        detail=detail,
        **({} if clock is None else {"clock": clock}),
    )


def changes_detail(before: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """An update's audit detail: each changed field's old and new value."""
    return {"changes": {key: [before[key], value] for key, value in changes.items()}}
