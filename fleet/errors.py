"""Exceptions raised by :mod:`fleet`.

::

    FleetError
    ├── ValidationError       a mission or vehicle definition is inconsistent
    ├── InfeasibleMission     a mission cannot be flown (carries the reason)
    └── PlanFileError         a QGroundControl .plan file is malformed (names the file and item)

HTTP status codes are chosen in the API layer only.
"""


class FleetError(Exception):
    """Root of every error raised by :mod:`fleet`."""


class ValidationError(FleetError):
    """A mission, vehicle or dock definition is inconsistent."""


class InfeasibleMission(FleetError):
    """A mission cannot be flown within the vehicle's limits; ``str(err)`` says why."""


class PlanFileError(FleetError):
    """A QGroundControl ``.plan`` file is malformed; the message names the file and the item."""
