"""What the app's lifespan opens and every request and the runner share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from airspace.city import City
from airspace.deconfliction import DeconflictionSettings
from airspace.planner import Planner
from fleet.service.events import EventBus
from fleet.service.live import LiveFleet
from fleet.service.ports import NoVehicleLink, VehicleCommandPort
from fleet.service.settings import Settings
from fleet.storage.db import SessionFactory

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    """Resources of one running service: settings, database, events, vehicle port, clock.

    Attributes:
        settings: the configuration.
        engine: the database engine (disposed when the app stops).
        sessions: opens a new database session.
        bus: the event bus ``/ws/events`` streams from.
        vehicle_port: where vehicle commands go (the runner replaces the default).
        clock: the time source.
        runner: the object the runner factory yielded, if any.
        dispatcher: the service's dispatch loop (:mod:`fleet.dispatch`), while it runs.
        city: the buildings routes are planned over (``SKYFLEET_BUILDINGS_PATH`` or an upload).
        planner: the route planner prepared for ``city``.
        ground_planner: the planner of ground robots' drives over ``city`` (street level).
        city_prepared: the planners of ``city`` are prepared (see
            :func:`fleet.service.routes.prepare_city`); ``/readyz`` waits for it.
        live: the runner's fleet watcher, once it runs in this process (live telemetry,
            link health, stopping flights).
    """

    settings: Settings
    engine: Engine
    sessions: SessionFactory
    bus: EventBus = field(default_factory=EventBus)
    vehicle_port: VehicleCommandPort = field(default_factory=NoVehicleLink)
    clock: Clock = utc_now
    runner: object | None = None
    dispatcher: object | None = None
    city: City | None = None
    planner: Planner | None = None
    ground_planner: Planner | None = None
    city_prepared: bool = False
    live: LiveFleet | None = None

    @property
    def deconfliction(self) -> DeconflictionSettings:
        """The deconfliction rules this service applies."""
        allow = self.settings.equal_priority_conflicts_allowed
        return DeconflictionSettings(allow_equal_priority_conflicts=allow)
