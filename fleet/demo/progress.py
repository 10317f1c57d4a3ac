"""Live progress of the demo: missions reaching a terminal state, read from ``/ws/events``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fleet.demo.events import OFF_NOMINAL, TERMINAL_NAMES, Message
from fleet.runner.clock import ScaledClock


def _line(states: dict[int, str], clock: ScaledClock) -> str:
    flying = sum(1 for s in states.values() if s == "in_flight")
    done = sum(1 for s in states.values() if s == "completed")
    failed = sum(1 for s in states.values() if s in TERMINAL_NAMES and s != "completed")
    return (
        f"sim {clock.now():%H:%M:%S}  in flight {flying:2d}  completed {done:2d}  "
        f"failed {failed:2d}"
    )


async def follow_missions(
    events: AsyncIterator[Message],
    states: dict[int, str],
    console: Console,
    deadline_s: float,
    clock: ScaledClock,
    off_nominal: list[dict[str, object]],
) -> bool:
    """Show progress until every mission of ``states`` (id -> its state, updated in place) is
    terminal or time is up; intents going off-nominal are appended to ``off_nominal``.

    Returns:
        True when every mission ended, False when the time limit came first.
    """
    columns = (
        TextColumn("[bold]missions"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(_line(states, clock), total=len(states))

        def show() -> None:
            ended = sum(1 for s in states.values() if s in TERMINAL_NAMES)
            progress.update(task, completed=ended, description=_line(states, clock))

        show()
        try:
            async with asyncio.timeout(max(deadline_s, 1.0)):
                while any(s not in TERMINAL_NAMES for s in states.values()):
                    event = await anext(events)
                    mission_id = event.data.get("mission_id")
                    if event.kind == "mission.state" and mission_id in states:
                        states[mission_id] = str(event.data["state"])
                        show()
                    elif event.kind == "intent.state" and event.data.get("state") in OFF_NOMINAL:
                        off_nominal.append({**event.data, "sim_time": clock.now().isoformat()})
        except TimeoutError:
            show()
            return False
    return True
