"""Live progress of the demo: missions reaching a terminal state, read from the event bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlmodel import select

from fleet.lifecycle import TERMINAL
from fleet.runner.clock import ScaledClock
from fleet.service.context import ServiceContext
from fleet.service.events import Event
from fleet.storage.tables import MissionRow

TERMINAL_NAMES = frozenset(s.value for s in TERMINAL)


def _states(ctx: ServiceContext) -> dict[int, str]:
    with ctx.sessions() as session:
        return {m.id: m.state for m in session.exec(select(MissionRow)) if m.id is not None}


def _line(states: dict[int, str], clock: ScaledClock) -> str:
    flying = sum(1 for s in states.values() if s == "in_flight")
    done = sum(1 for s in states.values() if s == "completed")
    failed = sum(1 for s in states.values() if s in TERMINAL_NAMES and s != "completed")
    return (
        f"sim {clock.now():%H:%M:%S}  in flight {flying:2d}  completed {done:2d}  "
        f"failed {failed:2d}"
    )


async def follow_missions(
    ctx: ServiceContext,
    events: AsyncIterator[Event],
    mission_ids: set[int],
    console: Console,
    deadline_s: float,
    clock: ScaledClock,
) -> bool:
    """Show progress until every mission of ``mission_ids`` is terminal or time is up.

    Returns:
        True when every mission ended, False when the time limit came first.
    """
    states = {k: v for k, v in (await asyncio.to_thread(_states, ctx)).items() if k in mission_ids}
    columns = (
        TextColumn("[bold]missions"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(_line(states, clock), total=len(mission_ids))

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
        except TimeoutError:
            show()
            return False
    return True
