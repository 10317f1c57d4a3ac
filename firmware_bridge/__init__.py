"""Firmware bridge: everything MAVLink.

Transports (UDP, TCP, serial, in-memory), one connection serving many vehicles, PX4 specifics
(custom modes, arming, mission and command protocols, geofence upload) and MAVLink 2 signing.
Raw messages become typed telemetry events and typed command results at this package's
boundary: no pymavlink object leaves it.
"""
