"""Exceptions raised by the service layer, mapped to HTTP statuses in :mod:`fleet.service.app`.

::

    FleetError
    └── ServiceError
        ├── NotFound             no such object for this tenant (404)
        ├── Conflict             the request clashes with the current state (409)
        ├── BadRequest           the request is well-formed but unusable; says what to fix (400)
        └── VehicleUnreachable   a command could not be delivered to a vehicle (409)
"""

from fleet.errors import FleetError


class ServiceError(FleetError):
    """Root of the service layer's errors."""


class NotFound(ServiceError):
    """The object does not exist, or belongs to another operator (never say which)."""


class Conflict(ServiceError):
    """The request conflicts with the current state (duplicate name, airspace taken, ...)."""


class BadRequest(ServiceError):
    """The request cannot be used as given; the message says what to change."""


class VehicleUnreachable(ServiceError):
    """No link to the vehicle: the command was not delivered."""
