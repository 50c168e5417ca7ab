# SPDX-License-Identifier: MIT
"""ES10 over the software eUICC through its C transport (libsgp32-softeuicc.so)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EID, profile_info
from sgp32 import (CardStatusError, Es10Session, EuiccResultError, NotSupportedError, SoftEuicc, StateError,
                   UsageError, codec)


def test_eid_info_and_addresses(card: SoftEuicc) -> None:
    with Es10Session(card.transport()) as es10:
        assert es10.channel != 0
        assert es10.get_eid() == EID
        info2 = es10.get_euicc_info2()
        assert info2["svn"] == "020500"
        assert info2["iotSpecificInfo"]["iotVersion"] == ["010200"]
        assert es10.get_euicc_info1()["svn"] == "020500"
        assert es10.get_configured_addresses()["defaultDpAddress"] == "smdp.example.com"


def test_profiles_after_preload(card: SoftEuicc) -> None:
    card.preload_profile(profile_info("98001032547698103214", 0x01))
    card.preload_profile(profile_info("98001032547698103224", 0x02))
    with Es10Session(card.transport()) as es10:
        profiles = es10.get_profiles_info()["profileInfoListOk"]
    assert [p["iccid"] for p in profiles] == ["98001032547698103214", "98001032547698103224"]
    # ProfileState is a named INTEGER: asn1c keeps no names for those, so 0 (disabled).
    assert all(p["profileState"] == 0 for p in profiles)


def test_add_initial_eim_then_read_configuration(card: SoftEuicc, shared_dir: Path) -> None:
    request = (shared_dir / "vectors" / "sample_eim_cfg.AddInitialEimRequest.ber").read_bytes()
    with Es10Session(card.transport()) as es10:
        assert es10.get_eim_configuration() == {"eimConfigurationDataList": []}
        answer = codec.decode("AddInitialEimResponse", es10.transceive(request))
        assert "addInitialEimOk" in answer
        entries = es10.get_eim_configuration()["eimConfigurationDataList"]
    assert [entry["eimId"] for entry in entries] == ["eIM"]


def test_unknown_tag_is_a_card_status_error(card: SoftEuicc) -> None:
    with Es10Session(card.transport()) as es10:
        with pytest.raises(CardStatusError) as refused:
            es10.transceive(bytes.fromhex("BF7F00"))
        assert refused.value.sw == 0x6A88
        assert refused.value.step == "store data"
        assert refused.value.ins == 0xE2
        # The session stays usable after a refusal.
        assert es10.get_eid() == EID


def test_state_survives_reopen(tmp_path: Path) -> None:
    with SoftEuicc.create(tmp_path / "c", eid=EID) as first:
        first.preload_profile(profile_info("98001032547698103214", 0x01))
    with SoftEuicc.open(tmp_path / "c") as again, Es10Session(again.transport()) as es10:
        assert es10.get_eid() == EID
        assert len(es10.get_profiles_info()["profileInfoListOk"]) == 1
    with pytest.raises(StateError):
        SoftEuicc.create(tmp_path / "c", eid=EID)


def test_profile_management(card: SoftEuicc) -> None:
    first, second = "98001032547698103214", "98001032547698103224"
    card.preload_profile(profile_info(first, 0x01))
    card.preload_profile(profile_info(second, 0x02))
    with Es10Session(card.transport()) as es10:
        es10.enable_profile(first)
        es10.set_nickname(first, "työ")  # UTF-8 on the wire
        states = {p["iccid"]: p for p in es10.get_profiles_info()["profileInfoListOk"]}
        assert states[first]["profileState"] == 1 and states[second]["profileState"] == 0
        assert states[first]["profileNickname"] == "työ"
        with pytest.raises(EuiccResultError) as refused:
            es10.delete_profile(first)  # enabled: must be disabled first
        assert refused.value.detail["result"] == 2
        assert refused.value.detail["result_name"] == "profileNotInDisabledState"
        with pytest.raises(EuiccResultError) as missing:
            es10.enable_profile("98001032547698103234")
        assert missing.value.detail["result_name"] == "iccidOrAidNotFound"
        es10.disable_profile(isdp_aid="A0000005591010FFFFFFFF8900001001")
        es10.delete_profile(first)
        remaining = es10.get_profiles_info()["profileInfoListOk"]
        assert [p["iccid"] for p in remaining] == [second]
        with pytest.raises(EuiccResultError) as nothing:
            es10.remove_notification(424242)
        assert nothing.value.detail["result_name"] == "nothingToDelete"


def test_rat_from_create_is_returned_by_get_rat(tmp_path: Path) -> None:
    # { { pprIds ppr1, allowedOperators { { mccMnc 21F354 } }, pprFlags consentRequired } }
    rat = bytes.fromhex("3013301180020640A1073005800321F35482020780")
    with pytest.raises(UsageError) as refused:  # not a RulesAuthorisationTable: invalid argument
        SoftEuicc.create(tmp_path / "bad", eid=EID, rat=bytes.fromhex("3003800100"))
    assert not isinstance(refused.value, (StateError, NotSupportedError))
    with SoftEuicc.create(tmp_path / "c", eid=EID, rat=rat):
        pass
    with SoftEuicc.open(tmp_path / "c") as card, Es10Session(card.transport()) as es10:
        assert es10.transceive(bytes.fromhex("BF4300")) == bytes.fromhex("BF4315A013") + rat[2:]
