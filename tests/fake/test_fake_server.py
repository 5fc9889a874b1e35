"""The fake's own knobs: latency, faults, readiness, the request log, the CLI.

The embedded outpost has tests of its own (test_outpost*.py).
"""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from provision.testing.fake_authentik import NEWEST, FakeAuthentik, RecordedRequest

ProviderBody = Callable[[str, str], dict[str, Any]]

TOKEN = "fake-server-cli-token-91d2"  # for fakes started here, not by the fixture
VERSION = "/api/v3/admin/version/"
PROVIDERS = "/api/v3/providers/proxy/"


def test_latency_is_added_to_every_request(fake: FakeAuthentik, api: requests.Session) -> None:
    fake.latency = 0.25
    started = time.monotonic()
    assert api.get(fake.url + VERSION).status_code == 200
    assert time.monotonic() - started >= 0.25
    fake.latency = 0.0
    started = time.monotonic()
    assert api.get(fake.url + "/-/health/live/").status_code == 200
    assert time.monotonic() - started < 0.25


def test_fail_answers_a_status_with_retry_after_then_recovers(
    fake: FakeAuthentik, api: requests.Session
) -> None:
    fake.fail("GET", f"^{VERSION}$", status=503, times=2, retry_after=3)
    answers = [api.get(fake.url + VERSION) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].headers["Retry-After"] == "3"
    assert answers[0].text == "Service Unavailable"
    assert [r.status for r in fake.requests] == [503, 503, 200]


def test_fail_matches_method_and_path_only(fake: FakeAuthentik, api: requests.Session) -> None:
    fake.fail("POST", "^/api/v3/core/groups/$", status=502)
    assert api.get(fake.url + "/api/v3/core/groups/").status_code == 200
    assert api.get(fake.url + VERSION).status_code == 200
    assert api.post(fake.url + "/api/v3/core/groups/", json={"name": "a"}).status_code == 502
    assert api.post(fake.url + "/api/v3/core/groups/", json={"name": "a"}).status_code == 201
    fake.fail("*", "^/api/", status=429, times=5)
    fake.clear_faults()
    assert api.get(fake.url + VERSION).status_code == 200


def test_drop_closes_the_connection_without_answering(
    fake: FakeAuthentik, api: requests.Session
) -> None:
    fake.fail("GET", f"^{VERSION}$", drop=True)
    with pytest.raises(requests.ConnectionError):
        api.get(fake.url + VERSION, timeout=5)
    assert api.get(fake.url + VERSION).status_code == 200
    assert [r.status for r in fake.requests] == [0, 200]


def test_delay_answers_normally_but_late(fake: FakeAuthentik, api: requests.Session) -> None:
    fake.fail("GET", f"^{VERSION}$", delay=0.3)
    started = time.monotonic()
    answer = api.get(fake.url + VERSION)
    assert answer.status_code == 200
    assert answer.json()["version_current"] == fake.version.name
    assert time.monotonic() - started >= 0.3


def test_after_performs_the_write_then_fails_the_answer(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody
) -> None:
    seen: list[RecordedRequest] = []
    fake.on_write = seen.append
    fake.fail("POST", f"^{PROVIDERS}$", status=504, after=True)
    answer = api.post(fake.url + PROVIDERS, json=provider_body("p1", "one.example.test"))
    assert answer.status_code == 504
    assert [p["name"] for p in fake.state.proxy_providers()] == ["p1"]
    assert [(r.method, r.status) for r in seen] == [("POST", 504)]

    fake.fail("POST", f"^{PROVIDERS}$", drop=True, after=True)
    with pytest.raises(requests.ConnectionError):
        api.post(fake.url + PROVIDERS, json=provider_body("p2", "two.example.test"))
    assert [p["name"] for p in fake.state.proxy_providers()] == ["p1", "p2"]


def test_on_write_is_called_for_successful_api_writes_only(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody
) -> None:
    seen: list[RecordedRequest] = []
    fake.on_write = seen.append
    created = api.post(fake.url + PROVIDERS, json=provider_body("p", "p.example.test"))
    assert created.status_code == 201
    assert api.post(fake.url + PROVIDERS, json={"name": "incomplete"}).status_code == 400
    assert api.get(fake.url + PROVIDERS).status_code == 200
    assert api.delete(f"{fake.url}{PROVIDERS}{created.json()['pk']}/").status_code == 204
    assert [(r.method, r.status) for r in seen] == [("POST", 201), ("DELETE", 204)]
    assert seen[0].body["name"] == "p"
    assert [(r.method, r.status) for r in fake.writes()] == [
        ("POST", 201),
        ("POST", 400),
        ("DELETE", 204),
    ]


def test_a_failing_on_write_callback_does_not_break_the_answer(
    fake: FakeAuthentik, api: requests.Session
) -> None:
    def explode(_: RecordedRequest) -> None:
        raise RuntimeError("boom")

    fake.on_write = explode
    answer = api.post(fake.url + "/api/v3/core/groups/", json={"name": "g"})
    assert answer.status_code == 201


def test_not_ready_answers_503_except_liveness(fake: FakeAuthentik, api: requests.Session) -> None:
    fake.ready = False
    assert api.get(fake.url + "/-/health/live/").status_code == 200
    assert api.get(fake.url + "/-/health/ready/").status_code == 503
    assert api.get(fake.url + VERSION).status_code == 503
    fake.ready = True
    ready = requests.get(fake.url + "/-/health/ready/", timeout=5)
    assert (ready.status_code, ready.text) == (200, "")
    assert ready.headers["Content-Type"] == "text/html; charset=utf-8"


def test_log_keeps_requests_but_never_the_token(fake: FakeAuthentik, api: requests.Session) -> None:
    api.get(fake.url + PROVIDERS, params={"page_size": "5"})
    requests.get(fake.url + VERSION, headers={"Authorization": "Token abc"}, timeout=5)
    first, second = fake.requests
    assert (first.method, first.path, first.query, first.status) == (
        "GET",
        PROVIDERS,
        {"page_size": "5"},
        200,
    )
    assert first.headers["authorization"] == "Bearer <redacted>"
    assert second.headers["authorization"] == "Token <redacted>"
    assert fake.token not in repr(fake.requests)
    assert fake.token not in repr(fake)
    fake.clear_log()
    assert fake.requests == []


def test_readonly_token_may_read_itself_but_not_providers(fake: FakeAuthentik) -> None:
    headers = {"Authorization": f"Bearer {fake.readonly_token}"}
    me = requests.get(fake.url + "/api/v3/core/users/me/", headers=headers, timeout=5)
    assert me.json()["user"]["is_superuser"] is False
    denied = requests.get(fake.url + PROVIDERS, headers=headers, timeout=5)
    assert denied.status_code == 403
    assert denied.json() == {"detail": "You do not have permission to perform this action."}


def test_unknown_paths_and_methods(fake: FakeAuthentik, api: requests.Session) -> None:
    unknown = api.get(fake.url + "/api/v3/providers/proxy")
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Not Found" in unknown.text
    no_slash = api.post(fake.url + "/api/v3/providers/proxy", json={})
    assert (no_slash.status_code, no_slash.text) == (405, "")
    on_list = api.delete(fake.url + PROVIDERS)
    assert on_list.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert on_list.headers["Allow"] == "GET, POST, HEAD, OPTIONS"


@pytest.mark.parametrize("authentik_version", ["2025.10.3"], indirect=True)
def test_page_size_is_capped_at_1000(fake: FakeAuthentik, api: requests.Session) -> None:
    for i in range(1001):
        fake.state.add_group(f"group-{i:04d}")
    body = api.get(fake.url + "/api/v3/core/groups/", params={"page_size": 5000}).json()
    assert len(body["results"]) == 1000
    assert body["pagination"]["next"] == 2
    past = api.get(fake.url + "/api/v3/core/groups/", params={"page_size": 1000, "page": 4})
    assert (past.status_code, past.json()) == (404, {"detail": "Invalid page."})


def test_keep_alive_with_correct_content_length(fake: FakeAuthentik) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    try:
        for path in (VERSION, "/outpost.goauthentik.io/ping", VERSION):
            connection.request("GET", path, headers={"Authorization": f"Bearer {fake.token}"})
            response = connection.getresponse()
            body = response.read()
            if response.status == 204:
                assert body == b""
            else:
                assert int(response.headers["Content-Length"]) == len(body)
    finally:
        connection.close()
    assert len(fake.requests) == 3


def test_chunked_request_body_is_read(fake: FakeAuthentik, api: requests.Session) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": '
        yield b'"chunked"}'

    headers = {"Content-Type": "application/json"}
    created = api.post(fake.url + "/api/v3/core/groups/", data=chunks(), headers=headers)
    assert created.status_code == 201
    assert created.json()["name"] == "chunked"
    assert api.get(fake.url + VERSION).status_code == 200  # the connection is still in step


def test_stop_closes_open_connections_and_start_reuses_the_port() -> None:
    fake = FakeAuthentik(token=TOKEN).start()
    url = fake.url
    with requests.Session() as session:
        session.trust_env = False
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        assert session.get(url + VERSION).status_code == 200
        fake.stop()
        with pytest.raises(requests.ConnectionError):
            session.get(url + VERSION, timeout=5)
        fake.start()
        try:
            assert fake.url == url
            assert session.get(url + VERSION).status_code == 200
        finally:
            fake.stop()


def test_concurrent_creates_get_distinct_primary_keys(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody
) -> None:
    bodies = [provider_body(f"p{i}", f"p{i}.example.test") for i in range(24)]

    def create(body: dict[str, Any]) -> int:
        with requests.Session() as session:
            answer = session.post(fake.url + PROVIDERS, json=body, headers=api.headers)
            return int(answer.json()["pk"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        pks = list(pool.map(create, bodies))
    assert len(set(pks)) == 24


def test_state_seeding_answers_what_the_api_answers(
    fake: FakeAuthentik, api: requests.Session
) -> None:
    provider = fake.state.add_proxy_provider("Provider for Sonarr", "https://sonarr.example.test")
    assert api.get(f"{fake.url}{PROVIDERS}{provider['pk']}/").json() == provider
    app = fake.state.add_application("Sonarr", "sonarr", provider=provider["pk"])
    assert fake.state.applications() == [app]
    group = fake.state.add_group("media")
    assert group["name"] == "media"
    with pytest.raises(ValueError, match="provider with this name already exists"):
        fake.state.add_proxy_provider("Provider for Sonarr", "https://other.example.test")
    with pytest.raises(ValueError, match="Enter a valid URL"):
        fake.state.add_proxy_provider("Provider for X", "https://x")
    fake.state.set_outpost_providers([provider["pk"]])
    assert fake.state.embedded_outpost()["providers"] == [provider["pk"]]
    assert fake.state.embedded_outpost()["config"]["authentik_host"] == fake.url
    fake.state.set_outpost_config(authentik_host="")
    outpost = api.get(fake.url + "/api/v3/outposts/instances/").json()["results"][0]
    assert outpost["config"]["authentik_host"] == ""
    fake.state.remove_flow("default-provider-invalidation-flow")
    assert "default-provider-invalidation-flow" not in {f["slug"] for f in fake.state.flows()}


def test_blueprint_waits_for_the_worker(fake: FakeAuthentik, api: requests.Session) -> None:
    content = (
        "version: 1\nentries:\n"
        "  - model: authentik_core.group\n    identifiers: {name: media}\n"
        "  - model: authentik_core.application\n    identifiers: {slug: grafana}\n"
        "    attrs: {name: Grafana}\n"
    )
    created = api.post(
        fake.url + "/api/v3/managed/blueprints/", json={"name": "bp", "content": content}
    )
    assert created.json()["status"] == "unknown"
    assert fake.state.applications() == []
    assert fake.run_blueprint_worker() == 1
    assert [a["slug"] for a in fake.state.applications()] == ["grafana"]
    assert "media" in {g["name"] for g in fake.state.groups()}
    instance = api.get(f"{fake.url}/api/v3/managed/blueprints/{created.json()['pk']}/").json()
    assert instance["status"] == "successful"
    assert fake.run_blueprint_worker() == 0


def test_cli_serves_until_terminated() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "provision.testing.fake_authentik", "--port", "0", "--token", TOKEN],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.removeprefix("listening on ")
        answer = requests.get(
            url + VERSION, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
        )
        assert answer.json()["version_current"] == NEWEST
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
