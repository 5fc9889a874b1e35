"""Every answer the outpost or the proxy can give is named: the classification table, as data."""

from __future__ import annotations

import json

import pytest

from provision.authentik.anonymous import Answer
from provision.verify import (
    HostResult,
    classify_outpost,
    classify_proxy,
    verify_exit_code,
    verify_report,
)

HOST = "sonarr.home.example.com"
OUTPOST = "http://127.0.0.1:9000/outpost.goauthentik.io/auth/traefik"
START = f"https://{HOST}/outpost.goauthentik.io/start?rd=https%3A%2F%2F{HOST}%2F"
AUTHENTIK_404 = "<!DOCTYPE html><html><head><title>Not Found - authentik</title></head></html>"

# (status, location, body, failure) -> classification at the outpost
OUTPOST_CASES = [
    (307, START, "", "", "protected"),
    (302, START, "", "", "protected"),
    # The scheme follows the provider's external host (real outposts), so either is a login.
    (302, f"http://{HOST}/outpost.goauthentik.io/start?rd=x", "", "", "protected"),
    (302, "https://other.example.com/outpost.goauthentik.io/start", "", "", "redirect_elsewhere"),
    (302, "https://auth.example.com/if/flow/x/", "", "", "redirect_elsewhere"),
    (302, "/outpost.goauthentik.io/start?rd=x", "", "", "redirect_elsewhere"),
    (301, START, "", "", "unexpected"),
    (404, "", AUTHENTIK_404, "", "not_bound"),
    (400, "", "no app for hostname", "", "no_app_for_hostname"),
    (400, "", "bad request", "", "unexpected"),
    (200, "", "hello", "", "unprotected"),
    (204, "", "", "", "unprotected"),
    (500, "", "configuration error", "", "missing_forwarded_headers"),
    (500, "", "<html>Internal Server Error</html>", "", "unexpected"),
    (401, "", "unauthorized request\n", "", "unexpected"),  # 401 means a login on nginx's only
    (502, "", "", "", "unexpected"),
    (None, "", "", "connection_refused", "connection_refused"),
    (None, "", "", "timeout", "timeout"),
    (None, "", "", "tls_failed", "tls_failed"),
    (None, "", "", "unreachable", "unreachable"),
]


@pytest.mark.parametrize(("status", "location", "body", "failure", "expected"), OUTPOST_CASES)
def test_outpost_answers_are_classified(
    status: int | None, location: str, body: str, failure: str, expected: str
) -> None:
    answer = Answer(OUTPOST, status, location, body, failure, "why" if failure else "")
    result = classify_outpost(HOST, answer)
    assert result.classification == expected
    assert result.ok is (expected == "protected")
    assert result.via == "outpost"
    assert result.detail
    assert bool(result.fix) is (expected != "protected")


def test_proxy_accepts_the_scheme_it_was_asked_with() -> None:
    plain = f"http://{HOST}/outpost.goauthentik.io/start?rd=x"
    result = classify_proxy(
        HOST, Answer("http://127.0.0.1:8080", 302, plain), "http://127.0.0.1:8080"
    )
    assert result.classification == "protected"
    assert result.via == "proxy"


def test_traefiks_own_404_means_no_router_not_an_unbound_host() -> None:
    answer = Answer("http://127.0.0.1:8080", 404, text="404 page not found\n")
    assert classify_proxy(HOST, answer, "http://127.0.0.1:8080").classification == "no_route"
    authentik = Answer("http://127.0.0.1:8080", 404, text=AUTHENTIK_404)
    assert classify_proxy(HOST, authentik, "http://127.0.0.1:8080").classification == "not_bound"


def test_a_backend_answering_the_proxy_is_unprotected() -> None:
    answer = Answer("http://127.0.0.1:8080", 200, text="welcome")
    result = classify_proxy(HOST, answer, "http://127.0.0.1:8080")
    assert result.classification == "unprotected"
    assert "UNPROTECTED" in result.detail
    assert "forwardAuth" in result.fix


def _result(classification: str) -> HostResult:
    return HostResult(
        HOST, classification, "detail", "" if classification == "protected" else "fix"
    )


@pytest.mark.parametrize(
    ("classifications", "code"),
    [
        ([], 0),
        (["protected", "protected"], 0),
        (["protected", "not_bound"], 65),
        (["unprotected"], 65),
        (["not_bound", "connection_refused"], 75),
        (["timeout"], 75),
    ],
)
def test_exit_code(classifications: list[str], code: int) -> None:
    assert verify_exit_code([_result(c) for c in classifications]) == code


def test_text_report_has_one_line_per_host_and_a_summary() -> None:
    results = [_result("protected"), HostResult("b.example.com", "not_bound", "404 page", "sync")]
    lines = verify_report(results, "text").splitlines()
    assert lines[0].startswith(f"ok    {HOST}  protected")
    assert lines[1] == "FAIL  b.example.com  not_bound: 404 page — fix: sync"
    assert lines[2] == "verify: 1 of 2 hosts FAIL; 1 demand a login"


def test_json_report() -> None:
    document = json.loads(verify_report([_result("connection_refused")], "json"))
    assert document["exit_code"] == 75
    assert document["failed"] == 1
    assert document["hosts"][0]["classification"] == "connection_refused"
    assert document["hosts"][0]["ok"] is False
    assert document["hosts"][0]["provider"] == ""


def test_json_report_names_the_provider_and_its_client_id() -> None:
    result = HostResult(HOST, "protected", "detail", provider="Provider for Sonarr", client_id="c1")
    (host,) = json.loads(verify_report([result], "json"))["hosts"]
    assert (host["provider"], host["client_id"]) == ("Provider for Sonarr", "c1")


def test_a_served_by_other_provider_finding_exits_65() -> None:
    assert verify_exit_code([_result("served_by_other_provider")]) == 65


def test_every_finding_has_its_text_and_fix() -> None:
    from provision.findings import Finding
    from provision.verify_text import TEXT

    assert set(TEXT) == set(Finding)
    assert {f.value for f in Finding} >= {"protected", "not_bound", "unprotected", "no_route"}
