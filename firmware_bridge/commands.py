"""The MAVLink command protocol: COMMAND_LONG with retries and COMMAND_ACK semantics.

- ACCEPTED: done.
- IN_PROGRESS: the vehicle is working on it; keep waiting (longer), do not resend.
- TEMPORARILY_REJECTED: try again after a short back-off, within the retry budget.
- DENIED / FAILED / UNSUPPORTED / CANCELLED: raise :class:`CommandDenied` with the result.
- no answer: resend (``confirmation`` incremented) and finally raise :class:`CommandTimeout`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.channel import Channel
from firmware_bridge.errors import CommandDenied, CommandTimeout

COMMAND_ACK_ID = 77
COMMAND_IDS = frozenset({COMMAND_ACK_ID})


class MavResult(IntEnum):
    """MAV_RESULT of COMMAND_ACK."""

    ACCEPTED = 0
    TEMPORARILY_REJECTED = 1
    DENIED = 2
    UNSUPPORTED = 3
    FAILED = 4
    IN_PROGRESS = 5
    CANCELLED = 6


@dataclass(frozen=True, slots=True)
class CommandPolicy:
    """Timing of the command protocol.

    Attributes:
        ack_timeout_s: wait for a COMMAND_ACK before resending.
        retries: resends after the first send (timeouts and TEMPORARILY_REJECTED).
        in_progress_timeout_s: wait after an IN_PROGRESS ack for the next ack.
        rejected_backoff_s: pause before resending a TEMPORARILY_REJECTED command.
    """

    ack_timeout_s: float = 1.0
    retries: int = 3
    in_progress_timeout_s: float = 10.0
    rejected_backoff_s: float = 0.3


async def run_command(
    channel: Channel,
    command: int,
    params: Sequence[float],
    policy: CommandPolicy,
    reason: Callable[[], str] = lambda: "",
) -> None:
    """Send a COMMAND_LONG until a final ACCEPTED, following the COMMAND_ACK semantics.

    Args:
        channel: the vehicle's channel.
        command: the MAV_CMD number.
        params: up to seven parameters (missing ones are 0).
        policy: timeouts and retries.
        reason: returns what the vehicle said (STATUSTEXT) since the command was sent.

    Raises:
        CommandDenied: a final non-ACCEPTED result (TEMPORARILY_REJECTED once retries are spent).
        CommandTimeout: no final COMMAND_ACK after every retry.
    """
    padded = [float(p) for p in params] + [0.0] * (7 - len(params))
    async with channel.command_lock:
        with channel.expect(COMMAND_ACK_ID) as acks:
            for attempt in range(policy.retries + 1):
                channel.send(
                    channel.mav.command_long_encode(
                        channel.target_system,
                        channel.target_component,
                        command,
                        min(attempt, 255),
                        *padded,
                    )
                )
                result = await _final_ack(channel, acks, command, policy)
                if result is None:
                    continue
                if result == MavResult.ACCEPTED:
                    return
                if result == MavResult.TEMPORARILY_REJECTED and attempt < policy.retries:
                    await asyncio.sleep(policy.rejected_backoff_s)  # back-off, not a wait
                    continue
                raise _denied(command, result, reason())
    raise CommandTimeout(
        f"command {_name(command)} to system {channel.target_system}: no COMMAND_ACK after "
        f"{policy.retries + 1} sends"
    )


async def _final_ack(
    channel: Channel, acks: asyncio.Queue[Any], command: int, policy: CommandPolicy
) -> int | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + policy.ack_timeout_s
    while (remaining := deadline - loop.time()) > 0:
        try:
            ack = await asyncio.wait_for(acks.get(), remaining)
        except TimeoutError:
            return None
        if ack.command != command or ack.target_system not in (0, channel.own_system_id):
            continue
        if ack.result == MavResult.IN_PROGRESS:
            deadline = loop.time() + policy.in_progress_timeout_s
            continue
        return int(ack.result)
    return None


def _denied(command: int, result: int, reason: str) -> CommandDenied:
    result_name = MavResult(result).name if result in MavResult._value2member_map_ else result
    suffix = f": {reason}" if reason else ""
    return CommandDenied(
        f"command {_name(command)} {result_name}{suffix}",
        command=command,
        result=result,
        reason=reason,
    )


def _name(command: int) -> str:
    entry = mavlink.enums["MAV_CMD"].get(command)
    return f"{entry.name}" if entry is not None else str(command)
