"""The Authentik releases the tests run the fake as.

Fake fixtures take ``authentik_version`` (``provision.testing.pytest_plugin``: the newest
release unless a test asks); a test asks for releases with
``@pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)``.

``AUTHENTIK_VERSIONS`` (the end-to-end suite's) is every mode the fake speaks (``EVERY_MODE``:
2024.12.5, 2025.10.3, 2026.2.2 and the 2026.8.0-rc1 build): with the suite spread over
pytest-xdist workers (``scripts/test``) the two added modes cost about a minute of wall time.
"""

from __future__ import annotations

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS as EVERY_MODE
from provision.testing.fake_authentik import NEWEST

AUTHENTIK_VERSIONS = EVERY_MODE

__all__ = ["AUTHENTIK_VERSIONS", "EVERY_MODE", "NEWEST"]
