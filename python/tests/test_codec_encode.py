# SPDX-License-Identifier: MIT
"""sgp32.codec.encode: JSON / Python data -> DER through sgp32_parse_json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sgp32 import DecodeError, NotFoundError, Status, codec


def test_encode_inverts_decode_on_real_vectors(shared_dir: Path) -> None:
    checked = 0
    for name, path in [("AddInitialEimRequest", "sample_eim_cfg.AddInitialEimRequest.ber")]:
        der = codec.to_der(name, (shared_dir / "vectors" / path).read_bytes())
        value = codec.decode(name, der)
        assert codec.encode(name, value) == der
        assert codec.encode(name, json.dumps(value)) == der  # JSON text works the same
        checked += 1
    assert checked == 1


def test_encode_inverts_decode_on_real_certificates(shared_dir: Path) -> None:
    # X.509: OIDs, times, BIT STRINGs, SET OF, DirectoryString, extensions as OCTET STRINGs.
    paths = sorted((shared_dir / "certs").rglob("*.der"))
    checked = 0
    for path in paths:
        der = path.read_bytes()
        try:
            value = codec.decode("Certificate", der, der=True)
        except DecodeError:
            continue  # not a certificate (a key or a CRL)
        assert codec.encode("Certificate", value) == der, path
        checked += 1
    assert checked >= 10


def test_encode_builds_a_request_by_hand() -> None:
    der = codec.encode("ProfileInfoListRequest", {"tagList": "5a", "searchCriteria": {"iccid": "89000000000000000001"}})
    assert der.hex().upper() == "BF2D11A00C5A0A890000000000000000015C015A"
    assert codec.decode("ProfileInfoListRequest", der) == {
        "searchCriteria": {"iccid": "89000000000000000001"}, "tagList": "5A"}
    assert codec.encode("GetEuiccDataRequest", '{"tagList": "5A"}') == bytes.fromhex("BF3E035C015A")
    assert codec.encode("CRLReason", "keyCompromise".join('""')) == bytes.fromhex("0A0101")
    assert codec.encode("CRLReason", 1) == bytes.fromhex("0A0101")
    assert codec.encode("PprIds", {"hex": "C0", "bits": 2}) == bytes.fromhex("030206C0")
    assert codec.encode("KeyPurposeId", '"1.3.6.1.5.5.7.3.1"') == bytes.fromhex("06082B06010505070301")


def test_encode_errors_carry_the_code() -> None:
    cases = [
        ({"tagList": "5A", "extra": "00"}, Status.DECODE),  # unknown member
        ({}, Status.DECODE),  # mandatory member missing
        ({"tagList": 90}, Status.DECODE),  # wrong JSON type
        ({"tagList": "5"}, Status.DECODE),  # odd hex
        ('{"tagList": "5A"', Status.TRUNCATED),
        ('{"tagList": "5A"} {}', Status.TRAILING),
    ]
    for value, code in cases:
        with pytest.raises(DecodeError) as error:
            codec.encode("GetEuiccDataRequest", value)
        assert error.value.code == code, value
    with pytest.raises(DecodeError) as size:
        codec.encode("Iccid", '"8900000000000000"')  # SIZE(10)
    assert size.value.code == Status.CONSTRAINT
    with pytest.raises(NotFoundError):
        codec.encode("NoSuchType", {})
