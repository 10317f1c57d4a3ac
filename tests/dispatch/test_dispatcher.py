"""The dispatcher's scheduling and dispatch logic: sorties cut from the scheduler's trips, and
each vehicle freed for its next sortie by its actual landing (the runner's ``vehicle.status``
events), not its planned return."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from airspace.intents.volume import Polygon, Volume4D
from airspace.route import Route, Waypoint
from fleet.dispatch.dispatcher import Busy, Dispatcher, DispatchSettings
from fleet.dispatch.legs import MissionLegs, split_in_time
from fleet.dispatch.schedule import Sortie, sorties
from fleet.model import GeoPoint
from fleet.scheduler import Schedule, Stop, StopKind, Trip, VehicleSchedule
from fleet.service.events import Event
from fleet.service.legs import PlannedLeg

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
DOCK = GeoPoint(139.70, 35.69)


def _stop(mission: int, kind: StopKind, at_s: float, where: GeoPoint = DOCK) -> Stop:
    t = T0 + timedelta(seconds=at_s)
    return Stop(str(mission), kind, where, t, t, t)


def _trip(*stops: Stop) -> Trip:
    return Trip("1", "1", stops[0].arrival, stops[-1].departure, stops, 10.0, 1000.0, T0)


def _plan(*vehicles: tuple[str, tuple[Trip, ...]]) -> Schedule:
    return Schedule(T0, tuple(VehicleSchedule(v, trips) for v, trips in vehicles), ())


KINDS = {"1": "multicopter", "2": "multicopter", "9": "ground_robot"}


def test_a_trip_is_cut_into_sorties_at_each_return_to_the_dock() -> None:
    p, d = StopKind.PICKUP, StopKind.DROPOFF
    trip = _trip(
        _stop(11, p, 0),
        _stop(12, p, 0),
        _stop(11, d, 100),
        _stop(12, d, 200),
        _stop(13, p, 400),
        _stop(13, d, 500),
        _stop(14, StopKind.INSPECT, 800),
    )
    cut = sorties(_plan(("1", (trip,))), KINDS)
    assert [s.mission_ids for s in cut] == [[11, 12], [13], [14]]
    assert all(s.vehicle_id == 1 and s.flies for s in cut)


def test_a_relay_is_the_drones_sortie_with_the_robot_that_collects() -> None:
    transfer = GeoPoint(139.701, 35.691)
    drone = _trip(_stop(21, StopKind.PICKUP, 0), _stop(21, StopKind.HANDOVER, 100, transfer))
    robot = _trip(
        _stop(22, StopKind.PICKUP, 0),
        _stop(22, StopKind.DROPOFF, 90),
        _stop(21, StopKind.COLLECT, 130, transfer),
        _stop(21, StopKind.DROPOFF, 300),
    )
    cut = sorties(_plan(("1", (drone,)), ("9", (robot,))), KINDS)
    by_mission = {tuple(s.mission_ids): s for s in cut}
    assert set(by_mission) == {(21,), (22,)}  # the relay is not also a robot sortie
    relay = by_mission[(21,)]
    assert (relay.vehicle_id, relay.robot_id) == (1, 9)
    assert relay.transfer == (transfer.lon_deg, transfer.lat_deg)
    assert not by_mission[(22,)].flies


def test_a_robot_trip_that_only_finishes_relays_is_no_sortie_of_its_own() -> None:
    transfer = GeoPoint(139.701, 35.691)
    drone = _trip(_stop(31, StopKind.PICKUP, 0), _stop(31, StopKind.HANDOVER, 100, transfer))
    robot = _trip(_stop(31, StopKind.COLLECT, 130, transfer), _stop(31, StopKind.DROPOFF, 300))
    cut = sorties(_plan(("1", (drone,)), ("9", (robot,))), KINDS)
    assert [(s.mission_ids, s.vehicle_id, s.robot_id) for s in cut] == [([31], 1, 9)]


def test_a_survey_in_parts_is_one_sortie() -> None:
    trip_a = _trip(_stop(31, StopKind.INSPECT, 0))
    trip_b = _trip(_stop(31, StopKind.INSPECT, 900))
    cut = sorties(_plan(("1", (trip_a, trip_b))), KINDS)
    assert [s.mission_ids for s in cut] == [[31]]


class _Tools:
    """Only what the queue logic reads of the planning tools."""

    class settings:
        lead_s = 60.0


class _Now:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _dispatcher(now: datetime | _Now) -> Dispatcher:
    queue = deque([Sortie(1, True, T0, [41]), Sortie(1, True, T0 + timedelta(seconds=300), [42])])
    return Dispatcher(
        tools=_Tools(),  # type: ignore[arg-type]  # planning is not exercised here
        clock=now if isinstance(now, _Now) else (lambda: now),
        queues={1: queue},
        settings=DispatchSettings(turnaround_s=120.0),
    )


def _status(vehicle_id: int, status: str) -> Event:
    return Event("vehicle.status", 1, {"vehicle_id": vehicle_id, "status": status})


@given(late_s=st.floats(min_value=0.0, max_value=3600.0))
def test_a_vehicle_is_free_at_its_actual_landing_plus_turnaround(late_s: float) -> None:
    now = _Now(T0)
    d = _dispatcher(now)
    first = d.ready()[0]
    d.take(first)
    d.busy[1].departures = (T0, T0 + timedelta(seconds=160))
    assert d.ready() == []  # busy: the next sortie waits
    now.now = T0 + timedelta(seconds=100)
    assert not d.observe(_status(1, "in_flight"))
    assert not d.observe(_status(1, "idle"))  # landed at the dropoff, not back yet
    assert d.ready() == []
    back = T0 + timedelta(seconds=250 + late_s)
    now.now = back
    assert not d.observe(_status(1, "in_flight"))
    assert d.observe(_status(1, "idle"))
    assert d.free_at[1] == back + timedelta(seconds=120.0)
    assert [s.mission_ids for s in d.ready()] == [[42]]


def test_an_idle_report_before_a_leg_departs_is_no_landing() -> None:
    now = _Now(T0)
    d = _dispatcher(now)
    d.take(d.ready()[0])
    d.busy[1].departures = (T0 + timedelta(seconds=60),)
    d.observe(_status(1, "in_flight"))  # e.g. a status watcher's report while it waits
    assert not d.observe(_status(1, "idle"))
    assert d.busy[1].landed == []
    now.now = T0 + timedelta(seconds=200)
    d.observe(_status(1, "in_flight"))
    assert d.observe(_status(1, "idle"))


def test_a_sortie_that_ended_early_frees_its_vehicle_after_a_recovery_allowance() -> None:
    now = T0 + timedelta(seconds=700)
    d = _dispatcher(now)
    d.take(d.ready()[0])
    d.busy[1].departures = (T0, T0 + timedelta(seconds=160))
    failed = Event("mission.state", 1, {"mission_id": 41, "state": "failed"})
    assert d.observe(failed)
    # it may be flying home after a recall: free after the recovery allowance and turnaround
    assert d.free_at[1] == now + timedelta(seconds=d.settings.recovery_s + 120.0)


def test_a_robot_keeps_the_plans_order_between_its_drives_and_its_relays() -> None:
    d = _dispatcher(T0)
    relay = Sortie(1, True, T0, [51], robot_id=9, transfer=(139.7, 35.69))
    drive = Sortie(9, False, T0 + timedelta(seconds=60), [52])
    d.queues = {1: deque([relay]), 9: deque([relay, drive])}
    assert d.ready() == [relay]  # the robot's own drive waits for the relay planned before it
    d.take(relay)
    assert d.ready() == []  # both vehicles busy
    assert d.queues == {1: deque(), 9: deque([drive])}


def test_the_most_urgent_ready_sortie_goes_first() -> None:
    d = _dispatcher(T0)
    normal = Sortie(1, True, T0, [61], rank=2)
    medical = Sortie(2, True, T0 + timedelta(seconds=600), [62], rank=0)
    d.queues = {1: deque([normal]), 2: deque([medical])}
    assert d.ready() == [medical, normal]


def _volume(t0_s: float, t1_s: float) -> Volume4D:
    ring = Polygon(((139.70, 35.69), (139.701, 35.69), (139.701, 35.691)))
    return Volume4D(ring, 0.0, 100.0, T0 + timedelta(seconds=t0_s), T0 + timedelta(seconds=t1_s))


def _mission_legs(depart_s: float, volumes: list[tuple[float, float]]) -> MissionLegs:
    t = T0 + timedelta(seconds=depart_s)
    wps = (
        Waypoint(139.70, 35.69, 40.0, 40.0, t),
        Waypoint(139.701, 35.69, 40.0, 40.0, t + timedelta(seconds=60)),
    )
    leg = PlannedLeg(1, Route(wps, 90.0, 60.0), True)
    return MissionLegs([leg], tuple(_volume(a, b) for a, b in volumes), ("none",))


@given(
    handover_s=st.floats(min_value=10.0, max_value=300.0),
    buffer_s=st.floats(min_value=0.0, max_value=200.0),
)
def test_a_sorties_intents_are_disjoint_in_time_and_cover_each_flight(
    handover_s: float, buffer_s: float
) -> None:
    first = _mission_legs(0.0, [(-buffer_s, 30 + buffer_s), (30 - buffer_s, 60 + buffer_s)])
    depart_s = 60.0 + handover_s
    second = _mission_legs(depart_s, [(depart_s - buffer_s, depart_s + 60 + buffer_s)])
    a, b = split_in_time([first, second])
    assert max(v.time_end for v in a.volumes) < min(v.time_start for v in b.volumes)
    assert min(v.time_start for v in a.volumes) == first.volumes[0].time_start
    assert max(v.time_end for v in a.volumes) >= T0 + timedelta(seconds=60)  # a has landed
    assert max(v.time_end for v in b.volumes) == second.volumes[-1].time_end
    assert min(v.time_start for v in b.volumes) <= T0 + timedelta(seconds=depart_s)


def test_a_robot_drives_its_own_delivery_while_its_relays_drone_is_away() -> None:
    d = _dispatcher(T0)
    relay = Sortie(1, True, T0, [51], robot_id=9, transfer=(139.7, 35.69))
    short = Sortie(9, False, T0 + timedelta(seconds=60), [52], planned_s=300.0)
    d.queues = {1: deque([relay]), 9: deque([relay, short])}
    d.busy[1] = Busy(frozenset({50}), (T0,), until=T0 + timedelta(seconds=3600))
    assert d.ready() == [short]  # back long before the drone
    d.busy[1] = Busy(frozenset({50}), (T0,), until=T0 + timedelta(seconds=400))
    assert d.ready() == []  # it would keep the relay waiting


def test_an_unexpected_error_in_a_sortie_frees_its_vehicle_and_the_dispatcher_goes_on() -> None:
    d = _dispatcher(T0)
    first = d.ready()[0]
    d.take(first)
    assert d.dispatch(first) == []  # the stub tools have no database: an AttributeError inside
    assert 1 not in d.busy
    assert [s.mission_ids for s in d.ready()] == [[42]]
