"""The README's example of a user's test against the fake runs, as printed, through the plugin."""

from __future__ import annotations

import re
from pathlib import Path

from tests.structure.pytest_runs import REPO, run_pytest

SECTION = "## Test your own Authentik tooling against the fake"


def readme_example() -> str:
    """The first Python block of the README's plugin section."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme.count(SECTION) == 1, "the README has no (or two) plugin sections"
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    found = re.search(r"^```python\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)
    assert found is not None, "the plugin section shows no Python block"
    return found.group(1)


def test_the_readme_example_passes_against_each_release_it_names(tmp_path: Path) -> None:
    example = readme_example()
    assert "-p provision.testing.pytest_plugin" in example  # how the block says to run it
    (tmp_path / "test_wiki.py").write_text(example, encoding="utf-8")

    run = run_pytest(tmp_path, "-p", "provision.testing.pytest_plugin", "-v", "test_wiki.py")

    assert run.returncode == 0, run.stdout + run.stderr
    assert "[2025.10.3] PASSED" in run.stdout, run.stdout
    assert "[2026.2.2] PASSED" in run.stdout, run.stdout
    assert "2 passed" in run.stdout, run.stdout
