# SPDX-License-Identifier: MIT
"""sgp32.Ipa without servers: poll results, an injected eIM package answered as an event, storage
kinds, callbacks that raise (mapped, logged, KeyboardInterrupt re-raised), timeouts and lifetimes."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable, List, Optional

import pytest
from conftest import EID

import sgp32
from sgp32 import HttpRequest, HttpResult, IpaActivity, IpaEvent, IpaEventType, Status


class Offline(sgp32.ThreadedHttpClient):
    """An HTTP client with no network: every request fails as a refused connection would."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: List[HttpRequest] = []

    def perform(self, request: HttpRequest, write: Callable[[bytes], None],
                cancelled: threading.Event) -> HttpResult:
        self.requests.append(request)
        return HttpResult(Status.HTTP, 0, "", "connection refused")


def test_poll_inject_and_idle_without_eim(card: sgp32.SoftEuicc) -> None:
    events: List[IpaEvent] = []
    records: dict = {}
    logs: List[str] = []
    with Offline() as http, sgp32.Ipa(card.transport(), http, storage=records, on_event=events.append,
                                      log=lambda level, message: logs.append(message),
                                      config={"poll_interval_ms": 60000}) as ipa:
        assert ipa.eid is None  # nothing read before the first poll
        first = ipa.poll()
        assert (first.activity, first.state) == (IpaActivity.IDLE, "idle")
        assert any("no eIM configured" in line for line in logs + [first.detail])
        assert ipa.eid == EID
        # a TransferEimPackageRequest with eimAcknowledgements of nothing: answered eimPackageReceived
        ipa.inject_eim_package(bytes.fromhex("BF4E03BF5300"))
        result = ipa.run_until_idle(timeout=30)
        assert result.state == "idle"
        responses = [e for e in events if e.type == IpaEventType.TRANSFER_RESPONSE]
        assert [e.data for e in responses] == [bytes.fromhex("BF4E020500")]
        assert responses[0].status_name == "SGP32_OK" and responses[0].iccid is None
        assert http.requests == []  # no eIM: nothing to ask over the network
        with pytest.raises(sgp32.TimeoutError_) as waited:
            ipa.run_until(lambda r: False, timeout=0.2)
        assert waited.value.detail["state"] == "idle"
        # an immediate operation the card refuses: the error carries the IPA's last error
        with pytest.raises(sgp32.Sgp32Error) as refused:
            ipa.execute_fallback()
        assert refused.value.detail["operation"] == "execute_fallback"
    assert ipa.closed


def test_directory_storage_is_atomic_and_deletes(tmp_path: Path) -> None:
    storage = sgp32.DirectoryStorage(tmp_path / "state")
    assert storage.load("ipa.job") is None
    storage.save("ipa.job", b"\x30\x00")
    storage.save("ipa.job", b"\x30\x03\x80\x01\x01")
    assert storage.load("ipa.job") == b"\x30\x03\x80\x01\x01"
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == ["ipa.job"]  # no temporary left
    storage.save("ipa.job", None)
    storage.save("ipa.job", None)
    assert storage.load("ipa.job") is None
    with pytest.raises(ValueError):
        storage.save("../escape", b"x")


def test_callbacks_that_raise(card: sgp32.SoftEuicc, caplog: pytest.LogCaptureFixture) -> None:
    class Exploding(sgp32.Storage):
        def __init__(self, error: BaseException) -> None:
            self.error = error

        def load(self, name: str) -> Optional[bytes]:
            raise self.error

        def save(self, name: str, data: Optional[bytes]) -> None:
            raise self.error

    ticks = iter(range(0, 10**9, 10))

    def clock() -> int:
        value = next(ticks)
        if value == 20:
            raise ArithmeticError("clock glitch")
        return value

    def log(level: int, message: str) -> None:
        raise RuntimeError("log sink down")

    with Offline() as http:
        with caplog.at_level(logging.ERROR, logger="sgp32.ipa"):
            with sgp32.Ipa(card.transport(), http, storage=Exploding(OSError("EIO")), clock=clock, log=log) as ipa:
                result = ipa.poll()  # the storage fails: an error status for the IPA, never a crash
                assert result.state in ("idle", "start", "resume")
                kinds = {type(error) for error in ipa.callback_errors}
                assert OSError in kinds and RuntimeError in kinds
        assert "callback raised" in caplog.text
        with sgp32.Ipa(card.transport(), http, storage=Exploding(KeyboardInterrupt())) as ipa:
            with pytest.raises(KeyboardInterrupt):
                ipa.poll()
            ipa.poll()  # raised once; the IPA stays usable


def test_lifetimes(card: sgp32.SoftEuicc) -> None:
    http = Offline()
    transport = card.transport()
    ipa = sgp32.Ipa(transport, http)
    ipa.poll()
    transport.release()  # closes the IPA first
    assert ipa.closed
    with pytest.raises(sgp32.StateError):
        ipa.poll()
    other = sgp32.Ipa(card.transport(), http)
    http.close()  # closes the IPAs using it
    assert other.closed
    with pytest.raises(sgp32.StateError):
        sgp32.Ipa(card.transport(), http)
    curl = sgp32.CurlHttpClient()
    third = sgp32.Ipa(card.transport(), curl, config=sgp32.IpaConfig(binding="json", device_info=None))
    assert curl.pending == 0
    card.close()  # the card's transports are released, their IPAs closed
    assert third.closed
    curl.close()
