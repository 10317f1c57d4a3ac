"""Simulators: multicopters and ground rovers that speak MAVLink 2 as PX4 SITL does.

A pure ``step(state, dt_s)`` physics, battery and wind core (:mod:`simulators.physics`) is
driven by a thin loop with an injected clock and a speedup factor; the autopilot
(:mod:`simulators.autopilot`) flies PX4's modes, missions and failsafes; each vehicle talks
over two UDP links like PX4 SITL. The package imports nothing from the other skyfleet
packages, so a test of the bridge against it crosses a real network boundary.

Ports (instance ``i`` = 0, 1, ...; system id ``i + 1`` (see below past 255), component 1;
every port plus the ``port_offset`` K):

=====================  ===================  =============================================
link                   vehicle binds (UDP)  vehicle sends first to
=====================  ===================  =============================================
API / offboard         14580 + K + i        127.0.0.1:14540 + K + i (client: udpin there)
ground station (GCS)   18570 + K + i        127.0.0.1:14550 + K (shared by all vehicles)
=====================  ===================  =============================================

As in PX4, once a client sends to a vehicle's port the vehicle replies to wherever that
client sent from (messages from other autopilots do not redirect it). Big fleets:

- System ids are 1..255 in MAVLink, so instance ``i`` has system id ``i % 255 + 1``: beyond
  255 vehicles, tell vehicles apart by port, not system id.
- PX4's scheme overlaps from instance 40 on (14540 + i is then vehicle i-40's API port). A
  vehicle whose first remote would be a sibling's port stays silent on its API link until a
  client sends to it (a heartbeat is enough); clients of big fleets should contact 14580+K+i.
- Also as in PX4 SITL, 14550 + K (the shared GCS port) is instance 10's API client port
  (14540 + K + 10): with more than 10 vehicles, run with ``gcs_link=False`` (``--no-gcs``) or
  expect the GCS traffic there too.
- Like PX4, the messages due in one cycle leave in one UDP datagram (several frames).

Telemetry rates are PX4's "normal" stream set per wall-clock second
(``rates="low"`` for big fleets); ``speedup`` accelerates only the vehicle (physics, battery,
hold times, landing and pre-flight disarm), while link timeouts (GCS heartbeat loss, mission
protocol retries, a slow mission check) run in wall time. What the simulator shares with PX4 is
proven against real PX4 SITL by ``tests/px4_diff``; ``simulators/README.md`` lists what differs.

In-process use::

    async with Swarm(count=3, speedup=10.0, port_offset=1000) as swarm:
        await swarm.run()          # until cancelled; swarm.vehicles[i] is a SimVehicle

or ``await run_swarm(count, kind, home_lon_lat, speedup, port_offset)``; from a shell,
``skyfleet sim --count N [--kind quad|rover] [--home LON,LAT] [--speedup X] [--port-offset K]``.
"""

from simulators.config import AutopilotConfig, FailsafeAction
from simulators.physics import VehicleKind, VehicleState, Wind, initial_state, step
from simulators.px4_modes import FlightMode
from simulators.swarm import Swarm, run_swarm
from simulators.vehicle import SimVehicle, VehicleSpec

__all__ = [
    "AutopilotConfig",
    "FailsafeAction",
    "FlightMode",
    "SimVehicle",
    "Swarm",
    "VehicleKind",
    "VehicleSpec",
    "VehicleState",
    "Wind",
    "initial_state",
    "run_swarm",
    "step",
]
