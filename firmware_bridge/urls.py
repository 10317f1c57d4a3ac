"""Connection URLs in MAVSDK's spelling.

``udpin://HOST:PORT`` binds and listens (replies go to whoever sent), ``udpout://HOST:PORT``
sends to a fixed peer, ``tcpout://HOST:PORT`` connects over TCP and
``serial:///dev/ttyUSB0:57600`` opens a serial port at a baud rate (57600 when omitted).

>>> parse_connection_url("udpin://0.0.0.0:14540")
ConnectionUrl(scheme='udpin', host='0.0.0.0', port=14540, path='', baudrate=0)
>>> parse_connection_url("serial:///dev/ttyUSB0:921600").baudrate
921600
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware_bridge.errors import ConnectionUrlError

NETWORK_SCHEMES = ("udpin", "udpout", "tcpout")
DEFAULT_BAUDRATE = 57600


@dataclass(frozen=True, slots=True)
class ConnectionUrl:
    """A parsed connection URL; ``path``/``baudrate`` are set for serial, host/port otherwise."""

    scheme: str
    host: str = ""
    port: int = 0
    path: str = ""
    baudrate: int = 0


def parse_connection_url(url: str) -> ConnectionUrl:
    """Parse a MAVSDK-style connection URL.

    Args:
        url: e.g. ``udpin://0.0.0.0:14540`` or ``serial:///dev/ttyUSB0:57600``.

    Returns:
        The parsed URL.

    Raises:
        ConnectionUrlError: unknown scheme, missing host or port, or a port out of range.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConnectionUrlError(f"connection URL {url!r} has no scheme (expected e.g. udpin://)")
    if scheme == "serial":
        return _parse_serial(url, rest)
    if scheme not in NETWORK_SCHEMES:
        known = ", ".join((*NETWORK_SCHEMES, "serial"))
        raise ConnectionUrlError(f"connection URL {url!r}: unknown scheme {scheme!r} ({known})")
    host, colon, port_text = rest.rpartition(":")
    if not colon or not host:
        raise ConnectionUrlError(f"connection URL {url!r} needs HOST:PORT")
    return ConnectionUrl(scheme=scheme, host=host.strip("[]"), port=_port(url, port_text))


def _parse_serial(url: str, rest: str) -> ConnectionUrl:
    path, colon, baud_text = rest.rpartition(":")
    if not colon:
        path, baud_text = rest, str(DEFAULT_BAUDRATE)
    if not path.startswith("/") and not path.upper().startswith("COM"):
        raise ConnectionUrlError(f"connection URL {url!r}: serial device path must be absolute")
    if not baud_text.isdigit() or int(baud_text) <= 0:
        raise ConnectionUrlError(f"connection URL {url!r}: baud rate {baud_text!r} is invalid")
    return ConnectionUrl(scheme="serial", path=path, baudrate=int(baud_text))


def _port(url: str, text: str) -> int:
    # Port 0 binds any free port (udpin), which tests use.
    if not text.isdigit() or not 0 <= int(text) < 65536:
        raise ConnectionUrlError(f"connection URL {url!r}: port {text!r} is not in 0..65535")
    return int(text)
