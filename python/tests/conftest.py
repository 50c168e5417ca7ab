# SPDX-License-Identifier: MIT
"""Shared fixtures: the reference directory and fresh software eUICCs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import pytest

# Run from the source tree without installing: python/ on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sgp32  # noqa: E402

EID = "89049032123451234512345678901235"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = Path(os.environ.get("SGP32_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
    assert path.is_dir(), f"the shared reference directory {path} is missing (set SGP32_SHARED_DIR)"
    return path


@pytest.fixture
def card(tmp_path: Path) -> Iterator[sgp32.SoftEuicc]:
    with sgp32.SoftEuicc.create(tmp_path / "card", eid=EID, default_dp_address="smdp.example.com") as created:
        yield created


def profile_info(iccid: str, aid_last: int) -> bytes:
    """The DER of an SGP32-ProfileInfo { iccid, isdpAid } ([PRIVATE 3] = E3)."""
    body = bytes.fromhex("5A0A") + bytes.fromhex(iccid) + bytes.fromhex("4F10") + bytes.fromhex(
        "A0000005591010FFFFFFFF89000010") + bytes([aid_last])
    return bytes([0xE3, len(body)]) + body
