"""Lists read while an administrator adds objects: each object once, pages re-read once when
they disagree, then a clear failure (65). Real sockets, the fake's pages of 100 (2026.2.2)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from provision.authentik import AuthentikClient
from provision.errors import AuthentikError
from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import CANARY

# 2026.2.2 caps pages at 100 objects, so 150 bindings take two pages.
pytestmark = pytest.mark.parametrize("authentik_version", ["2026.2.2"], indirect=True)
BINDINGS = "/api/v3/policies/bindings/"


class EditingSession(requests.Session):
    """Runs ``edit`` right after each first page of bindings is answered: somebody adding
    bindings in the admin interface while the tool reads the next pages."""

    def __init__(self, edit: Callable[[int], None]) -> None:
        super().__init__()
        self.edit = edit
        self.first_pages = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        answer = super().request(method, url, *args, **kwargs)
        if str(url).endswith(BINDINGS) and "page" not in (kwargs.get("params") or {}):
            self.first_pages += 1
            self.edit(self.first_pages)
        return answer


class Bindings:
    """150 bindings of one application in the fake's store; ``add_first`` adds one that sorts
    before them all, so every page boundary moves by one."""

    def __init__(self, fake: FakeAuthentik) -> None:
        self.fake = fake
        self.group = fake.state.add_group("media")["pk"]
        self.target = fake.state.add_application("Target", "target")["pk"]
        for order in range(10, 160):
            self._add(order)

    def _add(self, order: int) -> str:
        pk = str(uuid.uuid4())
        with self.fake.state.lock:
            self.fake.state.store.bindings[pk] = {
                **{"pk": pk, "policy": None, "group": self.group, "user": None},
                **{"negate": False, "enabled": True, "timeout": 30, "failure_result": False},
                **{"target": self.target, "order": order},
            }
        return pk

    def add_first(self, _: int = 0) -> None:
        self._add(0)

    def pks(self) -> set[str]:
        return {b["pk"] for b in self.fake.state.policy_bindings()}


@pytest.fixture
def client_with(fake: FakeAuthentik) -> Iterator[Callable[[EditingSession], AuthentikClient]]:
    made: list[AuthentikClient] = []

    def make(session: EditingSession) -> AuthentikClient:
        client = AuthentikClient(fake.url, SecretStr(CANARY), timeout=5.0, session=session)
        client.version_profile()  # the profile sets the page size: 100
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_a_list_that_shifts_under_the_reader_is_read_again_and_each_object_is_once(
    fake: FakeAuthentik, client_with: Callable[[EditingSession], AuthentikClient]
) -> None:
    bindings = Bindings(fake)
    session = EditingSession(lambda first: bindings.add_first() if first == 1 else None)
    listed = client_with(session).list_policy_bindings()
    pks = [b["pk"] for b in listed]
    assert len(pks) == len(set(pks)) == 151
    assert set(pks) == bindings.pks()
    assert session.first_pages == 2  # read once more, in order


def test_a_list_that_keeps_shifting_fails_after_one_more_reading(
    fake: FakeAuthentik, client_with: Callable[[EditingSession], AuthentikClient]
) -> None:
    bindings = Bindings(fake)
    session = EditingSession(bindings.add_first)
    with pytest.raises(AuthentikError) as caught:
        client_with(session).list_policy_bindings()
    assert caught.value.exit_code == 65
    assert f"GET {BINDINGS}: the list changed while its pages were read" in str(caught.value)
    assert session.first_pages == 2
