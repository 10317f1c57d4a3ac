"""The zones of one planning request: which apply, their obstacles per altitude, zone layers.

Zones that apply (kind, permits, time window overlapping the estimated flight span) and lie
within ``_ZONE_REACH_M`` of start or goal become extra obstacles at the altitudes their band
covers. They are laid over the cached layer for the request
(:func:`airspace.planner.overlay.with_zones`: its visibility graph is reused, only the zone
vertices' edges are added) when a zone is within ``zone_window_m`` of start and goal or the
cached layer's path crosses one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from airspace.errors import PlanningError
from airspace.frames import FloatArray, geoid_height_m
from airspace.planner.layer import Layer
from airspace.planner.overlay import with_zones
from airspace.route import AltitudeReference
from airspace.zones import Zone, ZoneKind

if TYPE_CHECKING:
    from airspace.planner.planner import Planner

__all__ = ["Endpoints", "ZoneView"]

_ZONE_REACH_M = 5000.0  # zones farther than this from start and goal are ignored


@dataclass(frozen=True)
class Endpoints:
    """Start and goal of a request in the local frame, with their altitudes and lon/lat."""

    s: FloatArray
    g: FloatArray
    s_amsl_m: float
    g_amsl_m: float
    start_lonlat: tuple[float, float]

    @property
    def direct_m(self) -> float:
        """Horizontal straight-line distance from start to goal."""
        return float(np.hypot(*(self.g - self.s)))


@dataclass
class ZoneView:
    """Zones applying to one request, as obstacles per cruise altitude (cached)."""

    planner: Planner
    ends: Endpoints
    zones: list[Zone]
    permits: frozenset[str]
    span: tuple[datetime, datetime]
    blocked_reasons: list[str]
    areas: list[tuple[Zone, BaseGeometry]] = field(init=False)
    _extra: dict[float, BaseGeometry | None] = field(init=False, default_factory=dict)
    _layers: dict[float, Layer | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.areas = self._relevant()

    def _relevant(self) -> list[tuple[Zone, BaseGeometry]]:
        """Applicable zones near the flight (within ``_ZONE_REACH_M`` of start or goal)."""
        if not self.zones:
            return []
        reach = LineString([self.ends.s, self.ends.g]).buffer(_ZONE_REACH_M)
        out: list[tuple[Zone, BaseGeometry]] = []
        for zone in self.zones:
            if not zone.applies_to(self.permits, *self.span):
                continue
            area = zone.area_local(self.planner.city.frame)
            if area.intersects(reach):
                out.append((zone, area.buffer(0.5, join_style="mitre")))
        return out

    def check_endpoints(self) -> None:
        """Raise when start or goal lies in a no-fly or permit zone that applies."""
        for name, pt in (("start", self.ends.s), ("goal", self.ends.g)):
            for zone in self.zones:
                if zone.kind is ZoneKind.TEMPORARY_RESTRICTION:
                    continue  # may be avoided by its altitude band or its time window
                if zone.applies_to(self.permits, *self.span) and zone.area_local(
                    self.planner.city.frame
                ).contains(Point(pt)):
                    raise PlanningError(
                        f"{name} is in {zone.kind} zone {zone.id} {zone.name}".rstrip()
                    )

    def band_amsl(self, zone: Zone) -> tuple[float, float]:
        """The zone's altitude band AMSL (conservative where the ground varies)."""
        if zone.altitude_reference is AltitudeReference.AMSL:
            return zone.floor_m, zone.ceiling_m
        if zone.altitude_reference is AltitudeReference.AGL:
            return (
                zone.floor_m + self.planner.ground_low_amsl_m,
                zone.ceiling_m + self.planner.ground_high_amsl_m,
            )
        n_m = geoid_height_m(*self.ends.start_lonlat)
        return zone.floor_m - n_m - 1.0, zone.ceiling_m - n_m + 1.0

    def obstacles(self, alt_amsl_m: float, low_amsl_m: float) -> BaseGeometry | None:
        """Union of the zone areas blocking a cruise at ``alt_amsl_m`` (columns from below)."""
        areas = []
        for zone, area in self.areas:
            floor, ceiling = self.band_amsl(zone)
            if floor < alt_amsl_m + 1e-6 and ceiling > low_amsl_m - 1e-6:
                areas.append(area)
        return shapely.union_all(areas) if areas else None

    def extra_at(self, alt_amsl_m: float) -> BaseGeometry | None:
        """Zone obstacles at this altitude (cached for the request)."""
        if alt_amsl_m not in self._extra:
            low = min(self.ends.s_amsl_m, self.ends.g_amsl_m, alt_amsl_m)
            self._extra[alt_amsl_m] = self.obstacles(alt_amsl_m, low)
        return self._extra[alt_amsl_m]

    def layer_for(self, alt_amsl_m: float, *, confine: bool = False) -> Layer | None:
        """The layer to search: the cached one, or it with the zones laid over (no rebuild).

        Args:
            alt_amsl_m: cruise altitude.
            confine: use the zone layer even when no zone is in the window around start and
                goal (the cached layer's path crossed a zone outside it).
        """
        base = self.planner.layer(alt_amsl_m)
        extra = self.extra_at(alt_amsl_m)
        if extra is None:
            return base
        s, g = self.ends.s, self.ends.g
        margin = max(self.planner.zone_window_m, 0.5 * self.ends.direct_m)
        window = LineString([s, g]).buffer(margin, cap_style="square", join_style="mitre")
        if not confine and not window.intersects(extra):
            return base
        if alt_amsl_m not in self._layers:  # the whole layer with the zones laid over
            self._layers[alt_amsl_m] = self._zone_layer(alt_amsl_m, extra)
        return self._layers[alt_amsl_m]

    def _zone_layer(self, alt_amsl_m: float, extra: BaseGeometry) -> Layer | None:
        for name, pt in (("start", self.ends.s), ("goal", self.ends.g)):
            if extra.contains(Point(pt)):
                self.blocked_reasons.append(f"{name} is under a zone at {alt_amsl_m:.0f} m AMSL")
                return None
        return with_zones(self.planner.layer(alt_amsl_m), extra)
