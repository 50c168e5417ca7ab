# SPDX-License-Identifier: MIT
"""HTTP clients through their C operations (start / poll / cancel with a body sink, as the IPA
uses them): the libcurl backend and the pure-Python client against the real sgp32-eim over TLS
(verified), and clients written in Python (chunked bodies, deadlines, exceptions)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Callable, List

import pytest
from conftest import Server

import sgp32
from sgp32 import HttpRequest, HttpResult, Status


def clients(ca: Path) -> List[sgp32.HttpClientBase]:
    return [sgp32.CurlHttpClient(ca_file=ca), sgp32.UrllibHttpClient(ca_file=ca)]


def test_get_post_and_status_codes(eim: Server, ca_file: Path) -> None:
    for client in clients(ca_file):
        with client:
            result, body = client.fetch(eim.url + "/api/eim")
            assert (result.status, result.http_status) == (Status.OK, 200), (client, result)
            assert result.content_type.startswith("application/json")
            assert json.loads(body)["eimId"] == "eIM"
            result, body = client.fetch(eim.url + "/api/nowhere")
            assert (result.status, result.http_status) == (Status.OK, 404)
            result, body = client.fetch(eim.url + "/api/devices", "POST", b'{"eid": "12"}',
                                        [("Content-Type", "application/json")])
            assert result.http_status == 400 and "error" in json.loads(body)
            # ESipa with a body that is not an EsipaMessageFromIpaToEim: 400 from the eIM
            result, _ = client.fetch(eim.url + "/gsma/rsp2/asn1", "POST", bytes.fromhex("BF4F00"),
                                     [("Content-Type", "application/x-gsma-rsp-asn1"),
                                      ("X-Admin-Protocol", "gsma/rsp/v2.1.0")])
            assert result.status == Status.OK and result.http_status in (200, 400)


def test_max_response_bytes(eim: Server, ca_file: Path) -> None:
    for client in (sgp32.CurlHttpClient(ca_file=ca_file, max_response_bytes=10),
                   sgp32.UrllibHttpClient(ca_file=ca_file, max_response_bytes=10)):
        with client:
            result, _ = client.fetch(eim.url + "/api/eim")
            assert result.status == Status.TOO_LARGE, (client, result)


def test_tls_verification_and_unreachable(eim: Server, pki: Path) -> None:
    # The CI does not issue the eIM's TLS certificate: verification fails, for both clients
    for client in clients(pki / "ci" / "ci.cert.pem"):
        with client:
            result, body = client.fetch(eim.url + "/api/eim")
            assert result.status == Status.CRYPTO and body == b"", (client, result)
            assert "TLS" in result.detail
            result, _ = client.fetch("https://127.0.0.1:1/", timeout_ms=5000)
            assert result.status == Status.HTTP, (client, result)
            result, _ = client.fetch("http://127.0.0.1:1/")  # plain HTTP is refused by default
            assert result.status == Status.INVALID_ARGUMENT, (client, result)


class Scripted(sgp32.ThreadedHttpClient):
    """A Python client answering from a function: the body in chunks, after a delay."""

    def __init__(self, answer: Callable[[HttpRequest], bytes], delay: float = 0.0, chunk: int = 7) -> None:
        super().__init__()
        self.answer = answer
        self.delay = delay
        self.chunk = chunk
        self.seen: List[HttpRequest] = []

    def perform(self, request: HttpRequest, write: Callable[[bytes], None],
                cancelled: threading.Event) -> HttpResult:
        self.seen.append(request)
        if cancelled.wait(self.delay):
            return HttpResult(Status.CANCELLED)
        body = self.answer(request)
        for offset in range(0, len(body), self.chunk):
            write(body[offset:offset + self.chunk])
        return HttpResult(Status.OK, 200, "application/octet-stream", "")


def test_python_client_through_the_c_interface() -> None:
    echo = Scripted(lambda request: request.body[::-1] * 10)
    with echo:
        result, body = echo.fetch("https://example.invalid/x", "POST", b"0123456789", [("X-Test", "yes")])
        assert (result.status, result.http_status, result.content_type) == (Status.OK, 200,
                                                                          "application/octet-stream")
        assert body == b"9876543210" * 10
        assert echo.seen[0].headers == [("X-Test", "yes")] and echo.seen[0].method == "POST"
        assert echo.pending == 0
    slow = Scripted(lambda request: b"late", delay=5.0)
    started = time.monotonic()
    result, body = slow.fetch("https://example.invalid/", timeout_ms=300)
    assert result.status == Status.TIMEOUT and body == b"" and time.monotonic() - started < 3
    assert slow.pending == 0

    def explode(_request: HttpRequest) -> bytes:
        raise ValueError("host bug")

    broken = Scripted(explode)
    result, _ = broken.fetch("https://example.invalid/")
    assert result.status == Status.HTTP and "host bug" in result.detail


def test_exceptions_in_low_level_callbacks_become_statuses() -> None:
    class Broken(sgp32.HttpClient):
        def start(self, request: HttpRequest, sink: Callable[[bytes], int]) -> int:
            raise sgp32.TimeoutError_(Status.TIMEOUT, "SGP32_ERR_TIMEOUT", "modem busy")

    client = Broken()
    result, _ = client.fetch("https://example.invalid/")
    assert result.status == Status.TIMEOUT
    assert isinstance(client.last_exception, sgp32.TimeoutError_)
    client.close()
    with pytest.raises(sgp32.StateError):
        client.fetch("https://example.invalid/")
