# SPDX-License-Identifier: MIT
"""sgp32.PcscTransport over a real pcscd + vsmartcard-vpcd + the software eUICC served by
`sgp32 euicc-sim serve` (ctest test_python_pcsc, RESOURCE_LOCK pcscd).

Needs root (pcscd writes /run/pcscd), pcscd, vsmartcard-vpcd and $SGP32_CLI (the sgp32 tool).
Only one pcscd can run per machine: if another one runs this test fails; it never stops a pcscd it
did not start. Runs from other build directories take turns through the lock file the C PC/SC tests
use.
"""

from __future__ import annotations

import fcntl
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sgp32  # noqa: E402

READER = "libsgp32 Virtual PCD"
DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
EID = "89049032123451234512345678901235"


def _free_port_pair() -> int:
    for _ in range(200):
        port = random.randrange(20000, 60000, 2)
        sockets = []
        try:
            for candidate in (port, port + 1):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("0.0.0.0", candidate))
                sockets.append(s)
            return port
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free TCP port pair")


def _stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


def _pcscd_running() -> bool:
    output = subprocess.run(["ps", "-C", "pcscd", "-o", "stat="], capture_output=True, text=True).stdout
    return any(not state.startswith("Z") for state in output.split())


@pytest.fixture(scope="module")
def served_card(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, Path]]:
    cli = os.environ.get("SGP32_CLI")
    assert cli and os.access(cli, os.X_OK), "set SGP32_CLI to the sgp32 tool (ctest does)"
    assert os.geteuid() == 0, "needs root: pcscd must create /run/pcscd"
    assert os.path.exists(DRIVER), f"{DRIVER} missing (apt-get install vsmartcard-vpcd)"
    work = tmp_path_factory.mktemp("pcsc")
    lock = open("/run/lock/sgp32-pcsc-test.lock", "w")
    deadline = time.monotonic() + 120
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            assert time.monotonic() < deadline, "another PC/SC test held the lock for 120 s"
            time.sleep(0.1)
    assert not _pcscd_running(), "another pcscd is running: stop it (this test starts its own)"
    port = _free_port_pair()
    (work / "reader.conf").write_text(
        f'FRIENDLYNAME "{READER}"\nDEVICENAME /dev/null:{port}\nLIBPATH {DRIVER}\nCHANNELID {port}\n')
    # The card is made by the Python binding; the CLI serves the same state directory.
    with sgp32.SoftEuicc.create(work / "card", eid=EID, default_dp_address="smdp.example.com"):
        pass
    with open(work / "pcscd.log", "w") as pcscd_log, open(work / "serve.log", "w") as serve_log:
        pcscd = subprocess.Popen(["pcscd", "--foreground", "--config", str(work / "reader.conf")],
                                 stdout=pcscd_log, stderr=subprocess.STDOUT)
        serve = None
        try:
            deadline = time.monotonic() + 20
            while not (os.path.exists("/run/pcscd/pcscd.comm") and
                       Path("/run/pcscd/pcscd.pid").read_text().strip("\0\n ") == str(pcscd.pid)
                       if os.path.exists("/run/pcscd/pcscd.pid") else False):
                assert pcscd.poll() is None, "pcscd exited at start"
                assert time.monotonic() < deadline, "pcscd did not come up within 20 s"
                time.sleep(0.05)
            serve = subprocess.Popen([cli, "euicc-sim", "serve", str(work / "card"), "--vpcd", f"127.0.0.1:{port}",
                                      "--retry-seconds", "20"], stdout=serve_log, stderr=subprocess.STDOUT)
            yield READER, work
        finally:
            if serve is not None:
                assert _stop(serve) == 0, "sgp32 euicc-sim serve did not exit cleanly on SIGTERM"
            _stop(pcscd)
            lock.close()


def test_es10_over_pcsc(served_card: Tuple[str, Path]) -> None:
    reader, _work = served_card
    with sgp32.PcscTransport(reader) as transport:
        atr = transport.open(timeout_ms=20000)
        assert atr
        assert transport.reader_name.startswith(reader)
        assert any(name.startswith(reader) for name in sgp32.list_pcsc_readers())
        with sgp32.Es10Session(transport, open_transport=False) as es10:
            assert es10.get_eid() == EID
            assert es10.get_configured_addresses()["defaultDpAddress"] == "smdp.example.com"
            assert es10.get_profiles_info() == {"profileInfoListOk": []}
            with pytest.raises(sgp32.CardStatusError) as refused:
                es10.transceive(bytes.fromhex("BF7F00"))
            assert refused.value.sw == 0x6A88


def test_unknown_reader_times_out(served_card: Tuple[str, Path]) -> None:
    with sgp32.PcscTransport("no such reader") as transport:
        with pytest.raises(sgp32.Sgp32Error) as failed:
            transport.open(timeout_ms=300)
        # open() waits for the reader with SCardGetStatusChange: PC/SC's timeout, with its code kept.
        assert isinstance(failed.value, sgp32.TimeoutError_)
        assert failed.value.detail["pcsc_error"] == "0x8010000A"
