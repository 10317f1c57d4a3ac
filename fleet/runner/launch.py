"""Start a leg on PX4: Mission mode first, then arm, confirmed by the heartbeat, then a climb.

PX4 disarms an armed vehicle that has not taken off within ``COM_DISARM_PRFLT`` (10 s stock)
and disarms it again after every landing (``COM_DISARM_LAND``), so each leg arms anew and only
when its take-off follows at once. Arming in Mission mode is that: measured on PX4 SITL, PX4
says "Executing Mission" 50 ms after "Armed by external command" and detects the take-off 2 s
later; skyfleet's simulator does the same. So the vehicle is put in Mission mode on the ground
(disarmed, where it waits harmlessly for its departure) and armed at the departure.

Nothing is believed from a COMMAND_ACK alone: armed and the mode are read from the HEARTBEAT
(PX4 sends it at 1 Hz) before the start is reported, and an aircraft must then climb
:attr:`LaunchPolicy.climb_m` within :attr:`LaunchPolicy.climb_within_s`. A vehicle that
disarms (PX4's pre-flight disarm, a refused arming) or never climbs is launched once more, then
the launch fails with what PX4 said (its latest STATUSTEXT).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from firmware_bridge.errors import BridgeError, CommandDenied, ParameterError
from firmware_bridge.px4 import FlightMode
from firmware_bridge.telemetry import StatusText, Telemetry

PREFLIGHT_DISARM_PARAM = "COM_DISARM_PRFLT"


@dataclass(frozen=True, slots=True)
class LaunchPolicy:
    """How a leg is started and how long its vehicle has to show it is flying.

    Attributes:
        confirm_timeout_s: wall seconds for the heartbeat to show the vehicle armed (PX4 sends
            one a second).
        climb_m: an aircraft has taken off once this far above where it armed.
        climb_within_s: wall seconds after arming for that climb (PX4 SITL: 2-3 s).
        attempts: launches before the leg fails (the second one re-arms).
    """

    confirm_timeout_s: float = 3.0
    climb_m: float = 1.0
    climb_within_s: float = 15.0
    attempts: int = 2


class Launchable(Protocol):
    """What a launch needs from a bridge vehicle."""

    @property
    def telemetry(self) -> Telemetry: ...

    async def arm(self) -> None: ...

    async def disarm(self, *, force: bool = False) -> None: ...

    async def start_mission(self) -> None: ...

    async def get_param(self, name: str) -> int | float: ...


class LaunchFailed(Exception):
    """The vehicle did not arm, or disarmed or did not climb after arming, on every attempt.

    ``str(err)`` says what happened and what the vehicle said.
    """


async def preflight_disarm_s(link: Launchable) -> float | None:
    """PX4's ``COM_DISARM_PRFLT`` (seconds armed without a take-off before it disarms).

    Returns:
        The delay, or ``None`` when the vehicle does not disarm pre-flight (0 or less) or has
        no such parameter.
    """
    try:
        value = float(await link.get_param(PREFLIGHT_DISARM_PARAM))
    except ParameterError:
        return None
    return value if value > 0 else None


async def enter_mission_mode(link: Launchable) -> None:
    """Switch to Mission mode (confirmed by the heartbeat) unless the vehicle is in it."""
    mode = link.telemetry.flight_mode.latest
    if mode is None or mode.mode is not FlightMode.MISSION:
        await link.start_mission()


async def launch(
    link: Launchable,
    *,
    flies: bool,
    policy: LaunchPolicy,
    started: Callable[[], Awaitable[None]],
    prflt_s: float | None = None,
) -> None:
    """Arm in Mission mode and see the vehicle go; ``started`` is awaited once, when the
    heartbeat first shows it armed in Mission mode.

    Args:
        link: the vehicle, with its mission uploaded.
        flies: an aircraft (it must climb); a ground robot only has to arm.
        policy: timeouts and attempts.
        started: called when the start is confirmed (mission in flight, intent Activated).
        prflt_s: the vehicle's :func:`preflight_disarm_s`, read beforehand (it is named in
            the reason of a vehicle that did not climb).

    Raises:
        LaunchFailed: every attempt failed; the vehicle is left disarmed on the ground.
        firmware_bridge.errors.BridgeError: the link failed (lost, no answer to a command).
    """
    reported = False
    failures: list[str] = []
    for _ in range(policy.attempts):
        await enter_mission_mode(link)
        failure = await _attempt(link, policy)
        if failure is None and not reported:
            reported = True
            await started()
        if failure is None and flies:
            failure = await _climbed(link, policy, prflt_s)
        if failure is None:
            return
        failures.append(failure)
        await _disarm_on_ground(link)
    raise LaunchFailed("; then ".join(failures))


async def _attempt(link: Launchable, policy: LaunchPolicy) -> str | None:
    """Arm; ``None`` once the heartbeat shows the vehicle armed in Mission mode."""
    t = link.telemetry
    before = t.status_text.latest
    try:
        await link.arm()
    except CommandDenied as exc:
        return f"arming refused ({exc.reason or exc})"
    try:
        await t.armed.wait_for(lambda s: s.armed, policy.confirm_timeout_s)
    except TimeoutError:
        said = _said(t, before)
        return f"arming not shown by the heartbeat{said}"
    mode = t.flight_mode.latest
    if mode is None or mode.mode is not FlightMode.MISSION:
        shown = "none" if mode is None else mode.mode.value
        return f"armed in mode {shown}, not Mission{_said(t, before)}"
    return None


async def _climbed(link: Launchable, policy: LaunchPolicy, prflt_s: float | None) -> str | None:
    """``None`` once the vehicle is ``climb_m`` above where it armed; a failure if it disarms
    first or has not climbed within ``climb_within_s``."""
    t = link.telemetry
    before = t.status_text.latest
    here = t.position.latest
    floor_m = (here.alt_amsl_m if here is not None else 0.0) + policy.climb_m
    climb = t.position.wait_for(lambda p: p.alt_amsl_m >= floor_m, policy.climb_within_s)
    disarm = t.armed.wait_for(lambda s: not s.armed, policy.climb_within_s)
    first = await _first(_finished(climb), _finished(disarm))
    if first == 0:
        return None
    said = _said(t, before)
    if first == 1:
        return f"disarmed before taking off{said}"
    limit = "" if prflt_s is None else f"; {PREFLIGHT_DISARM_PARAM} {prflt_s:g} s"
    return (
        f"did not climb {policy.climb_m:g} m within {policy.climb_within_s:g} s of arming"
        f"{limit}{said}"
    )


async def _finished(wait: Awaitable[object]) -> bool:
    try:
        await wait
    except TimeoutError:
        return False
    return True


async def _first(*waits: Coroutine[Any, Any, bool]) -> int:
    """The index of the first of ``waits`` to return True; -1 if none does."""
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(w) for w in waits]
        pending = set(tasks)
        winner = -1
        while pending and winner < 0:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            winner = next((tasks.index(d) for d in done if d.result()), -1)
        for task in pending:
            task.cancel()
    return winner


def _said(t: Telemetry, before: StatusText | None) -> str:
    """``": <text>"`` for the vehicle's latest STATUSTEXT if it is newer than ``before``."""
    latest = t.status_text.latest
    return "" if latest is None or latest is before else f": {latest.text}"


async def _disarm_on_ground(link: Launchable) -> None:
    """Disarm a vehicle that armed but did not take off (PX4 refuses it in the air)."""
    armed = link.telemetry.armed.latest
    if armed is not None and armed.armed:
        try:
            await link.disarm()
        except BridgeError:  # it may have disarmed by itself meanwhile
            return
