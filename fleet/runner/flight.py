"""Fly one leg on one vehicle: upload, arm, start, follow telemetry until it has landed.

The flow only iterates telemetry streams (MAVSDK style); it never sleeps to wait for a state.
What the leg means for the mission and the airspace (lifecycle transitions, intent states,
conformance, the audit log) is the caller's, through :class:`LegObserver`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from airspace.route import Route
from firmware_bridge.errors import BridgeError
from firmware_bridge.mission_item import MissionItem
from firmware_bridge.telemetry import (
    LandedState,
    LinkState,
    MissionProgress,
    Position,
    Telemetry,
)


class VehicleLink(Protocol):
    """What the runner needs from a bridge vehicle (a ``firmware_bridge`` vehicle handle)."""

    @property
    def telemetry(self) -> Telemetry: ...

    async def upload_mission(self, items: Sequence[MissionItem]) -> None: ...

    async def arm(self) -> None: ...

    async def start_mission(self) -> None: ...

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
    total = len(plan.items)

    def finished(p: MissionProgress) -> bool:
        return p is not stale and p.reached_seq >= total - 1

    try:
        await telemetry.mission_progress.wait_for(finished, timeout_s)
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
) -> None:
    """Upload, arm, start and follow ``plan`` on ``link`` until it has landed.

    Args:
        plan: the leg.
        link: the vehicle's bridge handle.
        observer: told of every step, in order; its errors propagate.
        timeout_s: wall seconds the flight may take after the start.
        resume: the vehicle is already flying this leg (after a restart): only follow it.

    Raises:
        LegFailed: the flight did not finish (the vehicle is told to return to launch).
        firmware_bridge.errors.BridgeError: a command or the upload was refused.
    """
    stale = None
    if not resume:
        stale = link.telemetry.mission_progress.latest  # the previous mission's progress
        await link.upload_mission(plan.items)
        await observer.uploaded(plan)
        await link.arm()
        await link.start_mission()
        await observer.started(plan)
    failure: LegFailed | None = None
    async with asyncio.TaskGroup() as tg:
        watchers = [
            tg.create_task(_follow_positions(plan, link, observer)),
            tg.create_task(_follow_link(plan, link, observer)),
        ]
        try:
            await _until_done(plan, link, stale, timeout_s)
        except LegFailed as exc:
            failure = exc
        for task in watchers:
            task.cancel()
    if failure is not None:
        await _return_home(link)
        raise failure
    await observer.landed(plan)


async def _hold_where_it_is(link: VehicleLink) -> None:
    """Switch to Hold at once when the mission ends, so the vehicle stays where it finished.

    PX4 holds where a mission ends; skyfleet's simulator (as of this writing) goes back to the
    hold point set at arming instead, sliding along the ground. Holding explicitly is harmless
    on PX4 and keeps the vehicle at its pad on both.
    """
    with contextlib.suppress(BridgeError):
        await link.hold()


async def _return_home(link: VehicleLink) -> None:
    try:
        await link.return_to_launch()
    except Exception:  # the link may be gone: the failure reason is the leg's, not this
        return
