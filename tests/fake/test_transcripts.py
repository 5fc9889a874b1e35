"""The fake against the recordings of real Authentik servers, one test per release and transcript.

Every directory of ``tests/data/authentik/`` (2024.12.5, 2025.10.3, 2026.2.2 and the
2026.8.0-rc1 build; files 01-12 and, where recorded, 14) is replayed against the fake speaking
that release. What the fake cannot answer as recorded is listed with the reason in ``EXEMPT``
and ``UNORDERED``; file 13 (the outpost and the browser login) has replays of its own.

Each transcript builds on the state the earlier ones (by name) left, so for file N a fresh
fake first replays files < N without checking, then replays N checking every answer: the
status, the recorded headers, and the body's shape (same keys, recursively, and the first
element of lists); error bodies must carry the same messages and list answers the same
pagination and number of results. Primary keys the fake chose differently are learned from
its answers and substituted into later requests.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, FakeAuthentik
from provision.testing.fake_authentik.store import ADMIN_PK

RECORDINGS = Path(__file__).resolve().parents[1] / "data" / "authentik"
REPLAYED = AUTHENTIK_VERSIONS
DIRECTORIES = {version: RECORDINGS / version for version in REPLAYED}
TOKEN = "transcript-replay-token"
KEYS_FROM = "2025.10.3"  # the recording whose requests the others replayed (README)
EMBEDDED = "goauthentik.io/outposts/embedded"
RECORDED_TEXT_LIMIT = 2000  # the recorder kept the first 2,000 characters of text bodies


# Replayed by tests of their own: the outpost's answers (test_outpost_transcripts) and the
# browser login (test_login*) need cookies and hosts, not API keys.
OWN_REPLAY = frozenset({"13-outpost-forward-auth.json"})


def files(version: str) -> list[Path]:
    return sorted(p for p in DIRECTORIES[version].glob("*.json") if p.name not in OWN_REPLAY)


def tidy(fake: FakeAuthentik, keep: set[str]) -> None:
    """Delete every application and proxy provider not named in ``keep``, through the API.

    Before 10 the recorded servers were tidied up: 11 lists the providers left over.
    """
    with requests.Session() as session:
        session.trust_env = False
        session.headers["Authorization"] = f"Bearer {fake.token}"
        api = fake.url + "/api/v3"
        for app in fake.state.applications():
            if app["slug"] in keep:
                continue
            session.delete(f"{api}/core/applications/{app['slug']}/", timeout=30).raise_for_status()
        for provider in fake.state.proxy_providers():
            if provider["name"] not in keep:
                session.delete(f"{api}/providers/proxy/{provider['pk']}/", timeout=30)


def whoami(fake: FakeAuthentik, name: str) -> None:
    """What the recorded server held before the run: one provider and application on the
    embedded outpost (``whoami-fwd-...``), so its lists count one more; and its admin had
    logged in to the web interface."""
    fake.state.store.users[ADMIN_PK]["last_login"] = "2026-12-06T20:02:02.329721Z"
    provider = fake.state.add_proxy_provider(name, "http://whoami.test")
    fake.state.add_application(name, name, provider["pk"])
    outpost = fake.state.embedded_outpost()
    fake.state.set_outpost_providers([*outpost["providers"], provider["pk"]])


HELD_BEFORE = {
    "2024.12.5": "whoami-fwd-1796587282",
    "2026.8.0-rc1": "whoami-fwd-1796585894",
}
# File 14 was recorded on a server holding only its own whoami-fwd.
HELD_BEFORE_14 = {
    "2026.2.2": "whoami-fwd-1796584031",
    "2026.8.0-rc1": "whoami-fwd-1796585894",
}


def only_whoami(fake: FakeAuthentik, name: str) -> None:
    tidy(fake, keep=set())
    whoami(fake, name)


def tidy_keeping_whoami(fake: FakeAuthentik, name: str) -> None:
    """Before 10 those servers held their whoami-fwd again, back on the embedded outpost."""
    tidy(fake, keep={name})
    provider = next(p for p in fake.state.proxy_providers() if p["name"] == name)
    fake.state.set_outpost_providers([provider["pk"]])


LEFT_BEFORE_10 = {
    "2025.10.3": {"same-host-as-app-one", "trailing-slash"},
    "2026.2.2": {"same-host-as-app-one", "trailing-slash", "domain-mode", "fields-full"}
    | {"readonly-fields"}
    | {f"bulk-{n}" for n in range(16, 29)},
}

# What the real server did between two recordings without any request showing it, per release.
BEFORE_FILE: dict[tuple[str, str], Callable[[FakeAuthentik], object]] = {
    **{
        (version, "01-version-and-flows"): functools.partial(whoami, name=name)
        for version, name in HELD_BEFORE.items()
    },
    **{
        (version, "14-newer-releases"): functools.partial(only_whoami, name=name)
        for version, name in HELD_BEFORE_14.items()
    },
    # 08a left a blueprint instance for the worker; 08b was recorded after the worker ran.
    ("2025.10.3", "08b-blueprint-applied-by-worker"): lambda fake: fake.run_blueprint_worker(),
    ("2026.8.0-rc1", "08b-blueprint-applied-by-worker"): lambda fake: fake.run_blueprint_worker(),
    **{
        (version, "10-access-check"): functools.partial(tidy, keep=keep)
        for version, keep in LEFT_BEFORE_10.items()
    },
    **{
        (version, "10-access-check"): functools.partial(tidy_keeping_whoami, name=name)
        for version, name in HELD_BEFORE.items()
    },
    # On 2026.2.2 the worker had not applied 08a's blueprint by 08b (README), but had by 12:
    # its provider bp-whoami is on the embedded outpost there.
    ("2026.2.2", "12-forward-domain"): lambda fake: fake.run_blueprint_worker(),
}

# (release, transcript, request index) -> why the fake cannot answer it as recorded.
WORKER_TIMED_OUT = (
    "the build's worker did not answer blueprints_find_dict (README: ResultTimeout), so the"
    " server answered that failure (500, or 405 with an empty body); the fake has no worker"
    " to lose and answers the request itself"
)
EXEMPT: dict[tuple[str, str, int], str] = {
    ("2026.2.2", "08c-blueprint-import-endpoints", 1): "the recorded build answered 500 for the"
    " list of blueprint files (README: an artefact of that build); the fake lists them",
    ("2026.2.2", "14-newer-releases", 85): WORKER_TIMED_OUT,
    ("2026.8.0-rc1", "08c-blueprint-import-endpoints", 1): WORKER_TIMED_OUT,
    **{("2026.8.0-rc1", "14-newer-releases", index): WORKER_TIMED_OUT for index in (84, 85, 86)},
    ("2026.8.0-rc1", "14-newer-releases", 82): "a file of broken YAML got the same 405 with an"
    " empty body as the path variants whose worker call timed out; the fake answers it as"
    " /flows/instances/import/ did (200, success false, the parser's complaint in the logs)",
    **{
        (version, "07-provider-optional-fields", 9): "/providers/all/ lists in the database's"
        " order: the whoami-fwd provider made before the run was listed after"
        " same-host-as-app-one there; the fake, knowing no earlier saves, lists it first"
        for version in HELD_BEFORE
    },
}

# (release, transcript, request index) -> why the outpost's provider order is not compared.
UNORDERED: dict[tuple[str, str, int], str] = (
    {
        (version, "12-forward-domain", index): "after the PATCHes of [8]-[9] the server listed the"
        " providers in an order neither 'last saved last' nor 'linked last' gives"
        for version in ("2025.10.3", "2026.2.2")
        for index in (14, 15)
    }
    | {
        ("2026.2.2", stem, index): "2026.2.2 lists providers linked by one PATCH in the order of a"
        " Python set of their primary keys (05b [16]: 8, 9, 5), which the fake's own keys cannot"
        " reproduce; the fake lists them in the order sent"
        for stem, indexes in (
            ("05b-patch-embedded-outpost-providers", (16, 18)),
            ("05c-outpost-related", (0, 2)),
            ("08b-blueprint-applied-by-worker", (3,)),
        )
        for index in indexes
    }
    | {
        ("2026.8.0-rc1", "05b-patch-embedded-outpost-providers", index): "2026.8.0-rc1 lists"
        " providers linked by one PATCH in the order of a Python set of their primary keys"
        " (ascending for these), which the fake's own keys cannot reproduce"
        for index in (3, 8, 9)
    }
)

# Integer primary keys in request bodies and queries, by the key they appear under.
INT_KINDS = {
    "provider": "provider",
    "providers": "provider",
    "providers_by_pk": "provider",
    "backchannel_providers": "provider",
    "user": "user",
    "users": "user",
    "for_user": "user",
}
OBJECT_KINDS = {"provider_obj": "provider", "user_obj": "user"}


def path_kind(path: str) -> str:
    """Which kind of integer key a path's segments or answer carry."""
    return "user" if "/core/users/" in path or "/core/tokens/" in path else "provider"


@functools.cache
def load(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return entries


def named(obj: dict[str, Any]) -> bool:
    """An object with a name and a primary key (to match recorded objects to the fake's)."""
    return isinstance(obj.get("name"), str) and isinstance(obj.get("pk"), int | str)


def walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


class Replay:
    """Sends recorded requests to a fake, translating the recorded primary keys."""

    def __init__(self, fake: FakeAuthentik, session: requests.Session) -> None:
        self.fake = fake
        self.version = fake.version.name
        self.session = session
        self.uuids: dict[str, str] = {}
        self.ints: dict[tuple[str, int], int] = {}
        self._map_preinstalled_objects()

    def _map_preinstalled_objects(self) -> None:
        """Flows and the embedded outpost exist from the start, with the fake's own UUIDs."""
        flows = {flow["slug"]: flow for flow in self.fake.state.flows()}
        outpost = self.fake.state.embedded_outpost()
        for transcript in [path for version in DIRECTORIES for path in files(version)]:
            for entry in load(transcript):
                for obj in walk(entry["response"]["body"]):
                    if {"pk", "slug", "designation"} <= obj.keys() and obj["slug"] in flows:
                        flow = flows[obj["slug"]]
                        self.uuids[obj["pk"]] = flow["pk"]
                        self.uuids[obj["policybindingmodel_ptr_id"]] = flow[
                            "policybindingmodel_ptr_id"
                        ]
                    if obj.get("managed") == EMBEDDED and "pk" in obj:
                        self.uuids[obj["pk"]] = outpost["pk"]

    def _int(self, kind: str, value: int) -> int:
        return self.ints.get((kind, value), value)

    def translate(self, value: Any, key: str = "") -> Any:
        """A recorded body or query value with the fake's primary keys."""
        if isinstance(value, dict):
            return {k: self.translate(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.translate(v, key) for v in value]
        if isinstance(value, str):
            return self.uuids.get(value, value)
        if isinstance(value, int) and not isinstance(value, bool) and key in INT_KINDS:
            return self._int(INT_KINDS[key], value)
        return value

    def translate_path(self, path: str) -> str:
        kind = path_kind(path)
        segments = [
            str(self._int(kind, int(s))) if s.isdigit() else self.uuids.get(s, s)
            for s in path.split("/")
        ]
        return "/".join(segments)

    def learn_by_name(self, recorded: Any, got: Any, kind: str) -> None:
        """From a list answer: the fake's key of each recorded object with the same name."""
        theirs = {(o["name"], type(o["pk"])): o["pk"] for o in walk(got) if named(o)}
        for obj in filter(named, walk(recorded)):
            other = theirs.get((obj["name"], type(obj["pk"])))
            if other is None or obj["pk"] == other:
                continue
            if isinstance(other, int):
                self.ints.setdefault((kind, obj["pk"]), other)
            elif isinstance(other, str):
                self.uuids.setdefault(obj["pk"], other)

    def learn(self, recorded: Any, got: Any, kind: str) -> None:
        """Remember the fake's key wherever the recording shows another for the same object."""
        if isinstance(recorded, dict) and "pagination" in recorded:
            self.learn_by_name(recorded, got, kind)
            return
        if not isinstance(recorded, dict) or not isinstance(got, dict):
            return
        for key, value in recorded.items():
            other = got.get(key)
            if key == "pk" and value != other and type(value) is type(other):
                if isinstance(value, int):
                    self.ints.setdefault((kind, value), other)
                else:
                    self.uuids.setdefault(value, other)
            elif isinstance(value, dict):
                self.learn(value, other, OBJECT_KINDS.get(key, kind))

    def headers(self, request: dict[str, Any]) -> dict[str, str]:
        recorded = request.get("headers")
        if recorded is None:
            return {"Authorization": f"Bearer {self.fake.token}"}
        return {
            name: value.replace("<non-superuser token>", self.fake.readonly_token).replace(
                "<redacted>", self.fake.token
            )
            for name, value in recorded.items()
        }

    def send(self, request: dict[str, Any]) -> requests.Response:
        headers = self.headers(request)
        query = {k: self.translate(v, k) for k, v in request["query"].items()}
        kwargs: dict[str, Any] = {"headers": headers, "params": query}
        body = request["body"]
        if isinstance(body, dict) and list(body) == ["multipart/form-data"]:
            fields = body["multipart/form-data"].items()
            kwargs["files"] = {
                name: (f["filename"], f["content"]) if isinstance(f, dict) else (None, f)
                for name, f in fields
            }
        elif isinstance(body, str):
            kwargs["data"] = body.encode()
        elif body is not None and any(k.lower() == "content-type" for k in headers):
            kwargs["data"] = json.dumps(self.translate(body)).encode()
        elif body is not None:
            kwargs["json"] = self.translate(body)
        url = self.fake.url + self.translate_path(request["path"])
        return self.session.request(
            request["method"], url, allow_redirects=False, timeout=30, **kwargs
        )

    def run(self, transcript: Path, *, check: bool) -> list[str]:
        """Replay one transcript; the differences found (when checking)."""
        hook = BEFORE_FILE.get((self.version, transcript.stem))
        if hook is not None:
            hook(self.fake)
        problems: list[str] = []
        sent = keys_sent(self.version, transcript)
        for index, entry in enumerate(load(transcript)):
            response = self.send(entry["request"])
            body = parsed(response)
            recorded = entry["response"]
            if 200 <= response.status_code < 300:
                keys = sent[index]["response"]["body"]
                self.learn(keys, body, path_kind(entry["request"]["path"]))
            if check and (self.version, transcript.stem, index) not in EXEMPT:
                where = f"[{index}] {entry['request']['method']} {entry['request']['path']}"
                found = differences(recorded, response, body)
                if (self.version, transcript.stem, index) not in UNORDERED:
                    found += self.order_differences(recorded["body"], body)
                problems += [f"{where}: {p}" for p in found]
        return problems

    def order_differences(self, recorded: Any, got: Any) -> list[str]:
        """An outpost lists its providers in the server's order (05b): compare the values.

        Recorded keys are matched to the fake's by the providers' names (``providers_obj``).
        """
        if not isinstance(recorded, dict) or not isinstance(got, dict):
            return []
        if not isinstance(recorded.get("providers"), list) or "pagination" in recorded:
            return []
        names = {p["pk"]: p["name"] for p in recorded.get("providers_obj") or []}
        fakes = {p["name"]: p["pk"] for p in got.get("providers_obj") or []}
        expected = [
            fakes.get(names.get(pk, ""), self._int("provider", pk)) for pk in recorded["providers"]
        ]
        if got.get("providers") == expected:
            return []
        return [f"providers {got.get('providers')} != {expected} (recorded order)"]


def keys_sent(version: str, transcript: Path) -> list[dict[str, Any]]:
    """The recording whose answers hold the primary keys ``transcript``'s requests use.

    01-09 of every other release are the 2025.10.3 requests sent again unchanged (the recorder
    translated the keys only on the wire), so their keys are the ones 2025.10.3 answered.
    """
    entries = load(transcript)
    first = DIRECTORIES[KEYS_FROM] / transcript.name
    if version == KEYS_FROM or not first.is_file():
        return entries
    earlier = load(first)
    same = [a["request"] for a in earlier] == [b["request"] for b in entries]
    return earlier if same else entries


def parsed(response: requests.Response) -> Any:
    if "json" in response.headers.get("content-type", "") and response.content:
        return response.json()
    return response.text


def category(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def shape_differences(recorded: Any, got: Any, where: str = "body") -> list[str]:
    """Same JSON types and, for objects, the same keys, recursively (lists: first element)."""
    if category(recorded) != category(got):
        return [f"{where}: {category(got)} where the recording has {category(recorded)}"]
    if isinstance(recorded, dict):
        problems = []
        if recorded.keys() != got.keys():
            missing, extra = (
                sorted(recorded.keys() - got.keys()),
                sorted(got.keys() - recorded.keys()),
            )
            problems.append(f"{where}: keys differ, missing {missing}, extra {extra}")
        for key in recorded.keys() & got.keys():
            problems += shape_differences(recorded[key], got[key], f"{where}.{key}")
        return problems
    if isinstance(recorded, list):
        if bool(recorded) != bool(got):
            return [f"{where}: {len(got)} items where the recording has {len(recorded)}"]
        if recorded:
            return shape_differences(recorded[0], got[0], f"{where}[0]")
    return []


def list_differences(body: dict[str, Any], got: Any) -> list[str]:
    """A list answer: the same pagination, number of results, their shape and autocomplete."""
    if not isinstance(got, dict) or "pagination" not in got:
        return [f"not a list answer: {str(got)[:200]}"]
    problems = []
    if got["pagination"] != body["pagination"]:
        problems.append(f"pagination {got['pagination']} != {body['pagination']}")
    if len(got["results"]) != len(body["results"]):
        problems.append(f"{len(got['results'])} results, recorded {len(body['results'])}")
    problems += shape_differences(body["results"], got["results"], "results")
    if "autocomplete" not in body:  # 2024.12.5 answers lists without it
        return problems + (["autocomplete: not recorded"] if "autocomplete" in got else [])
    return problems + shape_differences(
        body["autocomplete"], got.get("autocomplete"), "autocomplete"
    )


def body_differences(recorded: dict[str, Any], got: Any) -> list[str]:
    body = recorded["body"]
    if isinstance(body, str):
        truncated = len(body) >= RECORDED_TEXT_LIMIT
        same = got == body or (truncated and isinstance(got, str) and got.startswith(body))
        return [] if same else [f"text body {got[:80]!r} differs from {body[:80]!r}"]
    if isinstance(body, dict) and "pagination" in body:
        return list_differences(body, got)
    if isinstance(body, dict) and recorded["status"] >= 400:
        return [] if got == body else [f"error {got} != {body}"]
    if isinstance(body, list) and isinstance(got, list) and len(body) != len(got):
        return [f"{len(got)} items, recorded {len(body)}"]
    return shape_differences(body, got)


def differences(recorded: dict[str, Any], response: requests.Response, got: Any) -> list[str]:
    if response.status_code != recorded["status"]:
        return [f"status {response.status_code} != {recorded['status']}: {str(got)[:300]}"]
    problems = [
        f"header {name}: {response.headers.get(name)!r} != {value!r}"
        for name, value in (recorded.get("headers") or {}).items()
        if response.headers.get(name) != value
    ]
    return problems + body_differences(recorded, got)


CASES = [(version, path) for version in REPLAYED for path in files(version)]


@pytest.mark.parametrize("version", REPLAYED)
def test_transcripts_are_present(version: str) -> None:
    assert DIRECTORIES[version].is_dir(), f"{DIRECTORIES[version]} is missing"
    assert len(files(version)) >= 23
    # Hooks and exemptions must name recorded requests, or they silently stop applying.
    stems = {(version, path.stem) for path in files(version)}
    assert {key for key in BEFORE_FILE if key[0] == version} <= stems
    for release, stem, index in [*EXEMPT, *UNORDERED]:
        if release == version:
            assert (release, stem) in stems
            assert index < len(load(DIRECTORIES[release] / f"{stem}.json"))


@pytest.mark.parametrize(("version", "transcript"), CASES, ids=[f"{v}-{p.stem}" for v, p in CASES])
def test_fake_answers_like_the_recording(version: str, transcript: Path) -> None:
    earlier = [path for path in files(version) if path.name < transcript.name]
    with (
        FakeAuthentik(token=TOKEN, authentik_version=version) as fake,
        requests.Session() as session,
    ):
        session.trust_env = False  # never a proxy from the environment
        replay = Replay(fake, session)
        for path in earlier:
            replay.run(path, check=False)
        problems = replay.run(transcript, check=True)
    assert not problems, f"{version} {transcript.name}:\n" + "\n".join(problems)
