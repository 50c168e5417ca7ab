# SPDX-License-Identifier: MIT
"""The typed ES10 functions of Es10Session over the software eUICC: answers, result names, raw DER."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EID, profile_info

from sgp32 import (CardStatusError, DecodeError, Es10Session, EuiccResultError, NotificationSearch, ResetOption,
                   SoftEuicc, answer_error_code, codec)

ICCID = "98001032547698103214"


def test_challenge_data_and_addresses(card: SoftEuicc) -> None:
    with Es10Session(card.transport()) as es10:
        first, second = es10.get_euicc_challenge(), es10.get_euicc_challenge()
        assert len(first) == 16 and first != second
        assert es10.get_euicc_data(b"\x5A") == bytes.fromhex("BF3E125A10") + bytes.fromhex(EID)
        assert es10.get_eid() == EID
        assert es10.get_configured_addresses()["defaultDpAddress"] == "smdp.example.com"
        es10.set_default_dp_address("dp.example.org")
        assert es10.get_configured_addresses()["defaultDpAddress"] == "dp.example.org"
        es10.set_default_dp_address("")
        assert "defaultDpAddress" not in es10.get_configured_addresses()
        info1 = es10.get_euicc_info1(raw=True)
        assert info1[:2] == bytes.fromhex("BF20") and codec.decode("EUICCInfo1", info1) == es10.get_euicc_info1()
        assert "euiccFirmwareVer" in str(es10.get_euicc_info2()) or es10.get_euicc_info2()


def test_add_initial_eim_and_refusal_with_answer(card: SoftEuicc, shared_dir: Path) -> None:
    request = (shared_dir / "vectors" / "sample_eim_cfg.AddInitialEimRequest.ber").read_bytes()
    with Es10Session(card.transport()) as es10:
        answer = codec.decode("AddInitialEimResponse", es10.add_initial_eim(request))
        assert answer == {"addInitialEimOk": [{"associationToken": 1}]}
        with pytest.raises(EuiccResultError) as again:
            es10.add_initial_eim(request)
        assert again.value.detail["result_name"] == "associatedEimAlreadyExists"
        assert again.value.detail["es10_result"] == 2
        assert again.value.detail["answer"][:2] == bytes.fromhex("BF57")
        assert [e["eimId"] for e in es10.get_eim_configuration("eIM")["eimConfigurationDataList"]] == ["eIM"]
        assert es10.get_eim_configuration("other") == {"eimConfigurationDataList": []}
        # An associated eIM forbids configuring immediate enabling (SGP.32 5.9.20)
        with pytest.raises(EuiccResultError) as refused:
            es10.configure_immediate_profile_enabling(True, "2.999.10", "smdp.example.com")
        assert refused.value.detail["result_name"] == "associatedEimAlreadyExists"
        card.preload_profile(profile_info(ICCID, 0x01))
        eim, immediate = es10.euicc_memory_reset_iot(ResetOption.OPERATIONAL_PROFILES | ResetOption.EIM_CONFIG_DATA)
        assert eim == 0 and immediate is None
        assert es10.get_eim_configuration() == {"eimConfigurationDataList": []}


def test_notifications_rat_and_refusals(card: SoftEuicc) -> None:
    card.preload_profile(profile_info(ICCID, 0x01))
    with Es10Session(card.transport()) as es10:
        assert es10.get_rat() == {"rat": []}
        assert es10.get_rat(raw=True) == bytes.fromhex("BF4302A000")
        assert es10.list_notifications() == {"notificationMetadataList": []}
        assert es10.list_notifications(operation=1) == {"notificationMetadataList": []}
        assert es10.retrieve_notifications() == {"notificationList": []}
        assert es10.retrieve_notifications(NotificationSearch.EUICC_PACKAGE_RESULTS) == {"euiccPackageResultList": []}
        expected = {
            es10.execute_fallback_mechanism: "fallbackNotAvailable",
            es10.return_from_fallback: "fallbackNotAvailable",
            es10.enable_emergency_profile: "ecallNotAvailable",
            es10.immediate_enable: "immediateEnableNotAvailable",
            es10.ipae_activation: "notSupported",
            es10.get_connectivity_parameters: "parametersNotAvailable",
            es10.profile_rollback: "rollbackNotAllowed",
        }
        for function, name in expected.items():
            with pytest.raises(EuiccResultError) as refused:
                function()
            assert refused.value.detail["result_name"] == name, function
        with pytest.raises(CardStatusError) as malformed:
            es10.load_euicc_package(bytes.fromhex("BF5103800100"))
        assert malformed.value.sw == 0x6A80 and malformed.value.detail["function"] == "LoadEuiccPackage"
        with pytest.raises(CardStatusError):
            es10.authenticate_server(bytes.fromhex("BF3800"))
        # No RSP session: the eUICC answers cancelSessionError, read by answer_error_code
        answer = es10.cancel_session(bytes(16), 1)
        assert answer[:2] == bytes.fromhex("BF41") and answer_error_code(answer) == 5
        with es10.bpp_loader() as loader:
            assert not loader.done
            with pytest.raises(DecodeError) as truncated:
                loader.finish()
            assert truncated.value.name == "SGP32_ERR_TRUNCATED"
        es10.enable_profile(ICCID)
        assert es10.get_profiles_info(raw=True)[:2] == bytes.fromhex("BF2D")
        es10.disable_profile(ICCID)
        es10.euicc_memory_reset_iot(ResetOption.OPERATIONAL_PROFILES)
        assert es10.get_profiles_info() == {"profileInfoListOk": []}
        with pytest.raises(EuiccResultError) as nothing:
            es10.euicc_memory_reset(ResetOption.OPERATIONAL_PROFILES)
        assert nothing.value.detail["result_name"] == "nothingToDelete"
