# SPDX-License-Identifier: MIT
"""sgp32.Ipa over the software eUICC, driven from Python against the real sgp32-eim and sgp32-smdp:
an eIM-driven flow (AddInitialEim, an enable order and a download trigger queued at the eIM,
run_until_idle, the orders done at the eIM, the card's profiles) with the pure-Python HTTP client,
and direct downloads with the libcurl backend."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, List, Optional

import pytest
from conftest import PRELOADED_ICCID, Rest, Server, b64

import sgp32
from sgp32 import IpaConfig, IpaEvent, IpaEventType, codec

MATCHING_ID = "TS48V2-SAIP2-1-BERTLV-UNIQUE"


def card_profiles(card: sgp32.SoftEuicc) -> dict:
    """ICCID -> profileState (1 enabled, 0 disabled) as the card lists them."""
    with sgp32.Es10Session(card.transport()) as es10:
        return {p["iccid"]: p.get("profileState") for p in es10.get_profiles_info()["profileInfoListOk"]}


def find_token(value: Any) -> Optional[int]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "associationToken" and isinstance(item, int):
                return item
            found = find_token(item)
            if found is not None:
                return found
    if isinstance(value, list):
        for item in value:
            found = find_token(item)
            if found is not None:
                return found
    return None


def test_eim_driven_flow_with_python_http(pki_card: sgp32.SoftEuicc, pki: Path, ca_file: Path, eim: Server,
                                          eim_api: Rest, smdp: Server) -> None:
    events: List[IpaEvent] = []
    logs: List[str] = []
    records: dict = {}
    saved: List[str] = []

    class Recording(sgp32.DictStorage):
        def save(self, name: str, data: Optional[bytes]) -> None:
            saved.append(name)
            super().save(name, data)
    with sgp32.Es10Session(pki_card.transport()) as es10:
        eid = es10.get_eid()
    http = sgp32.UrllibHttpClient(ca_file=ca_file)
    config = IpaConfig(poll_interval_ms=3600000, retry_initial_ms=200, retry_max_ms=1000)
    with sgp32.Ipa(pki_card.transport(), http, storage=Recording(records), config=config, on_event=events.append,
                   log=lambda level, message: logs.append(message)) as ipa:
        # The eIM's own AddInitialEimRequest onto the card, the device registered with the card's token
        request = base64.b64decode(eim_api.call("GET", "/api/eim")["addInitialEimRequest"])
        token = find_token(codec.decode("AddInitialEimResponse", ipa.add_initial_eim(request)))
        assert isinstance(token, int)
        certificate = (pki / "euicc" / "euicc.cert.der").read_bytes()
        eim_api.call("POST", "/api/devices", {"eid": eid, "euiccCertificate": b64(certificate),
                                              "associationToken": token})

        # An enable order: run until idle, the order done at the eIM, the profile enabled
        order = eim_api.call("POST", f"/api/devices/{eid}/orders",
                             {"psmo": [{"enable": {"iccid": PRELOADED_ICCID}}]})["id"]
        ipa.poll_eim_now()
        result = ipa.run_until_idle(timeout=120)
        assert result.idle and not result.failed, (result, ipa.last_error)
        assert ipa.eid == eid
        done = eim_api.call("GET", f"/api/orders/{order}")
        assert (done["status"], done["outcome"]) == ("done", "success"), done
        executed = [e for e in events if e.type == IpaEventType.PACKAGE_EXECUTED]
        assert executed and executed[0].status == sgp32.Status.OK
        changed = [e for e in events if e.type == IpaEventType.PROFILE_CHANGED]
        assert changed and changed[0].iccid == PRELOADED_ICCID
        assert any(line.startswith("get-package:") for line in logs)

        # A download trigger: the IPA fetches the profile from the SM-DP+ and reports to the eIM
        trigger = eim_api.call("POST", f"/api/devices/{eid}/orders",
                               {"download": {"activationCode": f"1${smdp.address}${MATCHING_ID}"}})["id"]
        events.clear()
        ipa.poll_eim_now()
        result = ipa.run_until(lambda r: r.idle and eim_api.call("GET", f"/api/orders/{trigger}")["status"]
                               in ("done", "failed"), timeout=180)
        assert not result.failed, (result, ipa.last_error)
        triggered = eim_api.call("GET", f"/api/orders/{trigger}")
        assert (triggered["status"], triggered["outcome"]) == ("done", "installed"), triggered
        downloaded = [e for e in events if e.type == IpaEventType.DOWNLOAD_DONE]
        assert downloaded and downloaded[0].status == sgp32.Status.OK
        new_iccid = downloaded[0].iccid
        progress = [e for e in events if e.type == IpaEventType.DOWNLOAD_PROGRESS]
        assert any(e.code > 0 for e in progress)
        # total: the package's size, the bytes loaded never more; the last event has all of it
        assert progress[-1].total > 0 and progress[-1].code == progress[-1].total
        assert all(e.code <= e.total for e in progress if e.total > 0)
    assert ipa.closed and not http.pending
    assert "ipa.job" in saved and "ipa.acks" in saved  # written while in flight ...
    assert records == {}  # ... and every procedure finished: nothing left in the IPA's storage
    assert ipa.callback_errors == []
    profiles = card_profiles(pki_card)
    assert profiles[PRELOADED_ICCID] == 1
    assert new_iccid in profiles and len(profiles) == 2


def test_direct_download_with_curl(pki_card: sgp32.SoftEuicc, ca_file: Path, smdp: Server, tmp_path: Path) -> None:
    def broken_event(_event: IpaEvent) -> None:
        raise RuntimeError("a host bug in the event callback")

    with sgp32.CurlHttpClient(ca_file=ca_file) as http, \
            sgp32.Ipa(pki_card.transport(), http, storage=tmp_path / "state", on_event=broken_event) as ipa:
        iccid = ipa.download_and_wait(f"LPA:1${smdp.address}${MATCHING_ID}", timeout=120)
        assert len(iccid) == 20
        # the event callback raised every time: logged and kept, never a crash, the download went on
        assert ipa.callback_errors and isinstance(ipa.callback_errors[0], RuntimeError)
        # a refused download: the SM-DP+'s reason in the error
        with pytest.raises(sgp32.Sgp32Error) as refused:
            ipa.download_and_wait(f"1${smdp.address}$NO-SUCH-ID", timeout=120)
        assert "8.2.6" in str(refused.value)
    assert iccid in card_profiles(pki_card)
    notifications = Rest(smdp.url, ca_file).call("GET", "/api/notifications")["notifications"]
    assert any(n["kind"] == "profileInstallationResult" and n["verified"] for n in notifications)


def test_untrusted_server_and_failing_storage(pki_card: sgp32.SoftEuicc, pki: Path, smdp: Server) -> None:
    class FailingStorage(sgp32.Storage):
        def load(self, name: str) -> Optional[bytes]:
            return None

        def save(self, name: str, data: Optional[bytes]) -> None:
            raise OSError("disk full")

    # Trusting only the eIM's TLS root: the SM-DP+'s certificate (issued by the CI) fails verification
    http = sgp32.UrllibHttpClient(ca_file=pki / "tls" / "root.cert.pem")
    with sgp32.Ipa(pki_card.transport(), http, storage=FailingStorage(),
                   config={"retry_initial_ms": 100, "retry_max_ms": 200, "retry_limit": 1}) as ipa:
        with pytest.raises(sgp32.Sgp32Error) as failed:
            ipa.download_and_wait(f"1${smdp.address}${MATCHING_ID}", timeout=60)
        assert failed.value.code == sgp32.Status.CRYPTO, failed.value
        assert "TLS" in failed.value.detail["detail"]
        # the storage's exception became SGP32_ERR_STORAGE for the IPA, logged and kept
        assert any(isinstance(error, OSError) for error in ipa.callback_errors)
    assert PRELOADED_ICCID in card_profiles(pki_card) and len(card_profiles(pki_card)) == 1


def test_python_transport_and_python_http_under_the_ipa(pki_card: sgp32.SoftEuicc, ca_file: Path,
                                                        smdp: Server) -> None:
    """The whole download with every APDU and every HTTP exchange carried by Python code."""

    class Forwarding(sgp32.Transport):
        def __init__(self) -> None:
            super().__init__()
            self.apdus = 0

        def open(self, timeout_ms: int = 10000) -> bytes:
            return pki_card.reset()

        def transmit(self, apdu: bytes, timeout_ms: int = 10000) -> bytes:
            self.apdus += 1
            return pki_card.process_apdu(apdu)

    class Counting(sgp32.UrllibHttpClient):
        def __init__(self) -> None:
            super().__init__(ca_file=ca_file)
            self.urls: List[str] = []

        def perform(self, request: sgp32.HttpRequest, write: Any, cancelled: Any) -> sgp32.HttpResult:
            self.urls.append(request.url)
            return super().perform(request, write, cancelled)

    transport, http = Forwarding(), Counting()
    with transport, http, sgp32.Ipa(transport, http) as ipa:
        iccid = ipa.download_and_wait(f"1${smdp.address}${MATCHING_ID}", timeout=120)
    assert transport.apdus > 20
    functions = [url.rsplit("/", 1)[1] for url in http.urls]
    assert functions[:3] == ["initiateAuthentication", "authenticateClient", "getBoundProfilePackage"]
    assert "handleNotification" in functions
    assert iccid in card_profiles(pki_card)
