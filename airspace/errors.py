"""Exceptions raised by :mod:`airspace`.

::

    AirspaceError
    ├── DataError              a data file is malformed (names the file and the element)
    ├── FrameError             a coordinate or datum conversion is impossible
    ├── PlanningError          no route exists (carries the explanation)
    └── IntentError            operational-intent model misuse
        ├── IllegalTransition  a state change F3548-21 does not allow
        ├── UnknownIntent      no live intent has that id
        ├── DuplicateIntent    an intent with that id is already live
        └── StaleVersion       the caller's ovn is not the intent's current one
"""


class AirspaceError(Exception):
    """Root of every error raised by :mod:`airspace`."""


class DataError(AirspaceError):
    """A data file is malformed; the message names the file and the element or feature."""


class FrameError(AirspaceError):
    """A coordinate or altitude-datum conversion cannot be done."""


class PlanningError(AirspaceError):
    """No route exists between the requested points; ``str(err)`` explains why."""


class IntentError(AirspaceError):
    """An operational intent was built or used against the F3548-21 model."""


class IllegalTransition(IntentError):
    """A state transition that F3548-21 does not allow."""


class UnknownIntent(IntentError):
    """No live operational intent has the given id."""


class DuplicateIntent(IntentError):
    """A live operational intent already has the given id (use ``update`` to change it)."""


class StaleVersion(IntentError):
    """The caller's ovn is not the intent's current one (someone else changed it first)."""
