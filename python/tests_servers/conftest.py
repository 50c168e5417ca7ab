# SPDX-License-Identifier: MIT
"""Fixtures of the tests against the real test servers: a fresh test PKI (examples/pki/sgp32-test-pki),
sgp32-smdp and sgp32-eim on free 127.0.0.1 ports (killed by PID at the end), software eUICCs with the
PKI's identity, and a small REST client (TLS verified)."""

from __future__ import annotations

import base64
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sgp32  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# A disabled operational profile the card starts with (SGP32-ProfileInfo: ICCID, ISD-P AID, class, name).
PRELOADED_ICCID = "89000000000000000001"
PRELOADED = bytes.fromhex("E3275A0A" + PRELOADED_ICCID + "4F10A0000005591010FFFFFFFF8900001100920454657374950102")


def _binary(env: str, name: str) -> str:
    path = os.environ.get(env) or str(REPO / "build" / "bin" / name)
    assert os.access(path, os.X_OK), f"{name} not found: set ${env} (ctest does)"
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = Path(os.environ.get("SGP32_SHARED_DIR", REPO.parent / "shared"))
    assert (path / "profiles").is_dir(), f"the shared reference directory {path} is missing (SGP32_SHARED_DIR)"
    return path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh NIST test PKI; returns its curve directory."""
    root = tmp_path_factory.mktemp("pki")
    subprocess.run(["sh", str(REPO / "examples" / "pki" / "sgp32-test-pki"), "--curve", "nist", "--force", str(root)],
                   check=True, stdout=subprocess.DEVNULL)
    return root / "nist"


@pytest.fixture(scope="session")
def ca_file(pki: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trust of the IPA: the eIM's TLS root and the CI (which issues the SM-DP+'s TLS certificate)."""
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_bytes((pki / "tls" / "root.cert.pem").read_bytes() + (pki / "ci" / "ci.cert.pem").read_bytes())
    return path


class Server:
    """One test server process on a free port."""

    def __init__(self, name: str, command: List[str], workdir: Path) -> None:
        self.name = name
        port_file = workdir / f"{name}.port"
        self.log = workdir / f"{name}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command + ["--port-file", str(port_file), "--lifetime", "300"],
                                            stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 20
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{name} did not start: {self.log.read_text(errors='replace')}")
            time.sleep(0.05)
        self.port = int(port_file.read_text().strip())
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"https://{self.address}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Rest:
    """JSON over HTTPS against a test server's /api/, TLS verified."""

    def __init__(self, base: str, ca_file: Path) -> None:
        self.base = base
        self.context = ssl.create_default_context(cafile=str(ca_file))

    def call(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self.context, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None


@pytest.fixture(scope="module")
def smdp(pki: Path, shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server("smdp", [_binary("SGP32_SMDP_SERVER", "sgp32-smdp"), "--pki", str(pki), "--profiles",
                             str(shared_dir / "profiles")], tmp_path_factory.mktemp("smdp"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def eim(pki: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("eim")
    server = Server("eim", [_binary("SGP32_EIM_SERVER", "sgp32-eim"), "--pki", str(pki), "--db",
                            str(workdir / "eim.db"), "--smdp-ca", str(pki / "ci" / "ci.cert.pem")], workdir)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def eim_api(eim: Server, ca_file: Path) -> Rest:
    return Rest(eim.url, ca_file)


@pytest.fixture
def pki_card(tmp_path: Path, pki: Path) -> Iterator[sgp32.SoftEuicc]:
    """A software eUICC with the test PKI's identity and one disabled profile (PRELOADED_ICCID)."""
    with sgp32.SoftEuicc.create_from_pki(tmp_path / "card", pki) as card:
        card.preload_profile(PRELOADED)
        yield card


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
