"""Exceptions raised by :mod:`firmware_bridge`.

::

    BridgeError
    ├── ConnectionUrlError    a connection URL cannot be parsed
    ├── TransportError        a transport cannot be opened or failed while open
    ├── LinkLost              the vehicle stopped sending heartbeats
    ├── CommandError          a COMMAND_LONG/INT was not carried out
    │   ├── CommandDenied     COMMAND_ACK DENIED / FAILED / UNSUPPORTED (carries the result)
    │   ├── CommandTimeout    no final COMMAND_ACK after the retries
    │   └── ModeNotConfirmed  the heartbeat never showed the requested flight mode
    ├── MissionTransferError  the mission protocol failed (carries MAV_MISSION_RESULT or timeout)
    └── ParameterError        a parameter could not be read or written
"""

from __future__ import annotations


class BridgeError(Exception):
    """Root of every error raised by :mod:`firmware_bridge`."""


class ConnectionUrlError(BridgeError):
    """A connection URL is malformed or uses an unknown scheme."""


class TransportError(BridgeError):
    """A transport (socket, serial port) cannot be opened or failed while open."""


class LinkLost(BridgeError):
    """The vehicle's link is lost (no heartbeat within the timeout)."""


class CommandError(BridgeError):
    """A command was not carried out."""


class CommandDenied(CommandError):
    """The vehicle answered with a final COMMAND_ACK other than ACCEPTED.

    Attributes:
        command: the MAV_CMD number.
        result: the MAV_RESULT number of the final COMMAND_ACK.
        reason: the vehicle's STATUSTEXT sent while the command ran, or ``""``.
    """

    def __init__(self, message: str, *, command: int, result: int, reason: str = "") -> None:
        super().__init__(message)
        self.command = command
        self.result = result
        self.reason = reason


class CommandTimeout(CommandError):
    """No final COMMAND_ACK arrived after all retries."""


class ModeNotConfirmed(CommandError):
    """The vehicle's HEARTBEAT never reported the requested flight mode after the retries."""


class MissionTransferError(BridgeError):
    """A mission, geofence or rally transfer failed.

    Attributes:
        result: the MAV_MISSION_RESULT from the vehicle's MISSION_ACK, or ``None`` on timeout.
    """

    def __init__(self, message: str, *, result: int | None = None) -> None:
        super().__init__(message)
        self.result = result


class ParameterError(BridgeError):
    """A parameter could not be read or written (unknown name, or no answer)."""
