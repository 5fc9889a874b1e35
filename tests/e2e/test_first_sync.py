"""The README's first real sync, step by step, against a hand-started fake Authentik."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import KEYS, Encrypt

REPO = Path(__file__).resolve().parents[2]
TOKEN = "first-sync-dev"
PROVISION = [sys.executable, "-m", "provision"]


@pytest.fixture
def hand_started_fake() -> Iterator[str]:
    """``python -m provision.testing.fake_authentik --port 0 --token …``, as the README says."""
    command = [sys.executable, "-m", "provision.testing.fake_authentik", "--port", "0"]
    process = subprocess.Popen([*command, "--token", TOKEN], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip().removeprefix("listening on ")
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_the_walkthrough_syncs_and_verifies(
    hand_started_fake: str, encrypt: Encrypt, sops_bin: str, tmp_path: Path
) -> None:
    url = hand_started_fake
    # Step 3: the shipped example, filled in and encrypted for the age key.
    example = (REPO / "secrets.example.yaml").read_text()
    secrets = encrypt(example.replace("replace-with-your-api-token", TOKEN))
    # Step 4: the server's address in both authentik.url and outpost.address.
    config = yaml.safe_load((REPO / "examples" / "provision.yaml").read_text())
    config["authentik"]["url"] = url
    config["outpost"]["address"] = url
    config["secrets"]["sops_file"] = str(secrets)
    path = tmp_path / "provision.yaml"
    path.write_text(yaml.safe_dump(config))
    environ = {
        "PATH": f"{Path(sops_bin).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SOPS_AGE_KEY_FILE": str(KEYS / "age-main.txt"),  # step 2
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(tmp_path),
    }

    def provision(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*PROVISION, "--config", str(path), *argv],
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert provision("validate").returncode == 0
    missing = provision("sync")
    assert missing.returncode == 65, missing.stderr
    assert "media" in missing.stderr  # the groups must exist first
    for group in ("media", "admins"):  # the README's curl, for each group the example names
        answer = requests.post(
            f"{url}/api/v3/core/groups/",
            json={"name": group},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=5,
        )
        assert answer.status_code == 201, answer.text
    synced = provision("sync")
    assert synced.returncode == 0, synced.stderr
    verified = provision("verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_the_readme_says_what_each_step_needs() -> None:
    readme = (REPO / "README.md").read_text()
    walkthrough = readme[readme.index("## First real sync") : readme.index("## Usage")]
    for needed in (
        "apt install age",
        "age-keygen",
        "SOPS_AGE_KEY_FILE",
        "sops-age-key",
        "`authentik.url`",
        "`outpost.address`",
        "/api/v3/core/groups/",
        "python -m provision.testing.fake_authentik --port",
    ):
        assert needed in walkthrough, needed
    example = (REPO / "secrets.example.yaml").read_text()
    assert "apt install age" in example
    assert re.search(r"^#\s+export SOPS_AGE_KEY_FILE=", example, re.MULTILINE)
