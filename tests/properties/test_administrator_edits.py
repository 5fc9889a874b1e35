"""``sync`` interleaved with what an administrator does in Authentik's UI, and with faults.

After every ``sync`` that exits 0 the promise holds in full (``checks.assert_converged``);
after any other exit, nobody is let into any application whom it did not let in before the
run, unless the config declares them (a repair may let the declared members in first), and no
declared host's ``/`` is let through without a login that was not before. A hand-made provider
for a declared host (any scheme, case or IDNA spelling) is refused (65, named) until it is
removed. Every run ends with a settling sync that must converge (``settle``).
"""

from __future__ import annotations

import sys
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, FakeAuthentik
from tests.properties.checks import Target, anonymous_visit, assert_converged
from tests.properties.faults import FAULTS, Fault
from tests.properties.world import CANARY, OWNER, Cli, World

APPS = [
    {"host": "sonarr.home.example.com", "groups": ["media"]},
    {"host": "bücher.example.org", "groups": ["family", "admins"], "skip_path_regex": "^/api/"},
    {"host": "wiki.example.org", "any_user": True},
]
DOMAIN = {"domain": "home.example.com", "auth_host": "auth.home.example.com", "groups": ["family"]}
TARGETS = (
    Target("sonarr.home.example.com", frozenset({"media"})),
    Target("xn--bcher-kva.example.org", frozenset({"family", "admins"})),
    Target("wiki.example.org", None),
    Target("auth.home.example.com", frozenset({"family"}), domain="home.example.com"),
)
POPULATION = {
    "ann": frozenset({"media"}),
    "ben": frozenset({"family"}),
    "cat": frozenset(),
    "dan": frozenset({"admins", "media"}),
}
# How an administrator may write a declared host on a provider of their own: every one is the
# same host to the outpost, so every one is a conflict.
FOREIGN_SPELLINGS = (
    "https://sonarr.home.example.com",
    "https://SONARR.home.example.com/",
    "http://sonarr.home.example.com",
    "https://bücher.example.org",
    "http://xn--bcher-kva.example.org",
    "https://AUTH.home.example.com",
)
BINDING_EDITS = ("disable", "negate", "delete", "duplicate")
OWNED_FIELD_EDITS: tuple[tuple[str, str, Any], ...] = (
    ("provider", "skip_path_regex", "^/"),
    ("provider", "external_host", "https://elsewhere.example.net"),
    ("application", "meta_description", "edited by hand"),
    ("application", "policy_engine_mode", "all"),
)


class AdministratorEdits(RuleBasedStateMachine):
    """One fake per run, synced once from ``APPS`` and ``DOMAIN``, then edited and synced."""

    release: ClassVar[str]
    environ: ClassVar[Mapping[str, str]]
    tally: ClassVar[Counter[str]]  # runs and sync exits, printed by the test

    def __init__(self) -> None:
        super().__init__()
        self.tally["runs"] += 1
        self.fake = FakeAuthentik(token=CANARY, authentik_version=self.release).start()
        self.world = World(self.fake, POPULATION)
        self.cli = Cli(self.fake, self.environ)
        self.foreign: dict[str, tuple[int, str]] = {}  # name -> (provider pk, application pk)
        self.renamed: dict[str, str] = {}  # group pk -> its declared name
        self.made = 0

    def teardown(self) -> None:
        """Settle, unless a step failed (its error is the one to see), then stop the fake."""
        try:
            if sys.exc_info()[0] is None:
                self.settle()
        finally:
            self.stop()

    def stop(self) -> None:
        self.world.close()
        self.fake.stop()

    def settle(self) -> None:
        """Every run ends converged: once the administrator undoes what sync must refuse (a
        hand-made provider for a declared host, a declared group renamed), one forced sync
        exits 0 and the promise holds, whatever else was edited or failed before."""
        while self.foreign:
            self.remove_a_hand_made_provider(which=0)
        if self.renamed:
            self.rename_it_back()
        assert self.run_sync(force=True, fault=None) == 0, "the settling sync failed"

    @initialize()
    def first_sync(self) -> None:
        self.cli.config({"apps": APPS, "domains": [DOMAIN]})
        unowned = self.world.unowned()
        synced = self.cli("sync")
        assert synced.code == 0, synced.out + synced.err
        assert_converged(self.cli, self.world, TARGETS, unowned)

    # -- sync -------------------------------------------------------------------------------

    @rule(force=st.booleans(), fault=st.none() | st.sampled_from(FAULTS))
    def sync(self, force: bool, fault: Fault | None) -> None:
        self.run_sync(force, fault)

    def run_sync(self, force: bool, fault: Fault | None) -> int:
        """One sync, and what must hold after its exit code; returns that code."""
        before = self.exposure()
        unowned = self.world.unowned()
        if fault is not None:
            fault.arm(self.fake)
        synced = self.cli("sync", *(["--force"] if force else []))
        self.fake.clear_faults()
        self.tally[f"sync exit {synced.code}"] += 1
        if self.foreign:
            assert synced.code == 65, synced.out + synced.err
        if self.foreign and not self.renamed:  # a missing group stops the plan first
            assert any(name in synced.err for name in self.foreign), synced.err
        if self.renamed:
            assert synced.code != 0, "sync exited 0 while a declared group is missing"
        if synced.code == 0:
            assert_converged(self.cli, self.world, TARGETS, unowned)
            return 0
        wider = self.exposure() - before - self.declared_admissions()
        assert not wider, f"after exit {synced.code}: {sorted(wider)}\n{synced.err}"
        return synced.code

    def exposure(self) -> set[tuple[str, str]]:
        """Who gets in where: (slug, username) for every application and person the policy
        engine admits, and ("anonymous", host) for each declared host whose ``/`` the outpost
        lets through without a login."""
        hosts = [t.host for t in TARGETS]
        anonymous = {
            ("anonymous", h) for h in hosts if anonymous_visit(self.world, h).status_code == 200
        }
        return self.world.admissions() | anonymous

    def declared_admissions(self) -> set[tuple[str, str]]:
        """(slug, username) the config lets in, for the owned applications."""
        slugs = {t.host: self.owned_slug(t.host) for t in TARGETS}
        return {
            (slugs[t.host], name)
            for t in TARGETS
            for name, groups in POPULATION.items()
            if slugs[t.host] and t.admits(groups)
        }

    def owned_slug(self, host: str) -> str:
        providers = {p["pk"]: p["external_host"] for p in self.fake.state.proxy_providers()}
        return next(
            (
                a["slug"]
                for a in self.fake.state.applications()
                if a["meta_publisher"] == OWNER
                and providers.get(a["provider"]) == f"https://{host}"
            ),
            "",
        )

    # -- what an administrator does -----------------------------------------------------------

    def owned_applications(self) -> list[dict[str, Any]]:
        """By slug, so a run replays the same way (pks are random)."""
        owned = [a for a in self.fake.state.applications() if a["meta_publisher"] == OWNER]
        return sorted(owned, key=lambda a: a["slug"])

    def owned_bindings(self) -> list[dict[str, Any]]:
        """Group and user bindings by application slug, subject name and order, so a run
        replays the same way (a policy binding's policy is not in the fake: the API refuses
        to save it again)."""
        slugs = {a["pk"]: a["slug"] for a in self.owned_applications()}
        names = {g["pk"]: g["name"] for g in self.fake.state.groups()}
        names |= {pk: name for name, pk in self.world.users.items()}
        bound = [
            b
            for b in self.fake.state.policy_bindings()
            if b["target"] in slugs and b["policy"] is None
        ]
        return sorted(
            bound,
            key=lambda b: (slugs[b["target"]], names.get(b["group"] or b["user"], ""), b["order"]),
        )

    @precondition(lambda self: bool(self.owned_bindings()))
    @rule(which=st.integers(0, 7), change=st.sampled_from(BINDING_EDITS))
    def edit_a_binding(self, which: int, change: str) -> None:
        bindings = self.owned_bindings()
        binding = bindings[which % len(bindings)]
        path = f"policies/bindings/{binding['pk']}/"
        subject = {k: binding[k] for k in ("target", "group", "user", "policy", "order")}
        if change == "delete":
            self.world.api("DELETE", path)
        elif change == "duplicate":
            self.world.api("POST", "policies/bindings/", {**subject, "order": binding["order"] + 1})
        else:
            edited = {"enabled": False} if change == "disable" else {"negate": True}
            self.world.api("PATCH", path, {**subject, **edited})

    @rule(which=st.integers(0, 3), user=st.sampled_from(sorted(POPULATION)))
    def bind_a_user(self, which: int, user: str) -> None:
        apps = self.owned_applications()
        body = {"target": apps[which % len(apps)]["pk"], "user": self.world.users[user]}
        self.world.api("POST", "policies/bindings/", {**body, "order": 7})

    @rule(which=st.integers(0, 3))
    def bind_a_policy(self, which: int) -> None:
        """An expression policy bound by hand. The fake has no policy objects and its engine
        runs none, so the binding is put in its store as Authentik keeps one."""
        apps = self.owned_applications()
        with self.fake.state.lock:
            pk = str(uuid.uuid4())
            self.fake.state.store.bindings[pk] = {
                **{"pk": pk, "policy": str(uuid.uuid4()), "group": None, "user": None},
                **{"negate": False, "enabled": True, "timeout": 30, "failure_result": False},
                **{"target": apps[which % len(apps)]["pk"], "order": 9},
            }
            self.fake.state.store.forget_application_lists()

    @precondition(lambda self: len(self.foreign) < 2)
    @rule(external_host=st.sampled_from(FOREIGN_SPELLINGS))
    def add_a_provider_for_a_declared_host(self, external_host: str) -> None:
        self.made += 1
        name = f"By hand {self.made} {external_host}"
        provider = self.fake.state.add_proxy_provider(name, external_host)
        app = self.fake.state.add_application(name, f"by-hand-{provider['pk']}", provider["pk"])
        listed = self.fake.state.embedded_outpost()["providers"]
        self.fake.state.set_outpost_providers([*listed, provider["pk"]])
        self.world.extra_unowned.append((provider["pk"], app["pk"]))
        self.foreign[name] = (provider["pk"], app["pk"])

    @precondition(lambda self: bool(self.foreign))
    @rule(which=st.integers(0, 1))
    def remove_a_hand_made_provider(self, which: int) -> None:
        names = sorted(self.foreign)
        provider, app = self.foreign.pop(names[which % len(names)])
        self.world.extra_unowned.remove((provider, app))
        slug = next(a["slug"] for a in self.fake.state.applications() if a["pk"] == app)
        self.world.api("DELETE", f"core/applications/{slug}/")
        self.world.api("DELETE", f"providers/proxy/{provider}/")

    @precondition(lambda self: not self.renamed)
    @rule(name=st.sampled_from(["media", "family", "admins"]))
    def rename_a_group(self, name: str) -> None:
        pk = self.fake.state.group_pk(name)
        self.world.api("PATCH", f"core/groups/{pk}/", {"name": f"{name} (old)"})
        self.renamed[pk] = name

    @precondition(lambda self: bool(self.renamed))
    @rule()
    def rename_it_back(self) -> None:
        pk, name = self.renamed.popitem()
        self.world.api("PATCH", f"core/groups/{pk}/", {"name": name})

    @rule(which=st.integers(0, 3), edit=st.sampled_from(OWNED_FIELD_EDITS))
    def edit_an_owned_field(self, which: int, edit: tuple[str, str, Any]) -> None:
        apps = self.owned_applications()
        app = apps[which % len(apps)]
        kind, field, value = edit
        with self.fake.state.lock:  # as the UI saves it; the API's own checks are not the point
            store = self.fake.state.store
            record = (
                store.providers[app["provider"]]
                if kind == "provider"
                else store.applications[app["pk"]]
            )
            record[field] = value
            store.forget_application_lists()


@pytest.mark.parametrize("release", AUTHENTIK_VERSIONS)
def test_sync_repairs_what_an_administrator_did_and_never_widens_access(
    release: str, secrets_environ: Mapping[str, str]
) -> None:
    tally: Counter[str] = Counter()
    machine = type(
        f"AdministratorEdits_{release}",
        (AdministratorEdits,),
        {"release": release, "environ": secrets_environ, "tally": tally},
    )
    profile = settings.get_profile(settings.get_current_profile_name())
    # A run is a whole sequence of syncs and edits: a tenth as many as generated configs.
    runs = settings(profile, max_examples=max(4, profile.max_examples // 10))
    started = time.monotonic()
    run_state_machine_as_test(machine, settings=runs)
    seconds = time.monotonic() - started
    print(f"{release}: {dict(sorted(tally.items()))} in {seconds:.0f} s")
