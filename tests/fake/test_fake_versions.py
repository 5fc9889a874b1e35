"""The fake speaks each recorded Authentik release: version, pages, icons, slugs, the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, FakeAuthentik
from tests.fake.conftest import TOKEN, ProviderBody

VERSION = "/api/v3/admin/version/"
PROVIDERS = "/api/v3/providers/proxy/"
APPLICATIONS = "/api/v3/core/applications/"
OLDEST, OLD, NEW, BUILD = "2024.12.5", "2025.10.3", "2026.2.2", "2026.8.0-rc1"
BEFORE_2025_12 = (OLDEST, OLD)  # meta_icon read-only, slugs of at most 50, "slug" straight
only_old = pytest.mark.parametrize("authentik_version", [OLD], indirect=True)
only_new = pytest.mark.parametrize("authentik_version", [NEW], indirect=True)
each = pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)


def test_the_newest_release_is_the_default() -> None:
    """The development build is spoken only when asked for: the default is a release."""
    assert FakeAuthentik(token=TOKEN).version.name == NEW
    assert AUTHENTIK_VERSIONS == (OLDEST, OLD, NEW, BUILD)


def test_an_unknown_release_is_refused() -> None:
    known = r"2024\.12\.5, 2025\.10\.3, 2026\.2\.2, 2026\.8\.0-rc1"
    with pytest.raises(ValueError, match=known + r", not '2024\.1\.0'"):
        FakeAuthentik(token=TOKEN, authentik_version="2024.1.0")


@each
def test_version_answers_the_release(
    fake: FakeAuthentik, api: requests.Session, authentik_version: str
) -> None:
    answer = api.get(fake.url + VERSION)
    assert answer.json()["version_current"] == authentik_version
    assert set(answer.json()) == {
        "version_current",
        "version_latest",
        "version_latest_valid",
        "build_hash",
        "outdated",
        "outpost_outdated",
    }
    charset = authentik_version in BEFORE_2025_12
    expected_type = "application/json; charset=utf-8" if charset else "application/json"
    assert answer.headers["content-type"] == expected_type


@pytest.mark.parametrize("version", AUTHENTIK_VERSIONS)
def test_cli_speaks_the_release_asked_for(version: str) -> None:
    command = [sys.executable, "-m", "provision.testing.fake_authentik", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--token", TOKEN, "--authentik-version", version],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().removeprefix("listening on ")
        answer = requests.get(
            url + VERSION, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
        )
        assert answer.json()["version_current"] == version
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_cli_refuses_an_unknown_release() -> None:
    command = [sys.executable, "-m", "provision.testing.fake_authentik", "--token", TOKEN]
    done = subprocess.run(
        [*command, "--authentik-version", "2099.1.1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "--authentik-version: invalid choice: '2099.1.1'" in done.stderr
    assert "Traceback" not in done.stderr


def _providers(fake: FakeAuthentik, provider_body: ProviderBody, count: int) -> None:
    for n in range(count):
        body = provider_body(f"page-{n:03d}", f"p{n:03d}.example.test")
        fake.state.add_proxy_provider(body["name"], body["external_host"])


@only_new
def test_newest_caps_pages_at_100(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody
) -> None:
    _providers(fake, provider_body, 150)
    first = api.get(fake.url + PROVIDERS, params={"page_size": 1000}).json()
    assert (len(first["results"]), first["pagination"]["next"]) == (100, 2)
    second = api.get(fake.url + PROVIDERS, params={"page_size": 1000, "page": 2}).json()
    assert (len(second["results"]), second["pagination"]["next"]) == (50, 0)
    default = api.get(fake.url + PROVIDERS).json()
    assert (len(default["results"]), default["pagination"]["total_pages"]) == (20, 8)
    past = api.get(fake.url + PROVIDERS, params={"page_size": 100, "page": 3})
    assert (past.status_code, past.json()) == (404, {"detail": "Invalid page."})


@only_old
def test_older_honours_page_size_up_to_1000(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody
) -> None:
    _providers(fake, provider_body, 150)
    everything = api.get(fake.url + PROVIDERS, params={"page_size": 1000}).json()
    assert (len(everything["results"]), everything["pagination"]["next"]) == (150, 0)
    default = api.get(fake.url + PROVIDERS).json()
    assert (len(default["results"]), default["pagination"]["next"]) == (100, 2)


def _application(fake: FakeAuthentik, api: requests.Session, **fields: object) -> requests.Response:
    provider = fake.state.add_proxy_provider("icon", "https://icon.example.test")
    body = {"name": "Icon", "slug": "icon", "provider": provider["pk"], **fields}
    return api.post(fake.url + APPLICATIONS, json=body)


@only_new
def test_newest_sets_the_icon_from_the_body(fake: FakeAuthentik, api: requests.Session) -> None:
    created = _application(fake, api, meta_icon="https://icons.test/a.png").json()
    assert created["meta_icon"] == created["meta_icon_url"] == "https://icons.test/a.png"
    assert created["meta_icon_themed_urls"] is None
    patched = api.patch(fake.url + APPLICATIONS + "icon/", json={"meta_icon": ""}).json()
    assert (patched["meta_icon"], patched["meta_icon_url"]) == ("", None)
    refused = api.post(
        fake.url + APPLICATIONS + "icon/set_icon_url/", json={"url": "https://x.test/b.png"}
    )
    assert (refused.status_code, refused.text) == (405, "")
    assert refused.headers["content-type"] == "text/html; charset=utf-8"


@only_old
def test_older_sets_the_icon_only_by_set_icon_url(
    fake: FakeAuthentik, api: requests.Session
) -> None:
    created = _application(fake, api, meta_icon="https://icons.test/a.png").json()
    assert created["meta_icon"] is None
    assert "meta_icon_url" not in created
    patched = api.patch(
        fake.url + APPLICATIONS + "icon/", json={"meta_icon": "https://x.test/c.png"}
    )
    assert patched.json()["meta_icon"] is None
    url = "https://icons.test/b.png"
    answer = api.post(fake.url + APPLICATIONS + "icon/set_icon_url/", json={"url": url})
    assert (answer.status_code, answer.json()) == (200, {})
    assert api.get(fake.url + APPLICATIONS + "icon/").json()["meta_icon"] == url


@each
def test_slug_length_per_release(
    fake: FakeAuthentik, api: requests.Session, authentik_version: str
) -> None:
    answer = _application(fake, api, slug="a" * 51)
    if authentik_version in BEFORE_2025_12:
        expected = {"slug": ["Ensure this field has no more than 50 characters."]}
        assert (answer.status_code, answer.json()) == (400, expected)
    else:
        assert answer.status_code == 201
    reserved = api.post(fake.url + APPLICATIONS, json={"name": "t", "slug": "token"})
    if authentik_version == OLDEST:  # 2024.12.5 accepted the slugs its OAuth2 URLs use
        assert reserved.status_code == 201
        return
    message = "The slug 'token' is reserved and cannot be used for applications."
    assert (reserved.status_code, reserved.json()) == (400, {"slug": [message]})


@each
def test_slug_message_quotes_per_release(
    fake: FakeAuthentik, api: requests.Session, authentik_version: str
) -> None:
    answer = api.post(fake.url + APPLICATIONS, json={"name": "x", "slug": "Bad Slug"})
    word = '"slug"' if authentik_version in BEFORE_2025_12 else "\u201cslug\u201d"
    message = f"Enter a valid {word} consisting of letters, numbers, underscores or hyphens."
    assert answer.json() == {"slug": [message]}


@pytest.mark.parametrize("authentik_version", [OLDEST], indirect=True)
def test_oldest_answers_in_its_own_shapes(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody
) -> None:
    missing = api.get(fake.url + APPLICATIONS + "nope/")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})
    assert "autocomplete" not in api.get(fake.url + APPLICATIONS).json()
    group = api.post(fake.url + "/api/v3/core/groups/", json={"name": "media"}).json()
    assert "children" not in group
    user = api.post(fake.url + "/api/v3/core/users/", json={"username": "u", "name": "U"})
    assert not {"date_joined", "last_updated", "password_change_date"} & user.json().keys()
    app = _application(fake, api).json()
    binding = api.post(
        fake.url + "/api/v3/policies/bindings/",
        json={"target": app["pk"], "group": group["pk"], "order": 0},
    ).json()
    assert {"users", "users_obj", "roles", "roles_obj"} <= binding["group_obj"].keys()


BLUEPRINT = """version: 1
context: {host: https://default.example.test}
entries:
  - model: authentik_providers_proxy.proxyprovider
    id: bp
    identifiers: {name: bp}
    attrs:
      mode: forward_single
      external_host: !Context host
      authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-implicit-consent]]
      invalidation_flow: !Find [authentik_flows.flow, [slug, default-provider-invalidation-flow]]
"""  # noqa: E501 - a blueprint line as users write it


@each
def test_the_one_shot_import_lives_where_the_release_has_it(
    fake: FakeAuthentik, api: requests.Session, authentik_version: str
) -> None:
    moved = authentik_version == BUILD
    new, old = "/api/v3/managed/blueprints/import/", "/api/v3/flows/instances/import/"
    files = {"file": ("bp.yaml", BLUEPRINT), "context": (None, '{"host": "https://ctx.test"}')}
    gone = api.post(fake.url + (old if moved else new), files=files)
    assert (gone.status_code, gone.json()) == (405, {"detail": 'Method "POST" not allowed.'})
    answer = api.post(fake.url + (new if moved else old), files=files)
    assert (answer.status_code, answer.json()["success"]) == (200, True)
    [provider] = fake.state.proxy_providers()
    # Only the 2026.5+ endpoint takes a context; the older one keeps the blueprint's own.
    expected = "https://ctx.test" if moved else "https://default.example.test"
    assert provider["external_host"] == expected


@pytest.mark.parametrize("authentik_version", [BUILD], indirect=True)
def test_the_build_refuses_what_its_import_cannot_read(
    fake: FakeAuthentik, api: requests.Session
) -> None:
    url = fake.url + "/api/v3/managed/blueprints/import/"
    bad = api.post(url, files={"file": ("bp.yaml", BLUEPRINT), "context": (None, "[1]")})
    assert bad.json() == {"context": ["Context must be a JSON object"]}
    nothing = api.post(url, files={"context": (None, "{}")})
    assert (nothing.status_code, nothing.json()) == (400, ["Either path or file must be set"])
    as_json = api.post(url, json={"file": BLUEPRINT})
    assert as_json.status_code == 415


@pytest.mark.parametrize("authentik_version", [NEW, BUILD], indirect=True)
def test_the_page_cap_is_an_admin_setting(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody
) -> None:
    _providers(fake, provider_body, 61)
    settings = fake.url + "/api/v3/admin/settings/"
    assert api.get(settings).json()["pagination_max_page_size"] == 100
    lowered = api.patch(settings, json={"pagination_max_page_size": 50})
    assert lowered.json()["pagination_max_page_size"] == 50
    first = api.get(fake.url + PROVIDERS, params={"page_size": 1000}).json()
    assert (len(first["results"]), first["pagination"]["next"]) == (50, 2)
    refused = api.patch(settings, json={"pagination_max_page_size": "many"})
    assert refused.status_code == 400


@each
def test_hidden_applications_exist_only_from_2026_5(
    fake: FakeAuthentik, api: requests.Session, authentik_version: str
) -> None:
    app = _application(fake, api, meta_hide=True).json()
    if authentik_version != BUILD:
        assert "meta_hide" not in app  # ignored, as any unknown field
        return
    assert app["meta_hide"] is True
    assert api.get(fake.url + APPLICATIONS, params={"slug": "icon"}).json()["results"] == []
    full = api.get(fake.url + APPLICATIONS, params={"slug": "icon", "superuser_full_list": "true"})
    assert [a["slug"] for a in full.json()["results"]] == ["icon"]
