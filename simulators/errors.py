"""Exceptions raised by :mod:`simulators`.

::

    SimulatorError
    └── PortInUse     a SITL-style UDP port is already bound
"""


class SimulatorError(Exception):
    """Root of every error raised by :mod:`simulators`."""


class PortInUse(SimulatorError):
    """A UDP port the simulated vehicle needs is already bound."""
