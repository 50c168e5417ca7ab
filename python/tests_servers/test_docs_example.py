# SPDX-License-Identifier: MIT
"""The example of docs/python.md ("List the profiles and download one"), extracted from the page
and run as a script against a software eUICC and the real sgp32-smdp."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import PRELOADED, PRELOADED_ICCID, REPO, Server

import sgp32


def example_code() -> str:
    page = (REPO / "docs" / "python.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- example: list-and-download -->\s*```python\n(.*?)```", page, re.DOTALL)
    assert match, "docs/python.md lost its list-and-download example"
    return match.group(1)


def test_docs_example_lists_and_downloads(tmp_path: Path, pki: Path, ca_file: Path, smdp: Server) -> None:
    code = example_code()
    assert 15 <= len(code.strip().splitlines()) <= 25
    with sgp32.SoftEuicc.create_from_pki(tmp_path / "card", pki) as card:
        card.preload_profile(PRELOADED)
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    environment = dict(os.environ, PYTHONPATH=str(REPO / "python"))
    run = subprocess.run([sys.executable, str(script), str(tmp_path / "card"), str(ca_file),
                          f"1${smdp.address}$TS48V2-SAIP2-1-BERTLV-UNIQUE"], env=environment,
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith(PRELOADED_ICCID + " disabled"), lines
    downloaded = [line.split()[1] for line in lines if line.startswith("downloaded ")]
    assert len(downloaded) == 1 and len(downloaded[0]) == 20
    with sgp32.SoftEuicc.open(tmp_path / "card") as card, sgp32.Es10Session(card.transport()) as es10:
        iccids = [p["iccid"] for p in es10.get_profiles_info()["profileInfoListOk"]]
    assert iccids == [PRELOADED_ICCID, downloaded[0]]
