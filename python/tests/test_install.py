# SPDX-License-Identifier: MIT
"""`pip install ./python` works offline (no build isolation, no index) and the installed package
finds the library through $SGP32_LIBRARY."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PYTHON_DIR = Path(__file__).resolve().parent.parent


def test_offline_pip_install(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-index",
                    "--no-deps", "--target", str(target), str(PYTHON_DIR)], check=True, cwd=tmp_path,
                   env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_ROOT_USER_ACTION="ignore"))
    assert (target / "sgp32" / "py.typed").exists() and (target / "sgp32" / "ipa.py").exists()
    code = ("import sgp32, sys; assert sgp32.__file__.startswith(sys.argv[1]); "
            "print(sgp32.library_version(), sgp32.Ipa.__name__, sgp32.CurlHttpClient.__name__)")
    run = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, cwd=tmp_path,
                         env=dict(os.environ, PYTHONPATH=str(target)), check=True)
    assert run.stdout.split()[1:] == ["Ipa", "CurlHttpClient"]
