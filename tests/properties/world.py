"""What every property run starts from: a fake Authentik over real sockets with people in
groups and hand-made objects the tool does not own, and the real CLI run in-process.

The CLI is run without pytest's capture fixtures (Hypothesis runs many examples in one test
function), so its output is caught here, and the token is checked absent from every line.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

from provision.cli import main
from provision.testing.fake_authentik import FakeAuthentik

CANARY = "canary-properties-5e1d9b7c3a8f4e2d6b0c9a7e5f3d1b8c"
SECRET_KEY = "p" * 64
OWNER = "authentik-provision"
GROUPS = ("media", "family", "admins")
"""The groups configs are generated from; all exist before the first sync."""
HAND_MADE_HOST = "wiki.hand.test"
Population = Mapping[str, frozenset[str]]
"""Username -> the names of the groups the user is a member of."""


@dataclass(frozen=True)
class Tagged:
    """A scalar written with an explicit YAML tag (``!!str``, ``!!binary``, ``!custom``)."""

    tag: str
    text: str


class ConfigDumper(yaml.SafeDumper):
    """YAML as a user writes it, tags included."""


ConfigDumper.add_representer(
    Tagged, lambda dumper, value: dumper.represent_scalar(value.tag, value.text)
)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


class Cli:
    """``provision`` in-process with a config written from a mapping, against ``fake``."""

    def __init__(self, fake: FakeAuthentik, environ: Mapping[str, str]) -> None:
        self.fake = fake
        self.environ = dict(environ)
        self.path = Path(environ["RUNTIME_DIRECTORY"]) / "provision.yaml"

    def config(self, declared: Mapping[str, Any]) -> None:
        """Write the config: the fake's URL and the shared secrets, plus ``declared``."""
        document = {
            "authentik": {"url": self.fake.url, "timeout": 5, "retry_budget": 5},
            "secrets": {"sops_file": str(self.path.parent / "secrets.yaml")},
            "outpost": {"address": self.fake.url},
            **declared,
        }
        text = yaml.dump(document, Dumper=ConfigDumper, sort_keys=False, allow_unicode=True)
        self.path.write_text(text)

    def __call__(self, *argv: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--config", str(self.path), *argv], self.environ)
        run = Run(code, out.getvalue(), err.getvalue())
        assert CANARY not in run.out + run.err, f"the token was printed by {argv}"
        assert SECRET_KEY not in run.out + run.err
        return run


@dataclass(frozen=True)
class HandMade:
    """A provider, its application and a group binding an administrator made in the UI."""

    provider: int
    application: str
    slug: str


class World:
    """The fake's people (``population``) and hand-made objects, and the questions asked of it."""

    def __init__(self, fake: FakeAuthentik, population: Population) -> None:
        self.fake = fake
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {CANARY}"
        for name in GROUPS:
            fake.state.add_group(name)
        self.users = {
            name: fake.add_user(name, sorted(groups)) for name, groups in population.items()
        }
        self.population = dict(population)
        self.hand_made = self._hand_made()
        # (provider pk, application pk) of other hand-made pairs, added while a test runs.
        self.extra_unowned: list[tuple[int, str]] = []
        fake.clear_log()

    def close(self) -> None:
        self.session.close()

    def api(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """One API call as the administrator; the answer's JSON (None for 204)."""
        answer = self.session.request(
            method, f"{self.fake.url}/api/v3/{path}", json=body, timeout=5
        )
        assert answer.status_code in (200, 201, 204), f"{method} {path}: {answer.text}"
        return answer.json() if answer.status_code != 204 else None

    def _hand_made(self) -> HandMade:
        staff = self.fake.state.add_group("staff")["pk"]
        provider = self.fake.state.add_proxy_provider("Wiki by hand", f"https://{HAND_MADE_HOST}")
        app = self.fake.state.add_application("Wiki by hand", "wiki-by-hand", provider["pk"])
        self.api("POST", "policies/bindings/", {"target": app["pk"], "group": staff, "order": 0})
        listed = self.fake.state.embedded_outpost()["providers"]
        self.fake.state.set_outpost_providers([*listed, provider["pk"]])
        return HandMade(provider["pk"], app["pk"], app["slug"])

    def unowned(self) -> dict[str, Any]:
        """Everything the tool must leave as it found it: the hand-made objects and the groups."""
        state = self.fake.state
        pairs = [(self.hand_made.provider, self.hand_made.application), *self.extra_unowned]
        providers, apps = {p for p, _ in pairs}, {a for _, a in pairs}
        return {
            "providers": [p for p in state.proxy_providers() if p["pk"] in providers],
            "applications": [a for a in state.applications() if a["pk"] in apps],
            "bindings": [b for b in state.policy_bindings() if b["target"] in apps],
            "on_outpost": sorted(providers & set(state.embedded_outpost()["providers"])),
            "groups": state.groups(),
        }

    def passing(self, slug: str, username: str) -> bool:
        """The policy engine's verdict, asked as ``verify --access`` asks (``check_access``)."""
        pk = self.users[username]
        body = self.api("GET", f"core/applications/{slug}/check_access/?for_user={pk}")
        return body["passing"] is True

    def admissions(self) -> set[tuple[str, str]]:
        """(application slug, username) for every application and person the engine admits."""
        slugs = [a["slug"] for a in self.fake.state.applications()]
        return {(s, u) for s in slugs for u in self.users if self.passing(s, u)}
