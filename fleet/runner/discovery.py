"""Vehicles discovered on attached connections appear in the vehicle list.

A connection is *attached* when an operator registers a vehicle with its MAVLink URL. The
runner opens the bridge hub of every attached URL (at start, and when a vehicle with a new URL
is registered) and watches it: a HEARTBEAT from a system id that no vehicle registered on that
URL has creates a vehicle row with status ``discovered``, owned by the operator who attached
the connection (the one whose vehicle on that URL was registered first), named
``discovered-<system id>``, its kind from the heartbeat (ground rover or aircraft). The row is
audited (``vehicle.discovered``) and published on the event bus. An operator can then give it
a dock, rename it, or leave it; it is never flown until a mission is scheduled on it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from firmware_bridge.errors import BridgeError
from firmware_bridge.hub import MavlinkHub
from firmware_bridge.vehicle import Vehicle, VehicleInfo
from fleet.storage.audit import record
from fleet.storage.locks import take_vehicles_lock
from fleet.storage.tables import VehicleRow

if TYPE_CHECKING:
    from fleet.runner.runner import MissionRunner

ACTOR = "runner:discovery"
DISCOVERED = "discovered"


def record_discovered(
    session: Session, url: str, info: VehicleInfo, *, now: datetime
) -> VehicleRow | None:
    """Store the vehicle ``info`` seen on ``url`` if no vehicle on that URL has its system id.

    Returns:
        The new row (committed, audited), or ``None`` when it is known or nobody attached
        ``url``.
    """
    take_vehicles_lock(session)  # a registration of this system id cannot slip in between
    on_url = session.exec(
        select(VehicleRow).where(VehicleRow.mavlink_url == url).order_by(col(VehicleRow.id))
    ).all()
    if not on_url or any(v.system_id == info.system_id for v in on_url):
        return None
    owner = on_url[0].operator_id
    taken = set(session.exec(select(VehicleRow.name).where(VehicleRow.operator_id == owner)))
    name = f"discovered-{info.system_id}"
    name = next(n for n in (name, *(f"{name}-{k}" for k in range(2, 10_000))) if n not in taken)
    row = VehicleRow(
        operator_id=owner,
        name=name,
        kind="ground_robot" if info.is_rover else "multicopter",
        mavlink_url=url,
        system_id=info.system_id,
        status=DISCOVERED,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=ACTOR,
        action="vehicle.discovered",
        target_type="vehicle",
        target_id=row.id,
        operator_id=owner,
        detail={"mavlink_url": url, "system_id": info.system_id, "mav_type": info.mav_type},
        clock=lambda: now,
    )
    session.commit()
    return row


def attached_urls(session: Session) -> dict[str, int]:
    """Every connection URL some vehicle uses -> the operator who attached it (first there)."""
    rows = session.exec(
        select(VehicleRow.mavlink_url, VehicleRow.operator_id).order_by(col(VehicleRow.id))
    )
    owners: dict[str, int] = {}
    for url, operator_id in rows:
        owners.setdefault(url, operator_id)
    return owners


class Discovery:
    """Watches every attached connection for unknown vehicles (one task per URL)."""

    def __init__(self, runner: MissionRunner) -> None:
        self.runner = runner
        self._watched: set[str] = set()

    async def attach(self, url: str, operator_id: int) -> None:
        """Open ``url``'s hub (once) and watch it; a URL that cannot be opened is reported
        to ``operator_id`` (``runner.error``) and tried again at its next registration."""
        if url in self._watched or self.runner.pool is None:
            return
        self._watched.add(url)
        try:
            hub = await self.runner.pool.hub(url)
        except (BridgeError, OSError) as exc:
            self._watched.discard(url)
            self.runner.context.bus.emit("runner.error", operator_id, url=url, reason=str(exc))
            return
        self.runner.spawn(self._watch(url, hub), f"discovery {url}")

    async def _watch(self, url: str, hub: MavlinkHub) -> None:
        async with hub.discovered.subscribe() as found:
            for vehicle in hub.vehicles():
                await self._seen(url, vehicle)
            async for vehicle in found:
                await self._seen(url, vehicle)

    async def _seen(self, url: str, vehicle: Vehicle) -> None:
        runner = self.runner

        def store() -> VehicleRow | None:
            with runner.db_lock, runner.context.sessions() as session:
                return record_discovered(session, url, vehicle.info, now=runner.now())

        row = await asyncio.to_thread(store)
        if row is not None:
            runner.context.bus.emit(
                "vehicle.discovered",
                row.operator_id,
                vehicle_id=row.id,
                name=row.name,
                vehicle_kind=row.kind,
                system_id=row.system_id,
                status=row.status,
            )
