# SPDX-License-Identifier: MIT
"""Transports implemented in Python, driven by libsgp32's ES10 layer through ctypes callbacks.

The forwarding transport hands each C-APDU to the software eUICC's sgp32_softeuicc_process_apdu:
the whole ES10 stack (MANAGE CHANNEL, SELECT, TERMINAL CAPABILITY, STORE DATA, GET RESPONSE) runs
through Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import pytest

from conftest import EID, profile_info
from sgp32 import (
    CardStatusError,
    Es10Session,
    ProtocolError,
    SoftEuicc,
    StateError,
    Status,
    TimeoutError_,
    Transport,
    TransportError,
)


class Forwarding(Transport):
    """Forwards every APDU to a software eUICC, recording the traffic."""

    def __init__(self, card: SoftEuicc) -> None:
        super().__init__()
        self.card = card
        self.commands: List[bytes] = []
        self.opened = 0
        self.closed_count = 0

    def open(self, timeout_ms: int = 10000) -> bytes:
        self.opened += 1
        return self.card.reset()

    def close(self) -> None:
        self.closed_count += 1

    def transmit(self, apdu: bytes, timeout_ms: int = 10000) -> bytes:
        assert timeout_ms > 0
        self.commands.append(apdu)
        return self.card.process_apdu(apdu)


class ModemLike(Forwarding):
    """A transport that owns the logical channels, as a modem with AT+CCHO does."""

    owns_channels = True

    def open_logical_channel(self, aid: bytes, timeout_ms: int = 10000) -> Tuple[int, bytes]:
        answer = self.card.process_apdu(bytes.fromhex("0070000001"))
        assert answer[-2:] == b"\x90\x00"
        channel = answer[0]
        select = self.card.process_apdu(bytes([channel, 0xA4, 0x04, 0x00, len(aid)]) + aid + b"\x00")
        return channel, select

    def close_logical_channel(self, channel: int, timeout_ms: int = 10000) -> None:
        self.card.process_apdu(bytes([0x00, 0x70, 0x80, channel]))

    def transmit_on_channel(self, channel: int, apdu: bytes, timeout_ms: int = 10000) -> bytes:
        self.commands.append(apdu)
        return self.card.process_apdu(bytes([(apdu[0] & 0xFC) | channel]) + apdu[1:])


def test_python_transport_end_to_end(card: SoftEuicc) -> None:
    card.preload_profile(profile_info("98001032547698103214", 0x01))
    transport = Forwarding(card)
    with Es10Session(transport) as es10:
        assert es10.get_eid() == EID
        assert es10.get_profiles_info()["profileInfoListOk"][0]["iccid"] == "98001032547698103214"
        with pytest.raises(CardStatusError) as refused:
            es10.transceive(bytes.fromhex("BF7F00"))
        assert refused.value.sw == 0x6A88
        assert refused.value.step == "store data"
    assert transport.opened == 1 and transport.closed_count == 1
    instructions = [command[1] for command in transport.commands]
    assert instructions[:3] == [0x70, 0xA4, 0xAA]  # MANAGE CHANNEL, SELECT ISD-R, TERMINAL CAPABILITY
    assert 0xE2 in instructions and instructions[-1] == 0x70  # STORE DATA ... MANAGE CHANNEL close


def test_t0_card_needs_get_response_through_python(tmp_path: Path) -> None:
    with SoftEuicc.create(tmp_path / "t0", eid=EID, protocol="t0", get_response_chunk=16) as card:
        transport = Forwarding(card)
        with Es10Session(transport) as es10:
            assert es10.get_euicc_info2()["svn"] == "020500"
        assert [c for c in transport.commands if c[1] == 0xC0], "no GET RESPONSE went through Python"


def test_transport_owning_channels(card: SoftEuicc) -> None:
    transport = ModemLike(card)
    with Es10Session(transport) as es10:
        assert es10.get_eid() == EID
        assert es10.channel != 0
    assert all(command[1] != 0x70 for command in transport.commands)


class Raising(Transport):
    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def transmit(self, apdu: bytes, timeout_ms: int = 10000) -> bytes:
        raise self.error


def test_exception_in_transmit_becomes_transport_error() -> None:
    transport = Raising(RuntimeError("cable unplugged"))
    with pytest.raises(TransportError) as failed:
        with Es10Session(transport):
            pass
    assert failed.value.code == Status.TRANSPORT
    assert isinstance(failed.value.__cause__, RuntimeError)
    assert "cable unplugged" in failed.value.detail["exception"]
    assert failed.value.detail["step"]
    assert transport.last_exception is None  # handed over to the error


def test_timeout_and_sgp32_errors_keep_their_code() -> None:
    with pytest.raises(TimeoutError_):
        with Es10Session(Raising(TimeoutError("slow modem"))):
            pass

    class Short(Transport):
        def transmit(self, apdu: bytes, timeout_ms: int = 10000) -> bytes:
            return b"\x90"

    with pytest.raises(ProtocolError):
        with Es10Session(Short()):
            pass


def test_interrupt_in_a_callback_is_reraised() -> None:
    with pytest.raises(KeyboardInterrupt):
        with Es10Session(Raising(KeyboardInterrupt())):
            pass


def test_context_managers_release_everything(card: SoftEuicc) -> None:
    transport = Forwarding(card)
    with transport:
        with Es10Session(transport) as es10:
            assert es10.get_eid() == EID
        assert es10.closed
        with pytest.raises(StateError):
            es10.get_eid()
    assert transport.closed
    with pytest.raises(StateError):
        Es10Session(transport)


def test_freeing_the_card_closes_sessions_first(tmp_path: Path) -> None:
    card = SoftEuicc.create(tmp_path / "c", eid=EID)
    native = card.transport()
    es10 = Es10Session(native).__enter__()
    assert es10.get_eid() == EID
    card.close()  # the session's channel is closed while the card still exists
    assert es10.closed and native.closed and card.closed
    with pytest.raises(StateError):
        es10.transceive(bytes.fromhex("BF2200"))
    with pytest.raises(StateError):
        card.process_apdu(bytes.fromhex("00A4040000"))
    es10.close()  # idempotent
