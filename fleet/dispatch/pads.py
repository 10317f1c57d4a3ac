"""Where each vehicle takes off and lands at its dock: its pad.

A dock has several pads (a vehicle each). The service rule: a vehicle standing at its home
dock (its live position within :data:`DOCK_RADIUS_M` of the dock) flies from where it stands,
which is its pad, and comes back there; a vehicle whose position is not known yet flies from
the dock's centre (as a hand approval does); a vehicle known to stand farther away (left there
by an ended flight) is *away*: a delivery sortie flies it to its dock first, an inspection or a
relay is refused with the distance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from airspace.frames import ground_distance_m

LonLat = tuple[float, float]
Positions = Callable[[int], LonLat | None]
"""Vehicle id -> its live position (lon, lat), if known."""
DOCK_RADIUS_M = 60.0
"""A vehicle within this distance of its dock stands on one of its pads."""


@dataclass(frozen=True, slots=True)
class Spot:
    """A vehicle's pad and, when it stands elsewhere, where (``away``)."""

    pad: LonLat
    away: LonLat | None = None


def spot_of(dock: LonLat, live: LonLat | None, radius_m: float = DOCK_RADIUS_M) -> Spot:
    """The pad of a vehicle of ``dock`` whose live position is ``live``.

    >>> spot_of((139.7, 35.69), None)
    Spot(pad=(139.7, 35.69), away=None)
    >>> spot_of((139.7, 35.69), (139.7002, 35.69)).pad
    (139.7002, 35.69)
    >>> spot_of((139.7, 35.69), (139.71, 35.69)).away
    (139.71, 35.69)
    """
    if live is None:
        return Spot(dock)
    if ground_distance_m(*dock, *live) <= radius_m:
        return Spot(live)
    return Spot(dock, live)
