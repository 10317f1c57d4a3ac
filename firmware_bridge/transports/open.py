"""Build the transport a connection URL names."""

from __future__ import annotations

from firmware_bridge.transports.base import Transport
from firmware_bridge.transports.stream import SerialTransport, TcpTransport
from firmware_bridge.transports.udp import UdpTransport
from firmware_bridge.urls import parse_connection_url


def open_transport(url: str) -> Transport:
    """Return an unstarted transport for ``url``.

    Args:
        url: a MAVSDK-style URL (see :mod:`firmware_bridge.urls`).

    Returns:
        The transport; the hub starts it.

    Raises:
        ConnectionUrlError: the URL is malformed.
    """
    parsed = parse_connection_url(url)
    if parsed.scheme == "udpin":
        return UdpTransport(parsed.host, parsed.port, listen=True)
    if parsed.scheme == "udpout":
        return UdpTransport(parsed.host, parsed.port, listen=False)
    if parsed.scheme == "tcpout":
        return TcpTransport(parsed.host, parsed.port)
    return SerialTransport(parsed.path, parsed.baudrate)
