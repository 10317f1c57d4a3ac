"""Planned routes to MAVLink mission items, as PX4 flies them.

A multicopter route starts and ends with a vertical column (ground -> cruise at the pad, cruise
-> ground at the goal). It becomes ``NAV_TAKEOFF`` at the start pad up to the first airborne
waypoint's height, one ``NAV_WAYPOINT`` per remaining airborne waypoint, and ``NAV_LAND`` at the
goal. A ground robot's route becomes ``NAV_WAYPOINT`` items at ground level (a rover has no
take-off or landing). Both end with a slow ``DO_CHANGE_SPEED`` (:data:`PARK_SPEED_MPS`) before
the last item. Altitudes use ``MAV_FRAME_GLOBAL_RELATIVE_ALT_INT`` relative to the home
position, which is the start pad (``alt_amsl_m - home_amsl_m``): so does a mission's
``NAV_TAKEOFF`` (PX4 reads its ``z`` in the item's frame; only the ``MAV_CMD_NAV_TAKEOFF``
*command* takes param7 AMSL, see :meth:`firmware_bridge.vehicle.Vehicle.takeoff`). Commands
without a position are in ``MAV_FRAME_MISSION``, the only frame PX4 accepts them in
(:func:`firmware_bridge.mission_item.in_px4_frame`).
"""

from __future__ import annotations

from collections.abc import Sequence

from airspace.frames import ground_distance_m
from airspace.route import Route, Waypoint
from firmware_bridge.mission_item import MavCmd, MavFrame, MissionItem

PARK_SPEED_MPS = 0.5
"""Speed set for the very end of a mission (the vertical landing, or a rover's arrival): a
vehicle that holds where it finished is unaffected, and one that would wander off after the
mission (skyfleet's simulator goes back to its arming point) only creeps until it is told to
hold."""
ON_GROUND_AGL_M = 0.5  # a waypoint this close to the ground is a pad, not an airborne point
REL = MavFrame.GLOBAL_RELATIVE_ALT_INT


def _nav(command: MavCmd, w: Waypoint, rel_alt_m: float, param2: float = 0.0) -> MissionItem:
    return MissionItem(
        command=command, frame=REL, param2=param2, x=w.lat_deg, y=w.lon_deg, z=rel_alt_m
    )


def _airborne(waypoints: Sequence[Waypoint]) -> list[Waypoint]:
    return [w for w in waypoints if w.alt_agl_m > ON_GROUND_AGL_M]


def change_speed(speed_mps: float) -> MissionItem:
    """``DO_CHANGE_SPEED`` to a ground speed (param1 = 1), throttle unchanged (param3 = -1)."""
    return MissionItem(
        command=MavCmd.DO_CHANGE_SPEED,
        frame=MavFrame.MISSION,
        param1=1.0,
        param2=speed_mps,
        param3=-1.0,
    )


def flight_items(
    route: Route,
    acceptance_radius_m: float = 2.0,
    home_amsl_m: float | None = None,
    speed_mps: float | None = None,
) -> list[MissionItem]:
    """Mission items that fly ``route`` with a multicopter: take off, waypoints, land.

    Args:
        route: the planned route (first and last waypoints at the pads).
        acceptance_radius_m: PX4's acceptance radius for each waypoint (``param2``).
        home_amsl_m: home altitude AMSL; defaults to the ground under the first waypoint.
        speed_mps: cruise ground speed the route was timed for (a ``DO_CHANGE_SPEED`` after
            the take-off); ``None`` keeps the vehicle's default.

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
    items = [takeoff] + ([] if speed_mps is None else [change_speed(speed_mps)])
    items += [
        _nav(MavCmd.NAV_WAYPOINT, w, w.alt_amsl_m - home, acceptance_radius_m) for w in airborne
    ]
    items += [change_speed(PARK_SPEED_MPS), _nav(MavCmd.NAV_LAND, goal, 0.0)]
    return items


def drive_items(
    route: Route, acceptance_radius_m: float = 2.0, speed_mps: float | None = None
) -> list[MissionItem]:
    """Mission items that drive ``route`` with a ground robot: one waypoint per route point.

    Args:
        route: the planned ground route.
        acceptance_radius_m: acceptance radius for each waypoint (``param2``).
        speed_mps: ground speed the route was timed for (a leading ``DO_CHANGE_SPEED``).

    Returns:
        The items, in order (the first route point, where the robot stands, is skipped).
    """
    head = [] if speed_mps is None else [change_speed(speed_mps)]
    points = [w for k, w in enumerate(route.waypoints[1:]) if _moved(route.waypoints[k], w)]
    drive = [_nav(MavCmd.NAV_WAYPOINT, w, 0.0, acceptance_radius_m) for w in points]
    if not drive:
        return head
    return head + drive + [change_speed(PARK_SPEED_MPS), drive[-1]]


def _moved(a: Waypoint, b: Waypoint) -> bool:
    """Whether ``b`` is a new place after ``a`` (a ground route repeats points in its columns)."""
    return abs(a.lon_deg - b.lon_deg) + abs(a.lat_deg - b.lat_deg) > 1e-7


def cruise_speed_mps(route: Route) -> float | None:
    """The fastest horizontal speed between consecutive waypoints (the cruise it was timed at)."""
    best = 0.0
    for a, b in zip(route.waypoints, route.waypoints[1:], strict=False):
        dt = (b.time - a.time).total_seconds()
        if dt > 0:
            ground_m = ground_distance_m(a.lon_deg, a.lat_deg, b.lon_deg, b.lat_deg)
            best = max(best, ground_m / dt)
    return round(best, 2) if best > 0 else None


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
