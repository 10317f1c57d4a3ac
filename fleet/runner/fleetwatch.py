"""The fleet watcher: every registered vehicle's link, idle or flying, and what it says.

For each vehicle in the database (and each one registered, discovered, corrected or deleted
later, followed on the event bus) the watcher opens its connection through the runner's
:class:`~fleet.runner.links.HubPool` and follows its telemetry streams. It keeps the latest
:class:`~fleet.service.live.LiveVehicle` of each (armed, mode, landed state, position, battery,
link health) for the API, publishes it as a ``vehicle.telemetry`` event (at most every
``publish_period_s`` wall seconds, at once when armed, mode, landed state or link change) and
stores it as the vehicle's latest telemetry row (at most every ``persist_period_s``).

A vehicle's status follows the truth whenever no mission leg flies it (the runner's flight
owns the status while it does): ``lost`` when its heartbeats stopped (or, for a vehicle
that was flying or idle, when nothing is heard within ``unheard_after_s``), ``airborne`` when
it is in the air without a leg (returning after an abort, flown by hand), ``idle`` when it is
on the ground and disarmed. ``discovered`` vehicles keep that status until registered.

The watcher installs itself as ``context.live`` (:class:`~fleet.service.live.LiveFleet`):
it also stops a mission's flight and brings its vehicles back for ``POST
/missions/{id}/abort`` (the intent of a vehicle sent home stays live, Contingent, until the
vehicle is on the ground and disarmed: :mod:`fleet.runner.recall`).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from firmware_bridge.errors import BridgeError
from firmware_bridge.vehicle import Vehicle
from fleet.runner import recall
from fleet.runner.response import action_of
from fleet.runner.store import save_telemetry, set_vehicle_status
from fleet.service.live import LinkHealth, LinkProblem, LiveVehicle
from fleet.service.ports import VehicleCommand
from fleet.storage.tables import IntentRow, Telemetry, VehicleRow

if TYPE_CHECKING:
    from fleet.runner.runner import MissionRunner

T = TypeVar("T")
UNREPORTED = ("registered", "discovered")
"""Statuses that say nothing about the vehicle's flight state (left until it is heard)."""


@dataclass(frozen=True, slots=True)
class Watched:
    """A vehicle the watcher follows: who it is and how to reach it."""

    id: int
    name: str
    operator_id: int
    mavlink_url: str
    system_id: int

    @classmethod
    def of(cls, row: VehicleRow) -> Watched:
        """The watched vehicle of a stored row."""
        assert row.id is not None
        return cls(row.id, row.name, row.operator_id, row.mavlink_url, row.system_id)


def live_state(
    vehicle_id: int, link: Vehicle, now: datetime, previous: LiveVehicle | None
) -> LiveVehicle:
    """The :class:`LiveVehicle` of ``link``'s latest telemetry (``now``: service time)."""
    t = link.telemetry
    position, battery = t.position.latest, t.battery.latest
    mode, armed, landed = t.flight_mode.latest, t.armed.latest, t.landed_state.latest
    connected = link.connected
    heard_at = now if connected or previous is None else previous.heard_at
    state = LiveVehicle(
        vehicle_id,
        LinkHealth.OK if connected else LinkHealth.LOST,
        heard_at,
        None if armed is None else armed.armed,
        None if mode is None else mode.mode.value,
        None if landed is None else landed.state.name.lower(),
        battery_pct=None if battery is None else battery.remaining_pct,
    )
    if position is None:
        return state
    return replace(
        state,
        lon_deg=position.lon_deg,
        lat_deg=position.lat_deg,
        alt_amsl_m=position.alt_amsl_m,
        alt_rel_home_m=position.alt_rel_home_m,
        heading_deg=position.heading_deg,
        ground_speed_mps=math.hypot(position.vn_mps, position.ve_mps),
    )


def status_of(state: LiveVehicle, current: str) -> str | None:
    """The status ``state`` implies for a vehicle no mission leg flies (``None``: keep)."""
    if current == "discovered" or state.link is LinkHealth.UNKNOWN:
        return None
    if state.link is LinkHealth.LOST:
        return "lost"
    if state.airborne or (state.armed and state.landed_state is None):
        return "airborne"
    if state.armed is False:
        return "idle"
    return None  # armed on the ground: about to take off or to disarm


def telemetry_row(state: LiveVehicle) -> Telemetry | None:
    """The latest-telemetry row of ``state`` (``None`` without a position)."""
    if state.lon_deg is None or state.lat_deg is None or state.alt_amsl_m is None:
        return None
    if state.heard_at is None:
        return None
    return Telemetry(
        vehicle_id=state.vehicle_id,
        time=state.heard_at,
        lon_deg=state.lon_deg,
        lat_deg=state.lat_deg,
        alt_amsl_m=state.alt_amsl_m,
        heading_deg=state.heading_deg,
        ground_speed_mps=state.ground_speed_mps,
        battery_fraction=None if state.battery_pct is None else state.battery_pct / 100.0,
        mode=state.mode,
        armed=bool(state.armed),
        link_ok=state.link is LinkHealth.OK,
    )


class FleetWatch:
    """Follows every registered vehicle's link; see the module docstring.

    Args:
        runner: the mission runner (its pool, clock, database lock and flights).
        publish_period_s: wall seconds between two ``vehicle.telemetry`` events of a vehicle.
        persist_period_s: wall seconds between two stored telemetry rows of a vehicle.
        unheard_after_s: wall seconds to wait for a vehicle's first heartbeat before a
            vehicle stored as flying or idle is marked ``lost``.
    """

    def __init__(
        self,
        runner: MissionRunner,
        publish_period_s: float = 1.0,
        persist_period_s: float = 5.0,
        unheard_after_s: float = 10.0,
    ) -> None:
        self.runner = runner
        self.publish_period_s = publish_period_s
        self.persist_period_s = persist_period_s
        self.unheard_after_s = unheard_after_s
        self._states: dict[int, LiveVehicle] = {}
        self._status: dict[int, str] = {}
        self._watchers: dict[int, asyncio.Task[None]] = {}
        self._urls: dict[int, str] = {}
        self._problems: dict[str, str] = {}
        self._published: dict[int, float] = {}
        self._persisted: dict[int, float] = {}
        self._tasks: asyncio.TaskGroup | None = None

    # -- LiveFleet ----------------------------------------------------------------------------

    def vehicle(self, vehicle_id: int) -> LiveVehicle | None:
        """The vehicle's live state (``None``: it is not watched)."""
        if vehicle_id not in self._watchers:
            return None
        return self._states.get(vehicle_id, LiveVehicle(vehicle_id))

    def link_problems(self) -> list[LinkProblem]:
        """Connections that could not be opened, with the reason."""
        used = set(self._urls.values())
        return [LinkProblem(u, why) for u, why in sorted(self._problems.items()) if u in used]

    async def stop_flight(
        self, mission_id: int, vehicles: Sequence[VehicleRow], command: VehicleCommand
    ) -> dict[int, str]:
        """Stop the runner flying ``mission_id``, then bring back each vehicle one of its legs
        held: ``command`` (rtl or land) when it is in the air or a ground robot on the move
        (``land``: the robot holds where it is), disarm an aircraft armed on the ground. A
        vehicle no leg of it holds (still flying an earlier mission, or done) is left alone."""
        held = await self.runner.stop_flight(mission_id)
        done = {
            row.id: await self._bring_back(row, command)
            if row.id in held
            else "not flying this mission: not commanded"
            for row in vehicles
            if row.id
        }
        if any(outcome.endswith(" accepted") for outcome in done.values()):
            why = f"stopped by its operator: vehicle told to {command.value}"
            now = self.runner.now()
            for row in await self._db(recall.returning, mission_id, why, now=now):
                self._intent_state(row)
        return done

    def _intent_state(self, row: IntentRow) -> None:
        self.runner.context.bus.emit(
            "intent.state",
            row.operator_id,
            intent_id=row.id,
            mission_id=row.mission_id,
            state=row.state,
        )

    async def _bring_back(self, row: VehicleRow, command: VehicleCommand) -> str:
        pool = self.runner.pool
        link = None if pool is None else pool.known(row.mavlink_url, row.system_id)
        if link is None or not link.connected:
            return "no live link: not commanded"
        assert row.id is not None
        state = live_state(row.id, link, self.runner.now(), None)
        if row.kind == "ground_robot" and command is VehicleCommand.LAND:
            command = VehicleCommand.HOLD  # a robot "lands" by stopping where it is
        try:
            moving = row.kind == "ground_robot" and bool(state.armed)
            if moving or state.airborne or (state.armed and state.landed_state is None):
                await action_of(link, command)()
                return f"{command.value} accepted"
            if state.armed:
                await link.disarm()
                return "disarmed on the ground"
        except BridgeError as exc:
            return f"{command.value} refused: {exc}"
        return "on the ground, disarmed: nothing to do"

    # -- running ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Watch every vehicle until cancelled; follow registrations and deletions."""
        context = self.runner.context
        async with context.bus.subscribe() as events, asyncio.TaskGroup() as tasks:
            self._tasks = tasks
            for watched in await asyncio.to_thread(self._load, None):
                self._watch(watched)
            context.live = self
            try:
                await self._follow_registry(events)
            finally:
                context.live = None

    async def _follow_registry(self, events: AsyncIterator[Any]) -> None:
        async for event in events:
            if not event.kind.startswith("vehicle.") or "vehicle_id" not in event.data:
                continue
            vehicle_id = int(event.data["vehicle_id"])
            if event.kind == "vehicle.status":  # the flights' changes too
                self._status[vehicle_id] = str(event.data["status"])
            elif event.kind == "vehicle.deleted":
                self._unwatch(vehicle_id)
            elif event.kind in ("vehicle.registered", "vehicle.discovered", "vehicle.updated"):
                self._unwatch(vehicle_id)
                try:
                    found = await asyncio.to_thread(self._load, vehicle_id)
                except SQLAlchemyError as exc:
                    why = f"vehicle {vehicle_id} not watched: {type(exc).__name__}: {exc}"
                    self.runner.context.bus.emit("runner.error", event.operator_id, reason=why)
                    continue
                for watched in found:
                    self._watch(watched)

    def _load(self, vehicle_id: int | None) -> list[Watched]:
        with self.runner.context.sessions() as session:
            query = select(VehicleRow).order_by(col(VehicleRow.id))
            if vehicle_id is not None:
                query = query.where(VehicleRow.id == vehicle_id)
            rows = session.exec(query).all()
            self._status.update({r.id: r.status for r in rows if r.id is not None})
            return [Watched.of(r) for r in rows]

    def _watch(self, watched: Watched) -> None:
        assert self._tasks is not None
        task = self._tasks.create_task(self._guarded(watched), name=f"watch-{watched.id}")
        self._watchers[watched.id] = task
        self._urls[watched.id] = watched.mavlink_url

    def _unwatch(self, vehicle_id: int) -> None:
        task = self._watchers.pop(vehicle_id, None)
        self._urls.pop(vehicle_id, None)
        if task is not None:
            task.cancel()
        self._states.pop(vehicle_id, None)

    async def _guarded(self, watched: Watched) -> None:
        """Watch one vehicle; its failure is reported, never the others' end."""
        try:
            await self._watch_one(watched)
        except (BridgeError, OSError) as exc:
            self._problems[watched.mavlink_url] = str(exc)
            self._report(watched, str(exc))
        except Exception as exc:  # a bug here must not end the runner's task group
            self._report(watched, f"no longer followed: {type(exc).__name__}: {exc}")

    def _report(self, watched: Watched, reason: str) -> None:
        self.runner.context.bus.emit(
            "runner.error",
            watched.operator_id,
            vehicle_id=watched.id,
            url=watched.mavlink_url,
            reason=reason,
        )

    async def _watch_one(self, watched: Watched) -> None:
        pool = self.runner.pool
        assert pool is not None
        hub = await pool.hub(watched.mavlink_url)
        self._problems.pop(watched.mavlink_url, None)
        link = hub.vehicle(watched.system_id)
        while link is None:
            try:
                link = await hub.wait_vehicle(watched.system_id, self.unheard_after_s)
            except TimeoutError:
                await self._unheard(watched)
        await self._update(watched, link)
        async with asyncio.TaskGroup() as tg:
            t = link.telemetry
            for stream in (t.position, t.battery, t.flight_mode, t.armed, t.landed_state, t.link):
                tg.create_task(self._follow(stream, watched, link))

    async def _follow(self, stream: Any, watched: Watched, link: Vehicle) -> None:
        async for _ in stream:
            await self._update(watched, link)

    async def _unheard(self, watched: Watched) -> None:
        """Nothing heard yet: a vehicle stored as flying or idle is not known to be."""
        if self._status.get(watched.id, "registered") not in (*UNREPORTED, "lost"):
            await self._set_status(watched, "lost")

    async def _update(self, watched: Watched, link: Vehicle) -> None:
        previous = self._states.get(watched.id)
        state = live_state(watched.id, link, self.runner.now(), previous)
        self._states[watched.id] = state
        changed = previous is None or _discrete(previous) != _discrete(state)
        now = time.monotonic()
        try:
            if changed or now - self._published.get(watched.id, 0.0) >= self.publish_period_s:
                self._published[watched.id] = now
                await self._follow_status(watched, state)
                self._publish(watched, state)
            if changed or now - self._persisted.get(watched.id, 0.0) >= self.persist_period_s:
                self._persisted[watched.id] = now
                row = telemetry_row(state)
                if row is not None:
                    await self._db(save_telemetry, row)
        except SQLAlchemyError as exc:  # e.g. deleted meanwhile, or the database is down
            self._report(watched, f"not stored: {type(exc).__name__}: {exc}"[:500])

    async def _follow_status(self, watched: Watched, state: LiveVehicle) -> None:
        if self.runner.vehicle_busy(watched.id):
            return  # the flight owns the status while a leg flies
        status = status_of(state, self._status.get(watched.id, "registered"))
        if status is not None and status != self._status.get(watched.id):
            await self._set_status(watched, status)

    async def _set_status(self, watched: Watched, status: str) -> None:
        self._status[watched.id] = status
        now = self.runner.now()
        await self._db(set_vehicle_status, watched.id, status, now=now)
        self.runner.context.bus.emit(
            "vehicle.status", watched.operator_id, vehicle_id=watched.id, status=status
        )
        if status == "idle":  # back on the ground after a stopped flight: its airspace ends
            for row in await self._db(recall.landed, watched.id, now=now):
                self._intent_state(row)

    def _publish(self, watched: Watched, state: LiveVehicle) -> None:
        self.runner.context.bus.emit(
            "vehicle.telemetry",
            watched.operator_id,
            vehicle_id=watched.id,
            name=watched.name,
            status=self._status.get(watched.id),
            link=state.link.value,
            armed=state.armed,
            mode=state.mode,
            landed_state=state.landed_state,
            lon_deg=state.lon_deg,
            lat_deg=state.lat_deg,
            alt_amsl_m=state.alt_amsl_m,
            alt_agl_m=state.alt_rel_home_m,
            battery_pct=state.battery_pct,
        )

    async def _db(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        def call() -> T:
            with self.runner.db_lock, self.runner.context.sessions() as session:
                return fn(session, *args, **kw)

        return await asyncio.to_thread(call)


def _discrete(state: LiveVehicle) -> tuple[object, ...]:
    """What makes a change worth publishing at once."""
    return (state.link, state.armed, state.mode, state.landed_state)
