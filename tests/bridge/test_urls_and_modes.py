"""Connection URLs (MAVSDK spelling) and PX4 custom_mode encoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_bridge.errors import ConnectionUrlError, TransportError
from firmware_bridge.hub import MavlinkHub
from firmware_bridge.px4 import (
    FlightMode,
    custom_mode_of,
    decode_custom_mode,
    main_and_sub_mode,
)
from firmware_bridge.urls import ConnectionUrl, parse_connection_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("udpin://0.0.0.0:14540", ConnectionUrl("udpin", "0.0.0.0", 14540)),
        ("udpout://192.168.1.12:14550", ConnectionUrl("udpout", "192.168.1.12", 14550)),
        ("tcpout://localhost:5760", ConnectionUrl("tcpout", "localhost", 5760)),
        ("udpin://[::1]:14540", ConnectionUrl("udpin", "::1", 14540)),
        (
            "serial:///dev/ttyUSB0:57600",
            ConnectionUrl("serial", path="/dev/ttyUSB0", baudrate=57600),
        ),
        ("serial:///dev/ttyACM0", ConnectionUrl("serial", path="/dev/ttyACM0", baudrate=57600)),
    ],
)
def test_urls_parse_like_mavsdk(url: str, expected: ConnectionUrl) -> None:
    assert parse_connection_url(url) == expected


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("0.0.0.0:14540", "no scheme"),
        ("udp://0.0.0.0:14540", "unknown scheme"),
        ("udpin://0.0.0.0", "HOST:PORT"),
        ("udpin://:14540", "HOST:PORT"),
        ("tcpout://host:70000", "port"),
        ("udpout://host:abc", "port"),
        ("serial://ttyUSB0:57600", "absolute"),
        ("serial:///dev/ttyUSB0:fast", "baud"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(url: str, complaint: str) -> None:
    with pytest.raises(ConnectionUrlError, match=complaint) as caught:
        parse_connection_url(url)
    assert url in str(caught.value)


async def test_an_unopenable_transport_is_a_transport_error() -> None:
    with pytest.raises(TransportError, match="/dev/nonexistent-skyfleet"):
        async with MavlinkHub.open("serial:///dev/nonexistent-skyfleet:57600"):
            pass


@pytest.mark.parametrize(
    ("mode", "main", "sub"),
    [
        (FlightMode.MANUAL, 1, 0),
        (FlightMode.POSITION, 3, 0),
        (FlightMode.OFFBOARD, 6, 0),
        (FlightMode.TAKEOFF, 4, 2),
        (FlightMode.HOLD, 4, 3),
        (FlightMode.MISSION, 4, 4),
        (FlightMode.RTL, 4, 5),
        (FlightMode.LAND, 4, 6),
    ],
)
def test_px4_main_mode_in_bits_16_to_23_and_sub_mode_in_24_to_31(
    mode: FlightMode, main: int, sub: int
) -> None:
    assert main_and_sub_mode(mode) == (main, sub)
    assert custom_mode_of(mode) == (main << 16) | (sub << 24)


@pytest.mark.parametrize("mode", [m for m in FlightMode if m is not FlightMode.UNKNOWN])
def test_every_named_mode_round_trips(mode: FlightMode) -> None:
    assert decode_custom_mode(custom_mode_of(mode)) is mode


@given(st.integers(0, 2**32 - 1))
def test_any_custom_mode_decodes_and_ignores_the_reserved_bits(custom_mode: int) -> None:
    mode = decode_custom_mode(custom_mode)
    assert decode_custom_mode(custom_mode & 0xFFFF0000) is mode
    if mode is not FlightMode.UNKNOWN:
        is_auto = (custom_mode >> 16) & 0xFF == 4  # only AUTO modes use the sub mode
        assert custom_mode_of(mode) == custom_mode & (0xFFFF0000 if is_auto else 0x00FF0000)


@pytest.mark.parametrize("module", ["urls", "px4", "params"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"firmware_bridge.{module}"))
    assert result.attempted > 0 and result.failed == 0


def test_the_public_api_is_importable_from_the_package() -> None:
    import firmware_bridge

    assert set(firmware_bridge.__all__) == set(firmware_bridge._EXPORTS)
    for name in firmware_bridge.__all__:
        assert getattr(firmware_bridge, name).__name__ in (name, "MavlinkHub")
    with pytest.raises(AttributeError):
        _ = firmware_bridge.NoSuchThing  # type: ignore[attr-defined]
