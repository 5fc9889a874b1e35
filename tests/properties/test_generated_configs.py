"""Every generated config is refused before any request (78), or synced to exactly what it
declares: nothing left to plan, the declared people and only they get in, each host served
by its own provider, nothing hand-made touched, and ``verify --access`` agrees."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from hypothesis import event, example, given

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, FakeAuthentik
from tests.properties.checks import Target, assert_converged
from tests.properties.strategies import Generated, configs, populations
from tests.properties.world import CANARY, Cli, Population, World

PEOPLE = {"ann": frozenset({"media"}), "ben": frozenset({"family"}), "cat": frozenset()}
BUECHER = "xn--bcher-kva"
# One host in Unicode and in punycode: refused as a duplicate host.
TWO_SPELLINGS = Generated(
    {
        "apps": [
            {"host": "bücher.example.org", "groups": ["media"]},
            {"host": f"{BUECHER}.example.org", "name": "Copy", "any_user": True},
        ]
    },
    (
        Target(f"{BUECHER}.example.org", frozenset({"media"})),
        Target(f"{BUECHER}.example.org", None),
    ),
    "refused (78)",
)
# A domain in Unicode with its auth host in punycode, and text Authentik trims: synced once.
MIXED_DOMAIN = Generated(
    {
        "apps": [
            {
                "host": f" sonarr.{BUECHER}.example ",
                "groups": [" media\n"],
                "skip_path_regex": "^/api/\n^/health$\n",
                "description": "Films\n",
            }
        ],
        "domains": [
            {
                "domain": "bücher.example",
                "auth_host": f"auth.{BUECHER}.example",
                "groups": ["family"],
            }
        ],
    },
    (
        Target(f"sonarr.{BUECHER}.example", frozenset({"media"})),
        Target(f"auth.{BUECHER}.example", frozenset({"family"}), domain=f"{BUECHER}.example"),
    ),
    "synced",
)
# A blank line inside skip_path_regex is the empty regex to the outpost: refused.
BLANK_LINE = Generated(
    {"apps": [{"host": "wiki.example.org", "any_user": True, "skip_path_regex": "^/api/\n\n^/x$"}]},
    (Target("wiki.example.org", None),),
    "refused (78)",
)


@pytest.mark.parametrize("release", AUTHENTIK_VERSIONS)
@given(generated=configs(), population=populations())
@example(generated=TWO_SPELLINGS, population=PEOPLE)
@example(generated=MIXED_DOMAIN, population=PEOPLE)
@example(generated=BLANK_LINE, population=PEOPLE)
def test_a_config_is_refused_before_any_request_or_synced_exactly(
    release: str, secrets_environ: Mapping[str, str], generated: Generated, population: Population
) -> None:
    with FakeAuthentik(token=CANARY, authentik_version=release) as fake:
        world = World(fake, population)
        try:
            cli = Cli(fake, secrets_environ)
            cli.config(generated.declared)
            unowned = world.unowned()
            synced = cli("sync")
            outcome = "refused (78)" if synced.code == 78 else "synced"
            event(outcome)
            assert generated.outcome in (None, outcome), synced.out + synced.err
            if synced.code == 78:
                assert fake.requests == [], "a refused config reached the server"
                event(refused_at(synced.err))
                return
            assert synced.code == 0, synced.out + synced.err
            assert_converged(cli, world, generated.targets, unowned)
        finally:
            world.close()


def refused_at(err: str) -> str:
    """Which field the first problem names (``apps[].host``, ``domains[]``…), for statistics."""
    found = re.search(r"\b(apps|domains)\[\d+\](\.\w+)?", err)
    return f"refused at {found.group(1)}[]{found.group(2) or ''}" if found else "refused elsewhere"
