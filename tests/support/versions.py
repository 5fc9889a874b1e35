"""The Authentik releases the tests run the fake as, and the fixture that picks one.

Fake fixtures take ``authentik_version``; a test asks for a release with
``@pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)``.
"""

from __future__ import annotations

import pytest

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, NEWEST

DEFAULT = "2025.10.3"  # until the sync speaks 2026.2.2 (set_icon_url, page_size 1000)
"""The release fake fixtures speak unless a test asks for another."""

__all__ = ["AUTHENTIK_VERSIONS", "DEFAULT", "NEWEST", "authentik_version"]


@pytest.fixture
def authentik_version(request: pytest.FixtureRequest) -> str:
    """The release a test's fake speaks: its indirect parameter, else ``DEFAULT``."""
    version: str = getattr(request, "param", DEFAULT)
    return version
