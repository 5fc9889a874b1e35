"""The code points at documents the repository ships: ``docs/``, its links and its recordings.

Comments name the page holding a fact as ``docs/<page>.md``; a page names the recording that
shows a fact as ``NN-name`` (every release's file) or ``<release>/NN-name``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.structure.pytest_runs import REPO

DOCS = REPO / "docs"
RECORDINGS = REPO / "tests" / "data" / "authentik"
# The text a developer reads: the package, the tests (the recordings aside), scripts, README.
SCANNED_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".nix", ".sh", ""}
PAGE_REFERENCE = re.compile(r"docs/([a-z0-9-]+\.md)")
LINK = re.compile(r"\]\(([a-z0-9-]+\.md)(?:#([a-z0-9-]+))?\)")
RECORDING = re.compile(r"`(?:(\d{4}\.\d+\.\d+(?:-rc\d+)?)/)?(\d\d[a-d]?-[a-z0-9-]+)`")


def developer_files() -> Iterator[Path]:
    for top in ("provision", "tests", "scripts"):
        for path in sorted((REPO / top).rglob("*")):
            skipped = "__pycache__" in path.parts or RECORDINGS in path.parents
            if path.is_file() and not skipped and path.suffix in SCANNED_SUFFIXES:
                yield path
    yield REPO / "README.md"


def anchors(page: Path) -> set[str]:
    """The anchors of a page's headings, as GitHub makes them."""
    found = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return found


PAGES = sorted(DOCS.glob("*.md"))


def test_no_comment_points_at_the_unshipped_design_file() -> None:
    marker = "DESIGN " + "§"  # split, so this file does not find itself
    found = [
        str(path.relative_to(REPO))
        for path in developer_files()
        if marker in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert found == []


def test_every_docs_page_named_in_code_exists() -> None:
    named = {
        (str(path.relative_to(REPO)), page)
        for path in developer_files()
        for page in PAGE_REFERENCE.findall(path.read_text(encoding="utf-8", errors="replace"))
    }
    assert len(named) > 40, "the code names the docs pages it relies on"
    assert [(where, page) for where, page in sorted(named) if not (DOCS / page).is_file()] == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_between_pages_resolves(page: Path) -> None:
    broken = [
        f"{target}#{anchor}"
        for target, anchor in LINK.findall(page.read_text(encoding="utf-8"))
        if not (DOCS / target).is_file() or (anchor and anchor not in anchors(DOCS / target))
    ]
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_recording_a_page_names_exists(page: Path) -> None:
    missing = []
    for release, name in RECORDING.findall(page.read_text(encoding="utf-8")):
        folders = [RECORDINGS / release] if release else sorted(RECORDINGS.glob("20*"))
        if not any((folder / f"{name}.json").is_file() for folder in folders):
            missing.append(f"{release}/{name}" if release else name)
    assert missing == []


def test_the_index_lists_every_page() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    listed = {target for target, _ in LINK.findall(index)}
    assert listed == {page.name for page in PAGES if page.name != "README.md"}


def test_the_api_facts_name_their_recordings() -> None:
    named = RECORDING.findall((DOCS / "authentik.md").read_text(encoding="utf-8"))
    assert len({name for _, name in named}) >= 15
