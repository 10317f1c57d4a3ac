"""Airspace: the pure library of the world model, route planning and strategic deconfliction.

Geodesy and frames, building import (PLATEAU CityGML, GeoJSON), zones, the 3D route planner,
operational intents (ASTM F3548-21), the spatio-temporal index, deconfliction and conformance
monitoring. No I/O beyond reading data files; no knowledge of vehicles or MAVLink.
"""
