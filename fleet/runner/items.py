"""Planned routes to MAVLink mission items, as PX4 flies them.

A multicopter route starts and ends with a vertical column (ground -> cruise at the pad, cruise
-> ground at the goal). It becomes ``NAV_TAKEOFF`` at the start pad up to the first airborne
waypoint's height, one ``NAV_WAYPOINT`` per remaining airborne waypoint, and ``NAV_LAND`` at the
goal. A ground robot's route becomes ``NAV_WAYPOINT`` items at ground level (a rover has no
take-off or landing). Altitudes use ``MAV_FRAME_GLOBAL_RELATIVE_ALT_INT`` relative to the home
position, which is the start pad (``alt_amsl_m - home_amsl_m``).
"""

from __future__ import annotations

from collections.abc import Sequence

from airspace.route import Route, Waypoint
from firmware_bridge.mission_item import MavCmd, MavFrame, MissionItem

ON_GROUND_AGL_M = 0.5  # a waypoint this close to the ground is a pad, not an airborne point
REL = MavFrame.GLOBAL_RELATIVE_ALT_INT


def _nav(command: MavCmd, w: Waypoint, rel_alt_m: float, param2: float = 0.0) -> MissionItem:
    return MissionItem(
        command=command, frame=REL, param2=param2, x=w.lat_deg, y=w.lon_deg, z=rel_alt_m
    )


def _airborne(waypoints: Sequence[Waypoint]) -> list[Waypoint]:
    return [w for w in waypoints if w.alt_agl_m > ON_GROUND_AGL_M]


def flight_items(
    route: Route, acceptance_radius_m: float = 2.0, home_amsl_m: float | None = None
) -> list[MissionItem]:
    """Mission items that fly ``route`` with a multicopter: take off, waypoints, land.

    Args:
        route: the planned route (first and last waypoints at the pads).
        acceptance_radius_m: PX4's acceptance radius for each waypoint (``param2``).
        home_amsl_m: home altitude AMSL; defaults to the ground under the first waypoint.

    Returns:
        The items, in order.

    Raises:
        ValueError: when the route never leaves the ground.
    """
    home = route.waypoints[0].ground_amsl_m if home_amsl_m is None else home_amsl_m
    start, goal = route.waypoints[0], route.waypoints[-1]
    airborne = _airborne(route.waypoints)
    if not airborne:
        raise ValueError("the route never leaves the ground: nothing to fly")
    takeoff = _nav(MavCmd.NAV_TAKEOFF, start, airborne[0].alt_amsl_m - home)
    items = [takeoff]
    items += [
        _nav(MavCmd.NAV_WAYPOINT, w, w.alt_amsl_m - home, acceptance_radius_m) for w in airborne
    ]
    items.append(_nav(MavCmd.NAV_LAND, goal, 0.0))
    return items


def drive_items(route: Route, acceptance_radius_m: float = 2.0) -> list[MissionItem]:
    """Mission items that drive ``route`` with a ground robot: one waypoint per route point.

    Args:
        route: the planned ground route.
        acceptance_radius_m: acceptance radius for each waypoint (``param2``).

    Returns:
        The items, in order (the first route point, where the robot stands, is skipped).
    """
    return [_nav(MavCmd.NAV_WAYPOINT, w, 0.0, acceptance_radius_m) for w in route.waypoints[1:]]


def wrap_pattern(
    pattern: Sequence[MissionItem], start: Waypoint, goal: Waypoint, takeoff_rel_alt_m: float
) -> list[MissionItem]:
    """Frame an inspection pattern's items with a take-off at ``start`` and a landing at ``goal``.

    Args:
        pattern: the survey's items (waypoints, camera and gimbal commands) from the patterns.
        start: the take-off pad.
        goal: the landing pad.
        takeoff_rel_alt_m: take-off height above home.

    Returns:
        ``NAV_TAKEOFF``, the pattern, ``NAV_LAND``.
    """
    return [
        _nav(MavCmd.NAV_TAKEOFF, start, takeoff_rel_alt_m),
        *pattern,
        _nav(MavCmd.NAV_LAND, goal, 0.0),
    ]
