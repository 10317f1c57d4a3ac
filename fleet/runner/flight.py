"""Fly one leg on one vehicle: upload, arm, start, follow telemetry until it has landed.

The mission is uploaded and the vehicle put in Mission mode ahead of the departure; at the
departure it is armed, which starts the mission at once (see :mod:`fleet.runner.launch`: PX4
disarms a vehicle armed without a take-off after ``COM_DISARM_PRFLT``). A vehicle that disarms
before its mission ends fails the leg at once with what PX4 said.

The flow only iterates telemetry streams (MAVSDK style); it never sleeps to wait for a state.
What the leg means for the mission and the airspace (lifecycle transitions, intent states,
conformance, the audit log) is the caller's, through :class:`LegObserver`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from airspace.frames import ground_distance_m
from airspace.route import Route
from firmware_bridge.errors import BridgeError
from firmware_bridge.mission_item import MissionItem, in_px4_frame
from firmware_bridge.px4 import FlightMode
from firmware_bridge.telemetry import (
    LandedState,
    LinkState,
    MissionProgress,
    Position,
    Telemetry,
)
from fleet.runner.launch import (
    LaunchFailed,
    LaunchPolicy,
    enter_mission_mode,
    launch,
    preflight_disarm_s,
)


class DepartureClock(Protocol):
    """Waits for a (simulated) time."""

    async def sleep_until(self, when: datetime) -> None: ...

    def now(self) -> datetime: ...


class VehicleLink(Protocol):
    """What the runner needs from a bridge vehicle (a ``firmware_bridge`` vehicle handle)."""

    @property
    def telemetry(self) -> Telemetry: ...

    async def upload_mission(self, items: Sequence[MissionItem]) -> None: ...

    async def arm(self) -> None: ...

    async def disarm(self, *, force: bool = False) -> None: ...

    async def start_mission(self) -> None: ...

    async def get_param(self, name: str) -> int | float: ...

    async def return_to_launch(self) -> None: ...

    async def land(self) -> None: ...

    async def hold(self) -> None: ...


@dataclass(frozen=True, slots=True)
class LegPlan:
    """One leg ready to fly: who, what, and the intent that reserves its airspace."""

    mission_id: int
    seq: int
    vehicle_id: int
    vehicle_name: str
    flies: bool
    route: Route
    items: tuple[MissionItem, ...]
    intent_id: str | None
    last_leg: bool


class LegObserver(Protocol):
    """Receives what happens to a leg; the runner persists and publishes it."""

    async def uploaded(self, plan: LegPlan) -> None: ...

    async def started(self, plan: LegPlan) -> None: ...

    async def position(self, plan: LegPlan, position: Position) -> None: ...

    async def link_changed(self, plan: LegPlan, link: LinkState) -> None: ...

    async def landed(self, plan: LegPlan) -> None: ...


class LegFailed(Exception):
    """A leg could not be flown to its end; ``str(err)`` is the reason recorded."""


async def _follow_positions(plan: LegPlan, link: VehicleLink, observer: LegObserver) -> None:
    async for position in link.telemetry.position:
        await observer.position(plan, position)


async def _follow_link(plan: LegPlan, link: VehicleLink, observer: LegObserver) -> None:
    async for state in link.telemetry.link:
        await observer.link_changed(plan, state)


async def _until_done(
    plan: LegPlan, link: VehicleLink, stale: MissionProgress | None, timeout_s: float
) -> None:
    """Return when the mission's last item is reached and (for aircraft) it is on the ground."""
    telemetry = link.telemetry
    try:
        await telemetry.mission_progress.wait_for(_finished(plan, stale), timeout_s)
        await _hold_where_it_is(link)
        if plan.flies:
            await telemetry.landed_state.wait_for(
                lambda e: e.state is LandedState.ON_GROUND, timeout_s
            )
    except TimeoutError as exc:
        raise LegFailed(
            f"leg {plan.seq} on {plan.vehicle_name}: not finished within {timeout_s:.0f} s "
            "(wall clock) of its start"
        ) from exc


async def fly_leg(
    plan: LegPlan,
    link: VehicleLink,
    observer: LegObserver,
    timeout_s: float,
    *,
    resume: bool = False,
    clock: DepartureClock | None = None,
    max_late_s: float = 45.0,
    launch_policy: LaunchPolicy | None = None,
) -> None:
    """Upload, arm, start and follow ``plan`` on ``link`` until it has landed.

    Args:
        plan: the leg.
        link: the vehicle's bridge handle.
        observer: told of every step, in order; its errors propagate.
        timeout_s: wall seconds the flight may take after the start.
        resume: the vehicle is already flying this leg (after a restart): only follow it.
        clock: when given, the mission is uploaded and Mission mode set at once, and the
            vehicle armed (which starts the mission) at the route's departure; without one,
            all of it at once.
        max_late_s: with a clock, a leg that could only start this many (simulated) seconds
            after its reserved departure is not flown: its airspace is no longer reserved.
        launch_policy: how the start is confirmed and retried (see :mod:`fleet.runner.launch`).

    Raises:
        LegFailed: the flight did not finish (the vehicle is told to return to launch if it
            is armed), or never left the ground (the launch failed twice, with PX4's words).
        firmware_bridge.errors.BridgeError: a command or the upload was refused.
    """
    stale = None if resume else link.telemetry.mission_progress.latest  # the previous mission's
    outcome: BaseException | None = None
    async with asyncio.TaskGroup() as tg:
        # follow the vehicle from before it arms: at high time acceleration the protocol round
        # trips of the start take seconds of simulated flight, and the climb must be on record
        watchers = [
            tg.create_task(_follow_positions(plan, link, observer)),
            tg.create_task(_follow_link(plan, link, observer)),
        ]
        try:
            if not resume:
                policy = launch_policy or LaunchPolicy()
                await _launch(plan, link, observer, clock, max_late_s, policy)
            outcome = await _until_finished_or_failsafe(plan, link, stale, timeout_s)
        except Exception as exc:  # raised below, as it is, once the watchers have stopped
            outcome = exc
        finally:
            for task in watchers:
                task.cancel()
    if isinstance(outcome, LegFailed) and not isinstance(outcome, _NotStarted):
        await _return_home(link)
    if outcome is not None:
        raise outcome
    await observer.landed(plan)


class _NotStarted(LegFailed):
    """The leg was refused before arming (late, or away from its start): nothing to recall."""


async def _launch(
    plan: LegPlan,
    link: VehicleLink,
    observer: LegObserver,
    clock: DepartureClock | None,
    max_late_s: float,
    policy: LaunchPolicy,
) -> None:
    await link.upload_mission([in_px4_frame(item) for item in plan.items])
    await observer.uploaded(plan)
    armed = link.telemetry.armed.latest
    if armed is not None and not armed.armed:
        # in Mission mode on the ground, disarmed, it waits: nothing happens until it is
        # armed, and PX4's check of the new mission is over long before the departure (one
        # still armed, a rover between legs, would start at once: it switches at departure)
        await enter_mission_mode(link)
    async with asyncio.TaskGroup() as tg:
        # read while it waits: a vehicle without the parameter takes seconds to say so
        reading = tg.create_task(preflight_disarm_s(link))
        if clock is not None:
            await clock.sleep_until(plan.route.departure)
        prflt_s = reading.result() if reading.done() else None
        reading.cancel()
    if clock is not None:
        _check_ready(plan, link, clock.now(), max_late_s)

    async def started() -> None:
        await observer.started(plan)

    try:
        await launch(link, flies=plan.flies, policy=policy, started=started, prflt_s=prflt_s)
    except LaunchFailed as exc:  # left armed only if it would not disarm: then it is recalled
        raise LegFailed(f"leg {plan.seq} on {plan.vehicle_name}: {exc}") from exc


async def _until_finished_or_failsafe(
    plan: LegPlan, link: VehicleLink, stale: MissionProgress | None, timeout_s: float
) -> LegFailed | None:
    async with asyncio.TaskGroup() as tg:
        finish = tg.create_task(_outcome(_until_done(plan, link, stale, timeout_s)))
        guards = {
            tg.create_task(_failsafe(plan, link)),
            tg.create_task(_disarmed_midway(plan, link, stale)),
        }
        pending: set[asyncio.Task[LegFailed | None]] = {finish, *guards}
        failure = None
        while failure is None and not finish.done():
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            failure = next((t.result() for t in done if t in guards and t.result()), None)
        if failure is None:
            failure = await finish
        for task in (finish, *guards):
            task.cancel()
    return failure


def _finished(plan: LegPlan, stale: MissionProgress | None) -> Callable[[MissionProgress], bool]:
    """Whether a progress report (not the previous mission's) says the last item is reached."""
    total = len(plan.items)
    return lambda p: p is not stale and p.reached_seq >= total - 1


START_RADIUS_M = 20.0  # the vehicle must stand this close to the leg's first waypoint
START_ALT_M = 10.0  # and, when the leg reserves airspace, this close to its altitude


def _check_ready(plan: LegPlan, link: VehicleLink, now: datetime, max_late_s: float) -> None:
    """Refuse a leg that would start late or away from where its route starts.

    A leg under an intent also needs the vehicle's altitude to match the route's start: a
    vehicle whose altitude reference (or the city's ground datum) is off by tens of metres
    would leave its reserved volumes on every take-off.

    Raises:
        LegFailed: the reserved departure has passed by more than ``max_late_s``, the vehicle
            is more than :data:`START_RADIUS_M` from the route's start or, for a leg with an
            intent, more than :data:`START_ALT_M` above or below it.
    """
    late_s = (now - plan.route.departure).total_seconds()
    if late_s > max_late_s:
        raise _NotStarted(
            f"leg {plan.seq} on {plan.vehicle_name}: missed its reserved departure "
            f"by {late_s:.0f} s; not flown"
        )
    here = link.telemetry.position.latest
    start = plan.route.waypoints[0]
    if here is not None:
        off_m = ground_distance_m(here.lon_deg, here.lat_deg, start.lon_deg, start.lat_deg)
        if off_m > START_RADIUS_M:
            raise _NotStarted(
                f"leg {plan.seq} on {plan.vehicle_name}: the vehicle is "
                f"{off_m:.0f} m from the route's start; not flown"
            )
        dz = here.alt_amsl_m - start.alt_amsl_m
        if plan.intent_id is not None and abs(dz) > START_ALT_M:
            raise _NotStarted(
                f"leg {plan.seq} on {plan.vehicle_name}: the vehicle reports "
                f"{here.alt_amsl_m:.1f} m AMSL where its route starts at {start.alt_amsl_m:.1f} m "
                f"({dz:+.0f} m); its altitude reference or the city's ground is wrong; not flown"
            )


async def _outcome(wait: Coroutine[Any, Any, None]) -> LegFailed | None:
    """Run ``wait``; its :class:`LegFailed` becomes the result instead of an exception."""
    try:
        await wait
    except LegFailed as exc:
        return exc
    return None


async def _failsafe(plan: LegPlan, link: VehicleLink) -> LegFailed | None:
    """Return a failure as soon as the vehicle leaves its mission for RTL or Land on its own
    (a PX4 failsafe: low battery, lost link, geofence); ``None`` if telemetry ends first."""
    async for state in link.telemetry.flight_mode:
        if state.mode in (FlightMode.RTL, FlightMode.LAND):
            said = link.telemetry.status_text.latest
            why = f" ({said.text})" if said is not None else ""
            return LegFailed(
                f"leg {plan.seq} on {plan.vehicle_name}: the vehicle switched to "
                f"{state.mode.value}{why}"
            )
    return None


async def _hold_where_it_is(link: VehicleLink) -> None:
    """Switch to Hold at once when the mission ends, so the vehicle stays where it finished.

    PX4 holds where a mission ends; skyfleet's simulator (as of this writing) goes back to the
    hold point set at arming instead, sliding along the ground. Holding explicitly is harmless
    on PX4 and keeps the vehicle at its pad on both.
    """
    with contextlib.suppress(BridgeError):
        await link.hold()


async def _disarmed_midway(
    plan: LegPlan, link: VehicleLink, stale: MissionProgress | None, grace_s: float = 1.0
) -> LegFailed | None:
    """A failure as soon as the vehicle disarms before its mission's last item is reached
    (PX4 disarms after its landing; the item report may trail the heartbeat by ``grace_s``
    wall seconds); ``None`` if telemetry ends first."""
    telemetry = link.telemetry
    async for state in telemetry.armed:
        if state.armed:
            continue
        try:
            await telemetry.mission_progress.wait_for(_finished(plan, stale), grace_s)
        except TimeoutError:
            said = telemetry.status_text.latest
            why = f" ({said.text})" if said is not None else ""
            return LegFailed(
                f"leg {plan.seq} on {plan.vehicle_name}: the vehicle disarmed before the end "
                f"of its mission{why}"
            )
        return None
    return None


async def _return_home(link: VehicleLink) -> None:
    armed = link.telemetry.armed.latest
    if armed is not None and not armed.armed:
        return  # on the ground (or fallen): nothing to bring back, and RTL left set would fly
        # at the next arming
    try:
        await link.return_to_launch()
    except Exception:  # the link may be gone: the failure reason is the leg's, not this
        return
