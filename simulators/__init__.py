"""Simulators: vehicles that speak MAVLink as PX4 does.

A pure ``step(state, dt)`` physics, battery and wind core, driven by a thin async loop with an
injected clock; fault injection on the link and the vehicle; a swarm launcher. This package
imports nothing from the other skyfleet packages, so a test of the bridge against it crosses a
real network boundary.
"""
