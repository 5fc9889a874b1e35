"""The Authentik releases the tests run the fake as.

Fake fixtures take ``authentik_version`` (``provision.testing.pytest_plugin``: the newest
release unless a test asks); a test asks for releases with
``@pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)``.

``AUTHENTIK_VERSIONS`` (the end-to-end suite's) holds the two releases the tool's users run
most; the fake also speaks 2024.12.5 and the 2026.8.0-rc1 build (``EVERY_MODE``). Adding those
two to the whole end-to-end suite was measured at 232 s instead of 168 s on the project's
2-core machine, past its ~150 s budget, so they run a smaller set of their own
(``tests/versions/test_lifecycle_per_mode.py``: first sync, resync with 0 writes, a group
change, never open) and every recorded transcript in ``tests/fake``.
"""

from __future__ import annotations

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS as EVERY_MODE
from provision.testing.fake_authentik import NEWEST

AUTHENTIK_VERSIONS = ("2025.10.3", "2026.2.2")

__all__ = ["AUTHENTIK_VERSIONS", "EVERY_MODE", "NEWEST"]
