"""`skyfleet fly`: fly a QGroundControl ``.plan`` on one vehicle over MAVLink.

Uploads the mission (and the plan's geofence and rally points), arms, takes off, runs the
mission, prints progress, and exits 0 once the vehicle has landed and disarmed after finishing
the mission. Any other end exits non-zero with the reason: 1 the flight failed (refused command,
lost link, landed early, e.g. a failsafe), 2 bad input (plan file), 3 no vehicle answered. The
same command works against PX4 SITL (``udpin://0.0.0.0:14540``) and ``skyfleet sim``.

Heavy imports (pymavlink through the bridge) stay inside the command body so ``--help`` is fast.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from firmware_bridge.mission_item import MissionItem
    from firmware_bridge.vehicle import Vehicle
    from fleet.qgc_plan import QgcPlan

EXIT_FLIGHT_FAILED, EXIT_BAD_INPUT, EXIT_NO_VEHICLE = 1, 2, 3
_NAV_POSITIONAL = {16, 17, 18, 19, 22, 31}  # waypoint, loiters, takeoff: items flown to
_LANDING = {20, 21}  # NAV_RETURN_TO_LAUNCH, NAV_LAND
_SEVERITY_WARNING = 4  # MAV_SEVERITY_WARNING
_LINK_GRACE_S = 15.0  # a link silent this long (after the bridge's 3 s timeout) ends the run


class FlightFailed(Exception):
    """The flight did not end landed and disarmed after the mission; the message says why."""

    def __init__(self, reason: str, code: int = EXIT_FLIGHT_FAILED) -> None:
        super().__init__(reason)
        self.code = code


@dataclass
class _Watch:
    """What the monitor has seen so far."""

    last_nav_seq: int
    ends_with_landing: bool
    armed_seen: bool = False
    armed: bool = False
    in_air: bool = False
    reached_seq: int = -1
    mission_done: bool = False
    mode: str = "?"
    last_status: str = ""
    rtl_sent: bool = False
    link_up: bool = True
    warnings: list[str] = field(default_factory=list)  # STATUSTEXT of severity WARNING or worse

    def said(self) -> str:
        """What the vehicle said that explains an early end (warnings first)."""
        return "; ".join(self.warnings[-3:]) or self.last_status or "nothing"


def register(app: typer.Typer) -> None:
    """Add the ``fly`` command to ``app``."""

    @app.command(
        "fly", help="Upload a QGroundControl .plan to a vehicle, fly it, and report progress."
    )
    def _fly(
        connect: str = typer.Option(
            ..., "--connect", help="MAVLink URL, e.g. udpin://0.0.0.0:14540 (PX4 SITL)."
        ),
        plan: Path = typer.Option(..., "--plan", help="QGroundControl .plan file."),
        system_id: int = typer.Option(0, "--system-id", help="Vehicle to fly (0: the first)."),
        wait_s: float = typer.Option(30.0, "--wait", help="Seconds to wait for a heartbeat."),
        timeout_s: float = typer.Option(3600.0, "--timeout", help="Give up after this long."),
    ) -> None:
        code = asyncio.run(fly(connect, plan, system_id or None, wait_s, timeout_s, typer.echo))
        raise typer.Exit(code)


async def fly(
    url: str,
    plan_path: Path,
    system_id: int | None,
    wait_s: float,
    timeout_s: float,
    echo: Callable[[str], Any],
) -> int:
    """Fly ``plan_path`` on the vehicle at ``url``; return the process exit code.

    Args:
        url: MAVSDK-style connection URL.
        plan_path: the QGroundControl ``.plan`` file.
        system_id: the vehicle's system id, or ``None`` for the first one heard.
        wait_s: how long to wait for the vehicle's first heartbeat.
        timeout_s: the whole flight's time limit.
        echo: where progress lines go.

    Returns:
        0 landed and disarmed after the mission; 1 flight failed; 2 bad input; 3 no vehicle.
    """
    from firmware_bridge.errors import BridgeError, ConnectionUrlError
    from fleet.errors import PlanFileError
    from fleet.qgc_plan import read_plan

    try:
        plan = read_plan(plan_path)
        _check_mission(plan, plan_path)
        async with asyncio.timeout(timeout_s):
            await _fly_plan(url, plan, system_id, wait_s, echo)
    except (PlanFileError, ConnectionUrlError) as exc:
        echo(f"error: {exc}")
        return EXIT_BAD_INPUT
    except FlightFailed as exc:
        echo(f"FAILED: {exc}")
        return exc.code
    except BridgeError as exc:
        echo(f"FAILED: {exc}")
        return EXIT_FLIGHT_FAILED
    except TimeoutError:
        echo(f"FAILED: the flight did not end within {timeout_s:g} s")
        return EXIT_FLIGHT_FAILED
    echo("landed and disarmed: mission complete")
    return 0


def _check_mission(plan: QgcPlan, path: Path) -> None:
    from fleet.errors import PlanFileError

    if not any(item.command in _NAV_POSITIONAL for item in plan.mission_items):
        raise PlanFileError(f"{path}: mission.items has no waypoint to fly")


async def _fly_plan(
    url: str, plan: QgcPlan, system_id: int | None, wait_s: float, echo: Callable[[str], Any]
) -> None:
    from firmware_bridge.hub import MavlinkHub

    async with MavlinkHub.open(url) as hub:
        echo(f"waiting for a vehicle on {url} ...")
        try:
            vehicle = await hub.wait_vehicle(system_id, timeout_s=wait_s)
        except TimeoutError:
            raise FlightFailed(f"no vehicle heartbeat on {url} within {wait_s:g} s", 3) from None
        echo(f"vehicle {vehicle.system_id} found")
        await _upload(vehicle, plan, echo)
        async with _merged(vehicle) as events:  # subscribed before arming: nothing missed
            await _launch(vehicle, plan.mission_items, echo)
            await _monitor(vehicle, plan.mission_items, events, echo)


async def _upload(vehicle: Vehicle, plan: QgcPlan, echo: Callable[[str], Any]) -> None:
    from firmware_bridge.mission_item import MissionType, in_px4_frame
    from fleet.qgc_plan import fence_items, rally_items

    await vehicle.upload_mission([in_px4_frame(item) for item in plan.mission_items])
    echo(f"mission uploaded: {len(plan.mission_items)} items")
    fence = fence_items(plan)
    if fence:
        await vehicle.upload_plan(fence, MissionType.FENCE)
        echo(f"geofence uploaded: {len(fence)} items")
    rally = rally_items(plan.rally_points)
    if rally:
        await vehicle.upload_plan(rally, MissionType.RALLY)
        echo(f"rally points uploaded: {len(rally)} items")


async def _launch(
    vehicle: Vehicle, items: tuple[MissionItem, ...], echo: Callable[[str], Any]
) -> None:
    """Start the mission so that the take-off follows the arming at once: PX4 disarms a
    vehicle armed on the ground without a take-off after COM_DISARM_PRFLT (10 s)."""
    first_nav = next(item for item in items if item.command in _NAV_POSITIONAL)
    await vehicle.telemetry.position.wait_for(lambda _p: True, timeout_s=10.0)
    await _ready_to_arm(vehicle, echo)
    if first_nav.command == 22 or vehicle.info.is_rover:
        await vehicle.start_mission()  # in Mission mode, arming starts the mission
        await _arm_confirmed(vehicle)
    else:  # no NAV_TAKEOFF: take off first
        await _arm_confirmed(vehicle)
        await vehicle.takeoff(max(first_nav.z, 2.5))
        echo(f"taking off to {max(first_nav.z, 2.5):g} m")
        await vehicle.start_mission()
    echo("mission started")


async def _ready_to_arm(
    vehicle: Vehicle, echo: Callable[[str], Any], heard_s: float = 3.0, ready_s: float = 30.0
) -> None:
    """Wait for the pre-arm checks to pass (PX4 SITL: about 5 s after start), when the vehicle
    reports them (SYS_STATUS); one that does not is armed at once."""
    readiness = vehicle.telemetry.ready_to_arm
    try:
        await readiness.wait_for(lambda _r: True, heard_s)
        if readiness.latest is not None and not readiness.latest.ready:
            echo("waiting until the vehicle is ready to arm ...")
        await readiness.wait_for(lambda r: r.ready, ready_s)
    except TimeoutError:
        if readiness.latest is None:
            return
        said = vehicle.telemetry.status_text.latest
        why = "" if said is None else f" (vehicle said: {said.text})"
        raise FlightFailed(f"not ready to arm after {ready_s:g} s{why}") from None


async def _arm_confirmed(vehicle: Vehicle, timeout_s: float = 3.0) -> None:
    """Arm and wait for the heartbeat to show it (PX4 sends one a second)."""
    await vehicle.arm()
    try:
        await vehicle.telemetry.armed.wait_for(lambda s: s.armed, timeout_s)
    except TimeoutError:
        said = vehicle.telemetry.status_text.latest
        why = "" if said is None else f" (vehicle said: {said.text})"
        raise FlightFailed(
            f"arming not shown by the heartbeat within {timeout_s:g} s{why}"
        ) from None


async def _monitor(
    vehicle: Vehicle,
    items: tuple[MissionItem, ...],
    events: AsyncIterator[tuple[str, Any]],
    echo: Callable[[str], Any],
) -> None:
    nav = [i for i, item in enumerate(items) if item.command in _NAV_POSITIONAL]
    watch = _Watch(
        last_nav_seq=nav[-1], ends_with_landing=any(i.command in _LANDING for i in items)
    )
    while not (watch.armed_seen and not watch.armed and not watch.in_air):
        try:
            kind, event = await asyncio.wait_for(
                anext(events), None if watch.link_up else _LINK_GRACE_S
            )
        except TimeoutError:
            raise FlightFailed(f"link lost for more than {_LINK_GRACE_S:g} s") from None
        await _update(vehicle, watch, kind, event, len(items), echo)
    if not watch.mission_done:
        raise FlightFailed(
            f"landed before the mission was finished (last item reached: {watch.reached_seq}, "
            f"mode {watch.mode}; vehicle said: {watch.said()})"
        )


async def _update(
    vehicle: Vehicle, watch: _Watch, kind: str, event: Any, count: int, echo: Callable[[str], Any]
) -> None:
    if kind == "progress":
        if event.reached_seq > watch.reached_seq:
            watch.reached_seq = event.reached_seq
            echo(f"item {event.reached_seq + 1}/{count} reached")
        if event.reached_seq >= watch.last_nav_seq or event.finished:
            watch.mission_done = True
    elif kind == "armed":
        watch.armed = event.armed
        watch.armed_seen |= event.armed
        echo("armed" if event.armed else "disarmed")
    elif kind == "landed":
        watch.in_air = event.state.name in ("IN_AIR", "TAKEOFF", "LANDING")
        echo(f"landed state: {event.state.name.lower().replace('_', ' ')}")
    elif kind == "mode":
        watch.mode = event.mode.value
        echo(f"mode: {watch.mode}")
    elif kind == "status":
        watch.last_status = event.text
        if event.severity <= _SEVERITY_WARNING:
            watch.warnings.append(event.text)
        echo(f"vehicle: {event.text}")
    elif kind == "link":
        watch.link_up = event.connected
        echo("link recovered" if event.connected else "link lost: no heartbeat, waiting")
    if watch.mission_done and not watch.ends_with_landing and not watch.rtl_sent and watch.in_air:
        watch.rtl_sent = True
        echo("mission has no landing item: returning to launch")
        await vehicle.return_to_launch()
    rover_done = vehicle.info.is_rover and watch.mission_done and not watch.ends_with_landing
    if rover_done and watch.armed:
        watch.armed = False  # a rover never lands: once at its last waypoint, disarm it
        echo("rover at the end of the mission: disarming")
        await vehicle.disarm()


@contextlib.asynccontextmanager
async def _merged(vehicle: Vehicle) -> AsyncIterator[AsyncIterator[tuple[str, Any]]]:
    """One stream of ``(kind, event)`` from the vehicle's telemetry streams of interest."""
    t = vehicle.telemetry
    sources: dict[str, Any] = {
        "progress": t.mission_progress,
        "armed": t.armed,
        "landed": t.landed_state,
        "mode": t.flight_mode,
        "status": t.status_text,
        "link": t.link,
    }
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    async def forward(kind: str, values: AsyncIterator[Any]) -> None:
        async for event in values:
            queue.put_nowait((kind, event))

    async def drain() -> AsyncIterator[tuple[str, Any]]:
        while True:
            yield await queue.get()

    async with contextlib.AsyncExitStack() as stack:
        # Subscribe to everything first, so no event falls between two subscriptions.
        subscribed = {k: await stack.enter_async_context(s.subscribe()) for k, s in sources.items()}
        for kind in ("armed", "landed"):  # start from the current state
            latest = sources[kind].latest
            if latest is not None:
                queue.put_nowait((kind, latest))
        tasks = [asyncio.create_task(forward(k, values)) for k, values in subscribed.items()]
        try:
            yield drain()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
