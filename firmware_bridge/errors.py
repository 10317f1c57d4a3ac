"""Exceptions raised by :mod:`firmware_bridge`.

::

    BridgeError
    ├── ConnectionUrlError    a connection URL cannot be parsed
    ├── LinkLost              the vehicle stopped sending heartbeats
    ├── CommandError          a COMMAND_LONG/INT was not carried out
    │   ├── CommandDenied     COMMAND_ACK DENIED / FAILED / UNSUPPORTED (carries the result)
    │   └── CommandTimeout    no final COMMAND_ACK after the retries
    └── MissionTransferError  the mission protocol failed (carries MAV_MISSION_RESULT or timeout)
"""


class BridgeError(Exception):
    """Root of every error raised by :mod:`firmware_bridge`."""


class ConnectionUrlError(BridgeError):
    """A connection URL is malformed or uses an unknown scheme."""


class LinkLost(BridgeError):
    """The vehicle's link is lost (no heartbeat within the timeout)."""


class CommandError(BridgeError):
    """A command was not carried out."""


class CommandDenied(CommandError):
    """The vehicle answered with a final COMMAND_ACK other than ACCEPTED."""


class CommandTimeout(CommandError):
    """No final COMMAND_ACK arrived after all retries."""


class MissionTransferError(BridgeError):
    """A mission, geofence or rally transfer failed."""
