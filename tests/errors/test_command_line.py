"""Bad command-line values exit 64 before anything is read or sent; global options go anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision.cli import build_parser, main

CONFIG = str(Path(__file__).resolve().parents[2] / "examples" / "provision.yaml")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sync", "--wait", "-5"], "'-5' must be a finite number of seconds"),
        (["sync", "--wait", "nan"], "'nan' must be a finite number of seconds"),
        (["sync", "--wait", "inf"], "'inf' must be a finite number of seconds"),
        (["sync", "--wait", "soon"], "'soon' is not a number of seconds"),
        (["verify", "--through", "notaurl"], "'notaurl' is not an http:// or https:// URL"),
        (["verify", "--through", "ftp://proxy"], "is not an http:// or https:// URL"),
        (["verify", "--through", "http://proxy:99999"], "has an invalid port"),
    ],
)
def test_bad_values_exit_64(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", CONFIG, *argv], {}) == 64
    assert message in capsys.readouterr().err


def test_render_into_a_missing_directory_exits_64(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "traefik.yaml"
    assert main(["--config", CONFIG, "render", "traefik", "-o", str(target)], {}) == 64
    assert f"the directory of '{target}' does not exist" in capsys.readouterr().err
    assert not target.parent.exists()


def test_render_onto_a_directory_exits_64(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", CONFIG, "render", "blueprint", "-o", str(tmp_path)], {}) == 64
    assert f"'{tmp_path}' is a directory; give a file name" in capsys.readouterr().err


def test_render_that_cannot_write_exits_64(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "traefik.yaml"
    target.symlink_to(tmp_path / "gone" / "traefik.yaml")  # fails for root as well
    assert main(["--config", CONFIG, "render", "traefik", "-o", str(target)], {}) == 64
    assert f"-o {target}: cannot write it (No such file or directory)" in capsys.readouterr().err


def test_render_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "traefik.yaml"
    assert main(["--config", CONFIG, "render", "traefik", "-o", str(target)], {}) == 0
    assert "forwardAuth" in target.read_text()


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "x.yaml", "-q", "sync"],
        ["sync", "-q", "--config", "x.yaml"],
        ["-q", "sync", "--config", "x.yaml"],
        ["--config", "x.yaml", "sync", "--quiet"],
    ],
)
def test_global_options_before_or_after_the_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert (args.command, args.config, args.quiet, args.verbose) == ("sync", "x.yaml", True, 0)


def test_global_options_after_a_nested_command() -> None:
    args = build_parser().parse_args(["render", "traefik", "--log-format", "json", "-v"])
    assert (args.what, args.log_format, args.verbose, args.config) == ("traefik", "json", 1, None)


def test_defaults_without_global_options() -> None:
    args = build_parser().parse_args(["validate"])
    assert (args.config, args.log_format, args.verbose, args.quiet) == (None, "text", 0, False)
