"""The service's dispatch loop: schedules what is booked and books each sortie when its
vehicles are back, for every operator whose ``auto_dispatch`` is on.

:class:`DispatchLoop` owns one task group (``run()``). It wakes on new bookings (once they stop
arriving for ``settle_s`` of wall time, so a burst is planned together), on landings and ended
missions (``vehicle.status`` / ``mission.state`` events), on an operator turning its dispatch
on, and on a periodic tick. Each wake-up is one *cycle*: a scheduling round per operator with
new ``requested`` missions (:func:`fleet.dispatch.engine.schedule_round`), then every sortie
whose vehicles are free is planned and booked (:class:`fleet.dispatch.dispatcher.Dispatcher`,
in a worker thread). A ``dispatch.cycle`` event tells clients what the cycle did. Times are the
service's clock (``context.clock``), never the wall clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from fleet.dispatch.dispatcher import Dispatcher, DispatchSettings
from fleet.dispatch.engine import Round, schedule_round
from fleet.dispatch.legs import DISPATCH_APPROVAL, leg_tools
from fleet.dispatch.pads import Positions
from fleet.dispatch.schedule import busy_until
from fleet.errors import InfeasibleMission
from fleet.service.approval import ApprovalSettings
from fleet.service.context import ServiceContext
from fleet.service.events import Event
from fleet.storage.tables import MissionRow, Operator

HORIZON = timedelta(hours=2)
"""How far ahead each scheduling round plans."""


@dataclass(frozen=True, slots=True)
class LoopSettings:
    """When the loop wakes.

    Attributes:
        settle_s: wall seconds without a new booking before a burst is scheduled.
        max_settle_s: the longest a booking waits for the burst to end.
        tick_s: wall seconds between two cycles when nothing happens.
        horizon: how far ahead a scheduling round plans.
    """

    settle_s: float = 1.0
    max_settle_s: float = 5.0
    tick_s: float = 30.0
    horizon: timedelta = HORIZON


class DispatchLoop:
    """The dispatcher of a running service; see the module docstring.

    Args:
        context: the running service (planners, database, bus, clock).
        positions: vehicle id -> its live position (the runner's links), for pads.
        db_lock: held around each write (the runner's: one writer at a time on SQLite).
        settings: how the sorties are timed.
        approval: the approval's lead, handover, speeds and fix search (default
            :data:`~fleet.dispatch.legs.DISPATCH_APPROVAL`).
        loop_settings: when the loop wakes.
    """

    def __init__(
        self,
        context: ServiceContext,
        positions: Positions = lambda _vehicle_id: None,
        db_lock: contextlib.AbstractContextManager[Any] | None = None,
        settings: DispatchSettings | None = None,
        loop_settings: LoopSettings | None = None,
        approval: ApprovalSettings | None = None,
    ) -> None:
        self.context = context
        self.positions = positions
        self.db_lock = db_lock
        self.settings = settings or DispatchSettings()
        self.approval = approval or DISPATCH_APPROVAL
        self.loop_settings = loop_settings or LoopSettings()
        self._dispatcher: Dispatcher | None = None
        self._wake = asyncio.Event()
        self._booked = asyncio.Event()
        self._cycle = asyncio.Lock()

    @property
    def dispatcher(self) -> Dispatcher:
        """The sortie queues and vehicles held (created once the city is loaded).

        Raises:
            InfeasibleMission: no buildings loaded.
        """
        if self._dispatcher is None:
            tools = leg_tools(self.context, self.approval)
            lock = self.db_lock if self.db_lock is not None else contextlib.nullcontext()
            self._dispatcher = Dispatcher(
                tools, self.context.clock, self.positions, lock, self.settings
            )
        return self._dispatcher

    async def run(self) -> None:
        """Dispatch until cancelled."""
        async with self.context.bus.subscribe() as events, asyncio.TaskGroup() as tg:
            tg.create_task(self._watch(events), name="dispatch-events")
            tg.create_task(self._tick(), name="dispatch-tick")
            self._booked.set()  # what was booked before the start
            self._wake.set()
            try:
                while True:
                    await self._wake.wait()
                    self._wake.clear()
                    await self._settle()
                    await self.cycle()
            finally:
                if self._dispatcher is not None:
                    self._dispatcher.stopped = True

    def wake(self, *, booked: bool = False) -> None:
        """Run a cycle soon (``booked``: with a scheduling round)."""
        if booked:
            self._booked.set()
        self._wake.set()

    async def _watch(self, events: AsyncIterator[Event]) -> None:
        async for event in events:
            kind, data = event.kind, event.data
            booked = kind == "mission.state" and data.get("state") == "requested"
            if booked or (kind == "operator.dispatch" and data.get("auto")):
                self.wake(booked=True)
            if self._dispatcher is not None and self._dispatcher.observe(event):
                self.wake()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.loop_settings.tick_s)  # a periodic cycle, not a wait
            self.wake(booked=True)

    async def _settle(self) -> None:
        """Wait until bookings stop arriving (a burst is scheduled together)."""
        if not self._booked.is_set():
            return
        s = self.loop_settings
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(s.max_settle_s):
                while True:
                    self._booked.clear()
                    try:
                        async with asyncio.timeout(s.settle_s):
                            await self._booked.wait()
                    except TimeoutError:
                        break
        self._booked.set()  # the cycle schedules

    async def cycle(self) -> dict[int, Round]:
        """One cycle: a scheduling round per operator with new bookings (when bookings came
        in), then every sortie whose vehicles are free; returns the rounds."""
        async with self._cycle:
            rounds: dict[int, Round] = {}
            if self._booked.is_set():
                self._booked.clear()
                rounds = await asyncio.to_thread(self._schedule_all)
            booked = await self.dispatch_ready()
            d = self._dispatcher
            self.context.bus.emit(
                "dispatch.cycle",
                None,
                scheduled=sorted(m for r in rounds.values() for m in r.scheduled),
                left_out={str(k): v for r in rounds.values() for k, v in r.left_out.items()},
                approved=booked,
                waiting=0 if d is None else sum(len(q) for q in d.queues.values()),
                at=self.context.clock().isoformat(),
            )
            return rounds

    def _schedule_all(self) -> dict[int, Round]:
        """A round for each operator with auto dispatch and requested missions."""
        with self.context.sessions() as session:
            operators = session.exec(
                select(Operator.id)
                .join(MissionRow, col(MissionRow.operator_id) == col(Operator.id))
                .where(Operator.auto_dispatch == True, MissionRow.state == "requested")  # noqa: E712
                .distinct()
            ).all()
        rounds: dict[int, Round] = {}
        for operator_id in operators:
            if operator_id is None:
                continue
            try:
                dispatcher = self.dispatcher
            except InfeasibleMission:
                return rounds  # no city yet: bookings wait for one
            try:
                with self.context.sessions() as session:
                    rounds[operator_id] = schedule_round(
                        session,
                        self.context,
                        dispatcher,
                        operator_id,
                        start=self.context.clock(),
                        horizon=self.loop_settings.horizon,
                    )
            except Exception as exc:  # one operator's fault must not stop the others'
                why = f"{type(exc).__name__}: {exc}"
                self.context.bus.emit("dispatch.error", operator_id, reason=why[:480])
        return rounds

    async def dispatch_ready(self) -> list[int]:
        """Book every sortie whose vehicles are free now, one at a time; the missions approved."""
        d = self._dispatcher
        approved: list[int] = []
        if d is None:
            return approved
        await asyncio.to_thread(d.refresh_twins)
        while batch := d.ready():
            for sortie in batch:
                d.take(sortie)
                approved += await asyncio.to_thread(d.dispatch, sortie)
        return approved


@asynccontextmanager
async def running(loop: DispatchLoop) -> AsyncIterator[DispatchLoop]:
    """``loop`` running as the service's dispatcher (``context.dispatcher``) for the block."""
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(loop.run(), name="dispatcher")
        loop.context.dispatcher = loop
        try:
            yield loop
        finally:
            loop.context.dispatcher = None
            task.cancel()


@dataclass(frozen=True, slots=True)
class ClientRound:
    """A scheduling round a client asked for (``POST /scheduling/run``).

    Attributes:
        round: what the scheduler placed and left out (those stay ``requested``).
        approved: the missions booked now (their vehicles were free).
        not_approved: mission id -> why it is not booked now (failed with that reason, or
            queued until its vehicles are back).
    """

    round: Round
    approved: list[int]
    not_approved: dict[int, str]


async def client_round(
    context: ServiceContext,
    operator_id: int,
    *,
    start: datetime,
    horizon: timedelta,
    time_limit_s: float,
    approve: bool,
    actor: str,
) -> ClientRound:
    """Schedule the operator's requested missions with the dispatcher's engine; with
    ``approve``, hand the sorties to the dispatcher, which books those whose vehicles are free
    now and each other one when its vehicles are back (the running loop's landings; without a
    runner, nothing lands: they wait).

    Raises:
        InfeasibleMission: no buildings loaded (with ``approve``).
    """
    running_loop = context.dispatcher if isinstance(context.dispatcher, DispatchLoop) else None
    loop = running_loop or DispatchLoop(context)
    async with loop._cycle:
        dispatcher = loop.dispatcher if approve else loop._dispatcher
        if running_loop is None and dispatcher is not None:
            await asyncio.to_thread(_seed_busy, dispatcher)

        def plan() -> Round:
            with context.sessions() as session:
                return schedule_round(
                    session, context, dispatcher, operator_id, start=start, horizon=horizon,
                    actor=actor, fail_left_out=False, queue=approve, time_limit_s=time_limit_s,
                )  # fmt: skip

        done = await asyncio.to_thread(plan)
        approved = await loop.dispatch_ready() if approve else []
    if not approve:
        return ClientRound(done, [], {})
    d = loop.dispatcher
    waiting = d.waiting()
    reasons = {m: d.failures.get(m) or waiting.get(m) for m in done.scheduled if m not in approved}
    return ClientRound(done, approved, {m: r or "not booked" for m, r in reasons.items()})


def _seed_busy(dispatcher: Dispatcher) -> None:
    """Without a running loop, vehicles with booked flights are free after their last planned
    landing and the dock's turnaround (no landing will be observed)."""
    with dispatcher.tools.context.sessions() as session:
        for a in busy_until(session, dispatcher.clock()):
            dispatcher.free_at[int(a.vehicle_id)] = a.time
