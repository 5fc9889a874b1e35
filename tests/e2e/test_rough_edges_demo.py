"""``provision demo`` as a new user meets it: ``--config`` honoured, counts that add up,
plurals right, and the README and ``--help`` naming the same steps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from provision.cli import DEMO_HELP, build_parser, main
from provision.demo import STEPS

README = Path(__file__).resolve().parents[2] / "README.md"
MINE = """\
apps:
  - host: wiki.example.org
    groups: [Staff]
  - host: status.example.org
    any_user: true
"""


def test_demo_uses_the_config_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "mine.yaml"
    config.write_text(MINE, encoding="utf-8")
    assert main(["demo", "--config", str(config)], {}) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    assert f"Config: {config}; groups created: Staff" in captured.out
    assert "wiki.example.org" in captured.out
    assert "sonarr" not in captured.out  # not the bundled example
    assert "verify: all 2 hosts demand a login" in captured.out
    assert "info: read 1 proxy provider, 0 applications and" in captured.err


def test_demo_refuses_a_missing_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--config", str(tmp_path / "none.yaml")], {}) == 78
    assert "config file not found" in capsys.readouterr().err


def test_writes_are_counted_and_explained(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"], {}) == 0
    out = capsys.readouterr().out
    applied = re.search(
        r"Applied: 8 added, 1 changed, 0 removed\. (\d+) writes, one transaction", out
    )
    complete = re.search(r"Demo complete: (\d+) writes in all, as the sync said", out)
    assert applied is not None and complete is not None, out
    assert applied.group(1) == complete.group(1) == "4"  # 3 transactions and the outpost PATCH
    assert "The embedded outpost now lists 4 providers (verified)." in out


def test_readme_and_help_describe_the_demo_alike() -> None:
    positions = [DEMO_HELP.index(" ".join(argv)) for _, argv in STEPS]
    assert positions == sorted(positions)  # every step, in the order the demo runs them
    readme = " ".join(README.read_text(encoding="utf-8").split())  # as wrapped, unwrapped
    assert readme.count(DEMO_HELP) == 2  # Quick start and Usage
    assert "| `demo [--config PATH]` |" in readme


@pytest.mark.parametrize(
    "command", ["sync", "plan", "validate", "doctor", "verify", "demo", "render", "render nginx"]
)
def test_each_command_help_opens_with_a_description(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command.split(), "--help"])
    text = capsys.readouterr().out
    usage, description = text.split("\n\n")[:2]
    assert usage.startswith("usage: provision")
    assert description[0].isupper() and description.rstrip().endswith("."), description
    for option in ("--log-format", "--output", "-o PATH, --output"):
        if option in text.split("options:")[1]:
            entry = text.split("options:")[1].split(option, 1)[1].split("\n  -")[0]
            assert len(entry.split()) > 3, (option, entry)  # it has a help text
