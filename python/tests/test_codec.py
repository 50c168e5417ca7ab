# SPDX-License-Identifier: MIT
"""sgp32.codec over libsgp32's codecs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sgp32 import DecodeError, NotFoundError, Status, codec


@pytest.fixture
def sample(shared_dir: Path) -> bytes:
    return (shared_dir / "vectors" / "sample_eim_cfg.AddInitialEimRequest.ber").read_bytes()


def test_decode_sample_add_initial_eim(sample: bytes) -> None:
    value = codec.decode("AddInitialEimRequest", sample)
    entries = value["eimConfigurationDataList"]
    assert len(entries) == 1
    assert entries[0]["eimId"] == "eIM"
    key = entries[0]["eimPublicKeyData"]["eimPublicKey"]
    assert key["algorithm"]["algorithm"] == "1.2.840.10045.2.1"
    assert key["subjectPublicKey"]["bits"] == 520


def test_decode_text_names_the_fields(sample: bytes) -> None:
    text = codec.decode_text("AddInitialEimRequest", sample)
    assert "eimId: eIM" in text


def test_decode_errors_carry_the_code(sample: bytes) -> None:
    with pytest.raises(DecodeError) as truncated:
        codec.decode("AddInitialEimRequest", sample[:-1])
    assert truncated.value.code == Status.TRUNCATED
    assert truncated.value.name == "SGP32_ERR_TRUNCATED"
    with pytest.raises(DecodeError) as trailing:
        codec.decode("AddInitialEimRequest", sample + b"\x00")
    assert trailing.value.code == Status.TRAILING
    with pytest.raises(DecodeError) as wrong_tag:
        codec.decode("AddInitialEimRequest", bytes.fromhex("300100"))
    assert wrong_tag.value.code == Status.DECODE


def test_der_checks() -> None:
    # GetEuiccDataRequest BF3E { 5C 01 5A }: DER as written, BER with a long-form length.
    der = bytes.fromhex("BF3E035C015A")
    ber = bytes.fromhex("BF3E81035C015A")
    codec.validate_der("GetEuiccDataRequest", der)
    assert codec.decode("GetEuiccDataRequest", ber) == {"tagList": "5A"}
    with pytest.raises(DecodeError) as not_der:
        codec.validate_der("GetEuiccDataRequest", ber)
    assert not_der.value.code == Status.NOT_DER
    with pytest.raises(DecodeError):
        codec.decode("GetEuiccDataRequest", ber, der=True)
    assert codec.to_der("GetEuiccDataRequest", ber) == der


def test_types_and_unknown_type() -> None:
    known = codec.types()
    assert ("SGP32Definitions", "EuiccPackageRequest") in known
    assert ("RSPDefinitions", "EUICCInfo2") in known
    assert len(known) == len(set(known)) > 100
    assert codec.type_exists("SGP32-ProfileInfo")
    with pytest.raises(NotFoundError):
        codec.decode("NoSuchType", b"\x30\x00")
