"""The in-process mission runner: flies approved missions through the MAVLink bridge.

:class:`MissionRunner` owns one task group (``run()``): at start it loads every mission that is
approved, uploaded or in flight from the database (restart recovery: a flight already in the
air is followed again, not re-uploaded), then follows ``mission.state`` events for newly
approved ones. Each mission is a task flying its legs in order; a lock per vehicle keeps one
flight at a time on a vehicle. Cancelling ``run()`` cancels every flight task.

It is also the service's :class:`~fleet.service.ports.VehicleCommandPort` (hold, RTL, land).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from airspace.conformance import ConformanceSettings
from firmware_bridge.errors import BridgeError
from firmware_bridge.hub import HubConfig
from firmware_bridge.vehicle import Vehicle
from fleet.errors import FleetError
from fleet.lifecycle import MissionState, advance
from fleet.runner.clock import ScaledClock
from fleet.runner.conformance import FlightConformance
from fleet.runner.discovery import Discovery, attached_urls
from fleet.runner.extend import ExtensionSettings
from fleet.runner.fleetwatch import FleetWatch
from fleet.runner.flight import LegFailed, LegPlan, fly_leg
from fleet.runner.links import HubPool
from fleet.runner.observer import FlightObserver, build_plan
from fleet.runner.response import ConformancePolicy, action_of
from fleet.runner.store import (
    FLYABLE,
    MissionWork,
    VehicleRecord,
    flyable_missions,
    vehicles_by_id,
)
from fleet.runner.track import TrackPoint
from fleet.service.context import ServiceContext
from fleet.service.errors import VehicleUnreachable
from fleet.service.intent_store import end_mission_intents
from fleet.service.ports import RunnerFactory, VehicleCommand
from fleet.storage.tables import VehicleRow

SET_MESSAGE_INTERVAL = 511  # MAV_CMD_SET_MESSAGE_INTERVAL
UPLOAD_LEAD = timedelta(seconds=60)  # a leg is uploaded this long before departure


class MissionRunner:
    """Flies approved missions; see the module docstring.

    Args:
        context: the running service's shared resources (sessions, bus).
        clock: simulated or real time (departures wait on it; tracks are stamped with it).
        hub_config: bridge settings for every connection.
        leg_timeout_factor: a leg may take this many times its planned duration (plus
            ``leg_timeout_margin_s``) before it is failed and the vehicle sent home.
        leg_timeout_margin_s: fixed allowance in simulated seconds (take-off, landing).
        message_rates_hz: MAVLink message id -> rate (wall time) to ask each vehicle for; with
            time acceleration the default rates give sparse tracks and slow confirmations.
        conformance_policy: what to tell a vehicle whose intent turns Nonconforming or
            Contingent (default: hold, then RTL; see :mod:`fleet.runner.response`).
        conformance_settings: the monitors' limits (default: F3548's).
        extension_settings: how a late flight's intent is extended before it overruns its
            volumes (default :class:`~fleet.runner.extend.ExtensionSettings`).
        extend_late_flights: extend late flights' intents (see :mod:`fleet.runner.extend`);
            when False a late flight turns Nonconforming once it overruns its volumes.
        discover: open every attached connection and list the vehicles seen on it that
            nobody registered (see :mod:`fleet.runner.discovery`).
    """

    def __init__(
        self,
        context: ServiceContext,
        clock: ScaledClock | None = None,
        hub_config: HubConfig | None = None,
        leg_timeout_factor: float = 3.0,
        leg_timeout_margin_s: float = 180.0,
        message_rates_hz: dict[int, float] | None = None,
        conformance_policy: ConformancePolicy | None = None,
        conformance_settings: ConformanceSettings | None = None,
        discover: bool = True,
        extension_settings: ExtensionSettings | None = None,
        extend_late_flights: bool = True,
    ) -> None:
        self.context = context
        self.clock = clock or ScaledClock(datetime.now(UTC), 1.0)
        self.hub_config = hub_config
        self.tracks: dict[str, list[TrackPoint]] = defaultdict(list)
        self.flown_m: dict[int, float] = defaultdict(float)
        self.battery_used_pct: dict[int, float] = defaultdict(float)
        self.landed_at: dict[tuple[int, int], datetime] = {}
        self.conformance: dict[str, FlightConformance] = {}
        """Conformance monitor of each activated intent, while it flies."""
        self.excursions: list[dict[str, Any]] = []
        """Every excursion the monitors saw (time, kind, distances), for reports."""
        self.conformance_policy = conformance_policy or ConformancePolicy()
        self.conformance_settings = conformance_settings
        self.extension_settings = (
            (extension_settings or ExtensionSettings()) if extend_late_flights else None
        )
        """How late flights' intents are extended (``None``: they are not)."""
        self.discovery = Discovery(self) if discover else None
        """Watches attached connections for unregistered vehicles (``discover=True``)."""
        self.recalled: dict[int, str] = {}
        """Mission id -> why the runner recalled its vehicle (the mission ends ``aborted``)."""
        self._timeout = (leg_timeout_factor, leg_timeout_margin_s)
        self._message_rates_hz = dict(message_rates_hz or {})
        self._rates_set: set[int] = set()
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._active: set[int] = set()
        self._flights: dict[int, asyncio.Task[None]] = {}
        self._holders: dict[int, int] = {}  # vehicle id -> the mission whose leg holds it
        self.fleetwatch = FleetWatch(self)
        """Every vehicle's link and latest telemetry, idle or flying (``context.live``)."""
        self._records: dict[int, VehicleRecord] = {}
        self._pool: HubPool | None = None
        self._tasks: asyncio.TaskGroup | None = None
        self._ready = asyncio.Event()
        self.db_lock = threading.Lock()  # one runner write at a time (SQLite has one writer)

    async def wait_ready(self) -> None:
        """Return once ``run()`` has loaded the database and follows new approvals."""
        await self._ready.wait()

    async def run(self) -> None:
        """Fly until cancelled (structured: every flight task belongs to this call)."""
        async with HubPool.open(self.hub_config) as pool, asyncio.TaskGroup() as tasks:
            self._pool, self._tasks = pool, tasks
            tasks.create_task(self.fleetwatch.run(), name="fleetwatch")
            async with self.context.bus.subscribe() as events:
                for work in await asyncio.to_thread(self._load_all):
                    self._launch(work)
                for url, operator_id in (await asyncio.to_thread(self._attached)).items():
                    await self._attach(url, operator_id)
                self._ready.set()
                async for event in events:
                    if event.kind == "mission.state" and event.data.get("state") == "approved":
                        await self._on_approved(int(event.data["mission_id"]))
                    elif event.kind == "vehicle.registered" and event.operator_id is not None:
                        await self._attach(str(event.data["mavlink_url"]), event.operator_id)

    def _attached(self) -> dict[str, int]:
        with self.context.sessions() as session:
            return attached_urls(session)

    async def _attach(self, url: str, operator_id: int) -> None:
        if self.discovery is not None:
            await self.discovery.attach(url, operator_id)

    @property
    def pool(self) -> HubPool | None:
        """The open bridge connections (``None`` until :meth:`run` opens them)."""
        return self._pool

    def _load_all(self) -> list[MissionWork]:
        with self.context.sessions() as session:
            return flyable_missions(session)

    async def _on_approved(self, mission_id: int) -> None:
        works = await asyncio.to_thread(self._load_all)
        for work in works:
            if work.mission_id == mission_id:
                self._launch(work)

    def _launch(self, work: MissionWork) -> None:
        if work.mission_id in self._active or not work.legs or self._tasks is None:
            return
        self._active.add(work.mission_id)
        task = self._tasks.create_task(self._fly_mission(work), name=f"mission-{work.mission_id}")
        self._flights[work.mission_id] = task

    async def _fly_mission(self, work: MissionWork) -> None:
        try:
            vehicles = await asyncio.to_thread(self._vehicles, work)
            self._records.update(vehicles)
            await self._fly_legs(work, vehicles)
        except* LegFailed as group:
            await self._fail(work, str(group.exceptions[0]))
        except* Exception as group:  # one mission's failure must not bring down the others
            exc = group.exceptions[0]
            await self._fail(work, f"{type(exc).__name__}: {exc}")
        finally:
            self._active.discard(work.mission_id)
            self._flights.pop(work.mission_id, None)

    async def stop_flight(self, mission_id: int) -> list[int]:
        """Stop flying ``mission_id`` now (an abort); the ids of the vehicles its legs held
        (uploading, flying or landing them), left as they are."""
        held = [v for v, m in self._holders.items() if m == mission_id]
        task = self._flights.get(mission_id)
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})
        return held

    def vehicle_busy(self, vehicle_id: int) -> bool:
        """Whether a mission leg holds the vehicle (uploading, flying or landing it)."""
        return vehicle_id in self._holders

    @contextlib.asynccontextmanager
    async def _holding(self, vehicle_id: int, mission_id: int) -> AsyncIterator[None]:
        """One leg at a time on a vehicle: hold it for ``mission_id`` while the block runs."""
        async with self._locks[vehicle_id]:
            self._holders[vehicle_id] = mission_id
            try:
                yield
            finally:
                del self._holders[vehicle_id]

    def _vehicles(self, work: MissionWork) -> dict[int, VehicleRecord]:
        with self.context.sessions() as session:
            return vehicles_by_id(session, [leg.vehicle_id for leg in work.legs])

    async def _fly_legs(self, work: MissionWork, vehicles: dict[int, VehicleRecord]) -> None:
        """Fly the mission's legs; a leg starts at its departure once the legs it follows ended.

        A leg follows every earlier leg that arrives before it departs (the drone must have
        landed at the transfer point before the robot drives the parcel on), so legs of
        different vehicles overlap when their plan says so.
        """
        first = _resume_index(work)
        observer = FlightObserver(self, work)
        plans = [build_plan(work, leg, vehicles[leg.vehicle_id]) for leg in work.legs[first:]]
        done = {plan.seq: asyncio.Event() for plan in plans}
        async with asyncio.TaskGroup() as tg:
            for k, plan in enumerate(plans):
                after = [done[p.seq] for p in plans[:k] if p.route.arrival <= plan.route.departure]
                if k > 0 and plans[k - 1].vehicle_id == plan.vehicle_id:
                    after.append(done[plans[k - 1].seq])
                resume = k == 0 and work.state is MissionState.IN_FLIGHT
                vehicle = vehicles[plan.vehicle_id]
                tg.create_task(
                    self._fly_one(plan, vehicle, observer, after, done[plan.seq], resume)
                )
        await observer.completed()

    async def _fly_one(
        self,
        plan: LegPlan,
        vehicle: VehicleRecord,
        observer: FlightObserver,
        after: list[asyncio.Event],
        done: asyncio.Event,
        resume: bool,
    ) -> None:
        assert self._pool is not None
        for event in after:
            await event.wait()
        if not resume:  # queue for the vehicle shortly before departure: legs take it in order
            await self.clock.sleep_until(plan.route.departure - UPLOAD_LEAD)
        async with self._holding(vehicle.id, plan.mission_id):
            link = await self._pool.vehicle(vehicle.mavlink_url, vehicle.system_id)
            await self._set_rates(vehicle.id, link)
            factor, margin_s = self._timeout
            timeout_s = self.clock.wall_s(plan.route.duration_s * factor + margin_s)
            await fly_leg(plan, link, observer, timeout_s, resume=resume, clock=self.clock)
        done.set()

    async def _fail(self, work: MissionWork, reason: str) -> None:
        """The mission ``failed`` (or ``aborted`` when the runner recalled its vehicle)."""
        recall = self.recalled.pop(work.mission_id, None)
        state = MissionState.FAILED if recall is None else MissionState.ABORTED
        why = reason if recall is None else f"{recall} ({reason})"

        def persist() -> None:
            with self.db_lock, self.context.sessions() as session:
                end_mission_intents(session, work.mission_id, actor="runner", now=self.now())
                advance(
                    session,
                    work.mission_id,
                    state,
                    "runner",
                    why[:480],
                    bus=self.context.bus,
                    clock=self.now,
                )

        try:
            await asyncio.to_thread(persist)
        except FleetError as exc:  # e.g. cancelled meanwhile: the mission already ended
            self.context.bus.emit(
                "runner.error",
                work.operator_id,
                mission_id=work.mission_id,
                reason=why,
                persist_error=str(exc),
            )

    async def _set_rates(self, vehicle_id: int, link: Vehicle) -> None:
        if not self._message_rates_hz or vehicle_id in self._rates_set:
            return
        for message_id, rate_hz in self._message_rates_hz.items():
            with contextlib.suppress(BridgeError):  # a vehicle may refuse: its rate stays
                await link.command(SET_MESSAGE_INTERVAL, message_id, 1e6 / rate_hz)
        self._rates_set.add(vehicle_id)

    def link_of(self, plan: LegPlan) -> Vehicle | None:
        """The bridge handle of the vehicle flying ``plan``, if its link is open."""
        if self._pool is None:
            return None
        record = self._records.get(plan.vehicle_id)
        return None if record is None else self._pool.known(record.mavlink_url, record.system_id)

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``work`` as a task of :meth:`run` (it outlives the flight that started it)."""
        if self._tasks is None:
            raise RuntimeError("the runner is not running")
        self._tasks.create_task(work, name=name)

    def now(self) -> datetime:
        """The runner's current time (simulated when the clock is scaled)."""
        return self.clock.now()

    # -- VehicleCommandPort ------------------------------------------------------------------

    async def send_command(self, vehicle: VehicleRow, command: VehicleCommand) -> str:
        """Send hold / RTL / land to ``vehicle`` through its bridge link.

        Raises:
            VehicleUnreachable: no live link, or the vehicle refused.
        """
        link = (
            None if self._pool is None else self._pool.known(vehicle.mavlink_url, vehicle.system_id)
        )
        if link is None or not link.connected:
            raise VehicleUnreachable(f"vehicle {vehicle.id} ({vehicle.name}): no live link")
        try:
            await action_of(link, command)()
        except BridgeError as exc:
            raise VehicleUnreachable(f"vehicle {vehicle.id} ({vehicle.name}): {exc}") from exc
        return "accepted"


def _resume_index(work: MissionWork) -> int:
    """The leg to (re)start from: legs already flown are those the progress fraction covers."""
    if work.state not in FLYABLE or work.state is MissionState.APPROVED:
        return 0
    done = int(work.progress_fraction * len(work.legs) + 1e-9)
    return min(done, len(work.legs) - 1)


def runner_factory(
    clock: ScaledClock | None = None, hub_config: HubConfig | None = None, **options: Any
) -> RunnerFactory:
    """A :class:`~fleet.service.ports.RunnerFactory` for ``create_app(runner_factory=...)``.

    The runner installs itself as the service's vehicle command port and runs for the app's
    lifetime.
    """

    @asynccontextmanager
    async def factory(context: ServiceContext) -> AsyncIterator[MissionRunner]:
        runner = MissionRunner(context, clock, hub_config, **options)
        context.vehicle_port = runner
        async with asyncio.TaskGroup() as tg:
            task = tg.create_task(runner.run(), name="mission-runner")
            try:
                yield runner
            finally:
                task.cancel()

    return factory
