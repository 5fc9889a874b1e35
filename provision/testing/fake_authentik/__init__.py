"""A fake Authentik for tests and ``provision demo``: real HTTP on loopback, per recorded release.

    from provision.testing.fake_authentik import FakeAuthentik

    with FakeAuthentik(token="s3cret", authentik_version="2025.10.3") as fake:
        fake.url                      # API and embedded outpost, http://127.0.0.1:PORT
        fake.state.add_group("media")
        fake.fail("GET", "^/api/v3/core/groups/$", status=503)

It needs nothing outside the package: the behaviour recorded from a real server is encoded
in its own tables (``rules``, ``seed``) and checked against the recordings by the tests.
"""

from .fake import FakeAuthentik
from .recording import RecordedRequest
from .versions import KNOWN, NEWEST

AUTHENTIK_VERSIONS = tuple(KNOWN)
"""The releases the fake speaks, oldest first."""

__all__ = ["AUTHENTIK_VERSIONS", "NEWEST", "FakeAuthentik", "RecordedRequest"]
