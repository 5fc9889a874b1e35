"""The fake Authentik as pytest fixtures, for this project's tests and for anyone's.

Opt in; installing ``authentik-provision`` loads nothing into pytest (there is no ``pytest11``
entry point). Either name the plugin in the top-level ``conftest.py``::

    pytest_plugins = ["provision.testing.pytest_plugin"]

or on the command line: ``pytest -p provision.testing.pytest_plugin``.

Fixtures:

``fake_authentik``
    A started ``FakeAuthentik`` of its own for each test, stopped afterwards: ``.url`` (the
    API and the embedded outpost), ``.state`` (what it stores), ``.requests`` and ``.writes()``
    (what it was sent), ``.fail(...)`` (fault injection), ``.add_user(...)``, ``.login(...)``.
``fake_authentik_session``
    One started fake shared by the whole session, speaking the newest release: cheaper, but
    whatever a test stores stays for the next ones.
``authentik_version``
    The release the fake speaks; the newest unless a test asks, with the marker
    ``@pytest.mark.authentik_version("2025.10.3", "2026.2.2")`` (the test runs once per
    release) or ``@pytest.mark.parametrize("authentik_version", [...], indirect=True)``.
``authentik_token``
    The superuser API token the fake accepts; override it (session scope) to use your own.
``authentik_api``
    A ``requests.Session`` sending that token, never through a proxy from the environment.

``@pytest.mark.fake_authentik(outpost_refresh_delay=2.0, latency=0.1, readonly_token=...)``
passes further options to the fake a test gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, NEWEST, FakeAuthentik

__all__ = [
    "authentik_api",
    "authentik_token",
    "authentik_version",
    "fake_authentik",
    "fake_authentik_session",
]

# A distinctive value, so a token that leaks into a log or a message is found by a search.
DEFAULT_TOKEN = "fake-authentik-superuser-token-9e4b2c"
# Options the ``fake_authentik`` marker may pass on: the rest of FakeAuthentik's arguments
# are what the fixtures themselves decide (the token, the release).
MARKER_OPTIONS = frozenset({"latency", "readonly_token", "outpost_refresh_delay", "port"})


def pytest_configure(config: pytest.Config) -> None:
    """Declare the markers, so ``--strict-markers`` accepts them."""
    config.addinivalue_line(
        "markers",
        "authentik_version(*releases): run the test once against a fake of each release "
        f"(known: {', '.join(AUTHENTIK_VERSIONS)})",
    )
    config.addinivalue_line(
        "markers",
        "fake_authentik(**options): options of the test's fake Authentik "
        f"({', '.join(sorted(MARKER_OPTIONS))})",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``authentik_version(...)`` runs once per release it names."""
    marker = metafunc.definition.get_closest_marker("authentik_version")
    if marker is None or "authentik_version" not in metafunc.fixturenames:
        return
    unknown = [release for release in marker.args if release not in AUTHENTIK_VERSIONS]
    if not marker.args or unknown:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: authentik_version() names releases of "
            f"{', '.join(AUTHENTIK_VERSIONS)}, got {list(marker.args)!r}"
        )
    metafunc.parametrize("authentik_version", marker.args, indirect=True)


@pytest.fixture
def authentik_version(request: pytest.FixtureRequest) -> str:
    """The release the test's fake speaks: its (indirect) parameter, else the newest."""
    version: str = getattr(request, "param", NEWEST)
    return version


@pytest.fixture(scope="session")
def authentik_token() -> str:
    """The superuser token of the fakes these fixtures start."""
    return DEFAULT_TOKEN


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("fake_authentik")
    if marker is None:
        return {}
    unknown = set(marker.kwargs) - MARKER_OPTIONS
    if marker.args or unknown:
        raise pytest.UsageError(
            f"fake_authentik() takes keyword options of {sorted(MARKER_OPTIONS)}, "
            f"got {marker.args!r} and {sorted(unknown)}"
        )
    return dict(marker.kwargs)


@pytest.fixture
def fake_authentik(
    request: pytest.FixtureRequest, authentik_version: str, authentik_token: str
) -> Iterator[FakeAuthentik]:
    """A fake Authentik of the test's own, listening on a free loopback port."""
    options = _marker_options(request)
    with FakeAuthentik(authentik_token, authentik_version=authentik_version, **options) as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_authentik_session(authentik_token: str) -> Iterator[FakeAuthentik]:
    """One fake Authentik (the newest release) for the whole session; state is shared."""
    with FakeAuthentik(authentik_token) as fake:
        yield fake


@pytest.fixture
def authentik_api(authentik_token: str) -> Iterator[requests.Session]:
    """A session sending the superuser token; ``HTTP_PROXY`` and netrc are not read, since
    the fake listens on loopback."""
    with requests.Session() as session:
        session.trust_env = False
        session.headers["Authorization"] = f"Bearer {authentik_token}"
        yield session
