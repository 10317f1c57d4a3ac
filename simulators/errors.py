"""Exceptions raised by :mod:`simulators`.

::

    SimulatorError
    ├── PortInUse            a SITL-style UDP port is already bound
    ├── InvalidSimArgument   a launcher argument (count, home, speedup, ...) is out of range
    └── Px4SitlUnavailable   no PX4 SITL folder here, or none of its instances could start
"""


class SimulatorError(Exception):
    """Root of every error raised by :mod:`simulators`."""


class PortInUse(SimulatorError):
    """A UDP port the simulated vehicle needs is already bound."""


class InvalidSimArgument(SimulatorError):
    """A swarm launcher argument is out of range (names the argument and the value)."""


class Px4SitlUnavailable(SimulatorError):
    """No PX4 SITL folder here, or none of its instances could start."""
