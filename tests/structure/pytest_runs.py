"""Run pytest on a user's test folder in a fresh process, as a user of the package would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The user's own pytest configuration: nothing of this project's (no plugin, no conftest).
USER_INI = "[pytest]\nfilterwarnings = error\naddopts = -p no:cacheprovider\n"


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest ARGS`` in ``folder``, which becomes the rootdir (its ``pytest.ini``)."""
    (folder / "pytest.ini").write_text(USER_INI, encoding="utf-8")
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(REPO),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
