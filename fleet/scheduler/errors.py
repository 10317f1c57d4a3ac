"""Exceptions raised by :mod:`fleet.scheduler`, rooted in :class:`fleet.errors.FleetError`.

::

    FleetError
    └── SchedulerError            the scheduler cannot run on its input
        └── InstanceFormatError   a VRPTW instance file is malformed (names the file and line)
"""

from fleet.errors import FleetError


class SchedulerError(FleetError):
    """The scheduler cannot run on its input (inconsistent fleet, unknown vehicle, ...)."""


class InstanceFormatError(SchedulerError):
    """A VRPTW instance file is malformed; the message names the file and the element."""
