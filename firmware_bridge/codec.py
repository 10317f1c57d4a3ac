"""The one pymavlink parser/encoder per connection, with MAVLink 2 signing.

Internal to the package: the pymavlink messages it returns are consumed by the hub and the
vehicle and never handed to callers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

# MAVLink signing timestamps count 10 µs units since 2015-01-01 00:00 UTC.
_SIGNING_EPOCH_S = datetime(2015, 1, 1, tzinfo=UTC).timestamp()
# Messages MAVLink lets through unsigned even when signing is required (radio link status).
_ALWAYS_ALLOWED_UNSIGNED = frozenset({mavlink.MAVLINK_MSG_ID_RADIO_STATUS})
_HEADER_LEN_EMPTY = mavlink.HEADER_LEN_V1 + 2
_BAD_DATA = mavlink.MAVLink_bad_data
_MAGIC_V1: int = mavlink.PROTOCOL_MARKER_V1
_MAGIC_V2: int = mavlink.PROTOCOL_MARKER_V2
_V1_OVERHEAD: int = mavlink.HEADER_LEN_V1 + 2
_V2_OVERHEAD: int = mavlink.HEADER_LEN_V2 + 2
_SIGNATURE_LEN: int = mavlink.MAVLINK_SIGNATURE_BLOCK_LEN
_IFLAG_SIGNED: int = mavlink.MAVLINK_IFLAG_SIGNED
_UNKNOWN = mavlink.MAVLink_unknown


@dataclass(frozen=True, slots=True)
class SigningConfig:
    """MAVLink 2 signing for one link.

    Attributes:
        secret_key: the 32-byte shared secret.
        link_id: our link id in outgoing signatures.
        require_signed: reject (drop) incoming messages without a valid signature.
    """

    secret_key: bytes
    link_id: int = 0
    require_signed: bool = True

    def __post_init__(self) -> None:
        if len(self.secret_key) != 32:
            raise ValueError(f"MAVLink signing key must be 32 bytes, not {len(self.secret_key)}")


@dataclass(slots=True)
class CodecStats:
    """Counters of what one parser has seen."""

    messages: int = 0
    skipped: int = 0  # well-framed packets of message types nobody consumes: not decoded
    bad_data: int = 0
    unknown: int = 0
    bytes_in: int = 0


class Codec:
    """pymavlink's MAVLink parser/encoder for one connection (one socket)."""

    def __init__(
        self,
        system_id: int = 255,
        component_id: int = 190,
        signing: SigningConfig | None = None,
        wanted: frozenset[int] | None = None,
    ) -> None:
        self.mav: Any = mavlink.MAVLink(None, system_id, component_id)
        self.wanted = wanted
        self.mav.robust_parsing = True
        self.stats = CodecStats()
        if signing is not None:
            self._setup_signing(signing)

    def _setup_signing(self, signing: SigningConfig) -> None:
        state = self.mav.signing
        state.secret_key = signing.secret_key
        state.link_id = signing.link_id
        state.sign_outgoing = True
        state.timestamp = int((time.time() - _SIGNING_EPOCH_S) * 100_000)
        if signing.require_signed:
            state.allow_unsigned_callback = _allow_only_radio_status
        else:
            state.allow_unsigned_callback = _allow_all

    def decode(self, data: bytes, *, datagram: bool) -> list[Any]:
        """Parse ``data``; return the valid messages, counting and dropping the rest.

        Args:
            data: bytes read from the transport.
            datagram: ``True`` when ``data`` is a whole UDP datagram, so a truncated packet at
                its end is discarded instead of being glued to the next datagram. Datagram
                packets whose message id is not in ``wanted`` are skipped undecoded.
        """
        self.stats.bytes_in += len(data)
        if datagram:
            return self._decode_datagram(data)
        return self._decode_stream(data)

    def _decode_datagram(self, data: bytes) -> list[Any]:
        """Frame whole packets here and decode each with pymavlink's ``decode`` (CRC,
        signature and payload checks included), skipping its byte-by-byte state machine; junk
        sends the rest of the datagram through the byte-wise parser, which resynchronises."""
        good: list[Any] = []
        size, start = len(data), 0
        while start < size:
            end = start + _packet_length(data, start, size)
            if end <= start or end > size:
                self.stats.messages += len(good)
                good += self._decode_stream(data[start:])
                self._reset_buffer()  # a datagram never continues in the next one
                return good
            if self.wanted is not None and _msg_id(data, start) not in self.wanted:
                self.stats.skipped += 1  # e.g. ATTITUDE at 15 Hz: half a PX4's traffic
                start = end
                continue
            try:
                msg = self.mav.decode(bytearray(data[start:end]))
            except Exception:  # bad CRC, signature or payload: this packet only
                self.stats.bad_data += 1
            else:
                if isinstance(msg, _UNKNOWN):
                    self.stats.unknown += 1
                else:
                    good.append(msg)
            start = end
        self.stats.messages += len(good)
        return good

    def _decode_stream(self, data: bytes) -> list[Any]:
        try:
            parsed = self.mav.parse_buffer(data) or []
        except Exception:  # pymavlink raises on some malformed input even when robust
            parsed = []
            self.stats.bad_data += 1
            self._reset_buffer()
        good = []
        for msg in parsed:
            if isinstance(msg, _BAD_DATA):
                self.stats.bad_data += 1
            elif isinstance(msg, _UNKNOWN):
                self.stats.unknown += 1
            else:
                good.append(msg)
        self.stats.messages += len(good)
        return good

    def _reset_buffer(self) -> None:
        self.mav.buf = bytearray()
        self.mav.buf_index = 0
        self.mav.expected_length = _HEADER_LEN_EMPTY

    def encode(self, msg: Any) -> bytes:
        """Pack ``msg`` (made with ``self.mav.*_encode``) with our ids, sequence and signature."""
        data = bytes(msg.pack(self.mav))
        self.mav.seq = (self.mav.seq + 1) % 256
        return data


def _packet_length(data: bytes, start: int, size: int) -> int:
    """Length of the MAVLink packet starting at ``start``, or 0 if no packet starts there."""
    if size - start < 3:
        return 0
    magic = data[start]
    if magic == _MAGIC_V2:
        signed = data[start + 2] & _IFLAG_SIGNED
        return data[start + 1] + _V2_OVERHEAD + (_SIGNATURE_LEN if signed else 0)
    if magic == _MAGIC_V1:
        return data[start + 1] + _V1_OVERHEAD
    return 0


def _msg_id(data: bytes, start: int) -> int:
    """The message id in the header of the (well-framed) packet at ``start``."""
    if data[start] == _MAGIC_V2:
        return data[start + 7] | (data[start + 8] << 8) | (data[start + 9] << 16)
    return data[start + 5]


def _allow_only_radio_status(_mav: Any, msg_id: int) -> bool:
    return msg_id in _ALWAYS_ALLOWED_UNSIGNED


def _allow_all(_mav: Any, _msg_id: int) -> bool:
    return True
