"""One real proxy, the fake Authentik and echo backends, set up as a user would for the
end-to-end logins of ``test_proxy_logins``.

The fake is given users with passwords and groups, ``provision sync`` (the CLI, in-process)
creates the providers, applications, bindings and the outpost binding, ``provision render``
writes the proxy's config, and the real proxy runs it. Everything a test then sees went
through the real code paths: the sync, the rendering, the proxy and the fake's login.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import requests
import yaml

from provision.cli import main
from provision.testing.fake_authentik import FakeAuthentik
from tests.conftest import KEYS, age_public_key, find_tool
from tests.support import free_port
from tests.support.backends import Backend
from tests.support.browser import Browser
from tests.support.caddy import CURRENT, DEBIAN, running_caddy
from tests.support.caddy import NO_SUCH_HOST as CADDY_NO_SUCH_HOST
from tests.support.nginx import NO_SUCH_HOST as NGINX_NO_SUCH_HOST
from tests.support.nginx import running_nginx
from tests.support.traefik import running_traefik

# The API token and secret key live in a sops file, as users keep them; neither may appear in
# any command's output.
TOKEN = "canary-proxy-logins-5d1e9a7c3b8f2e4a6c0d9b1f"
SECRET_KEY = "k" * 64
PASSWORD = "correct horse battery staple"
MEMBER, OUTSIDER = "alice", "bob"
GROUP, FAMILY = "media", "family"
# The declared app: a group, a skipped path, its own backend.
APP_HOST = "media.example.test"
SKIP_PATH_REGEX = "^/api/"
SKIPPED_PATH = "/api/status"
# Domain mode: every host under DOMAIN logs in at AUTH_HOST and reaches the domain's backend.
DOMAIN = "home.example.test"
AUTH_HOST = f"auth.{DOMAIN}"
DOMAIN_HOSTS = (f"one.{DOMAIN}", f"two.{DOMAIN}")
UNDECLARED_HOST = "other.example.test"
DOMAIN_PROVIDER = "Provider for Home"
APP_PROVIDER = "Provider for Media"

# nginx logs the outpost's 404 for a host it does not serve: the tests unbind one by hand.
EXPECTED_ERROR = "auth request unexpected status: 404"

TRAEFIK, NGINX = "traefik", "nginx"
CADDY_DEBIAN, CADDY_CURRENT = f"caddy-{DEBIAN}", f"caddy-{CURRENT}"
PROXIES = (TRAEFIK, NGINX, CADDY_DEBIAN, CADDY_CURRENT)
# What each proxy answers for a host none of its rendered blocks names (the harness's default).
NO_ROUTE = {
    TRAEFIK: 404,
    NGINX: NGINX_NO_SUCH_HOST,
    CADDY_DEBIAN: CADDY_NO_SUCH_HOST,
    CADDY_CURRENT: CADDY_NO_SUCH_HOST,
}


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class ProxyStack:
    """A running proxy (``url``) in front of ``fake``'s outpost and the two backends."""

    proxy: str
    fake: FakeAuthentik
    url: str
    backends: dict[str, Backend]
    workdir: Path
    outputs: list[str] = field(default_factory=list)

    def cli(self, *argv: str) -> Result:
        """``provision --config <workdir>/provision.yaml ARGV``, in-process, with its output."""
        config = str(self.workdir / "provision.yaml")
        environ = {**sops_environ(), "RUNTIME_DIRECTORY": str(self.workdir)}
        printed, logged = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(logged):
            code = main(["--config", config, *argv], environ)
        result = Result(code, printed.getvalue(), logged.getvalue())
        self.outputs += [result.out, result.err]
        return result

    def browser(self) -> Browser:
        return Browser(self.fake.url, via=self.url)

    def get(
        self, host: str, path: str = "/", headers: dict[str, str] | None = None
    ) -> requests.Response:
        """One anonymous GET through the proxy, redirects not followed."""
        sent = {"Host": host, **(headers or {})}
        return requests.get(self.url + path, headers=sent, allow_redirects=False, timeout=10)

    def seen(self) -> list[dict[str, Any]]:
        """Every request any backend saw since the last ``clear``."""
        return [record for backend in self.backends.values() for record in backend.seen]

    def clear(self) -> None:
        for backend in self.backends.values():
            backend.seen.clear()

    def api(self, method: str, path: str, body: Any = None) -> requests.Response:
        """One call to the fake's API as its superuser (changes made by hand)."""
        return requests.request(
            method,
            f"{self.fake.url}/api/v3/{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.fake.token}"},
            timeout=10,
        )


def sops_environ() -> dict[str, str]:
    """The environment in which sops finds the throw-away age key."""
    return {
        "PATH": f"{Path(find_tool('sops')).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SOPS_AGE_KEY_FILE": str(KEYS / "age-main.txt"),
        "HOME": os.environ.get("HOME", "/tmp"),
    }


def _encrypted_secrets(directory: Path) -> Path:
    """The token and secret key in a sops file, encrypted for the throw-away age key."""
    path = directory / "secrets.yaml"
    path.write_text(yaml.safe_dump({"AUTHENTIK_TOKEN": TOKEN, "AUTHENTIK_SECRET_KEY": SECRET_KEY}))
    recipient = age_public_key(KEYS / "age-main.txt")
    command = [find_tool("sops"), "--encrypt", "--age", recipient, "--in-place", str(path)]
    environ = {"PATH": os.environ.get("PATH", ""), "SOPS_DISABLE_VERSION_CHECK": "1"}
    subprocess.run(command, check=True, capture_output=True, env=environ)
    return path


def _document(
    fake: FakeAuthentik, backends: dict[str, Backend], port: int, secrets: Path
) -> dict[str, Any]:
    app = {
        "host": APP_HOST,
        "groups": [GROUP],
        "skip_path_regex": SKIP_PATH_REGEX,
        "backend": backends[APP_HOST].url,
    }
    domain = {
        "domain": DOMAIN,
        "auth_host": AUTH_HOST,
        "name": "Home",
        "groups": [FAMILY],
        "backend": backends[DOMAIN].url,
    }
    return {
        "authentik": {"url": fake.url, "timeout": 5},
        "secrets": {"sops_file": str(secrets)},
        "outpost": {"address": fake.url},
        "traefik": {"entrypoints": ["web"], "cert_resolver": None},
        "nginx": {"listen": f"127.0.0.1:{port}"},
        "caddy": {"auto_https": False, "port": port},
        "apps": [app],
        "domains": [domain],
    }


def _traefik(directory: Path, rendered: Path, port: int) -> contextlib.AbstractContextManager[Any]:
    return running_traefik(directory, rendered, ["web"])


Start = Callable[[Path, Path, int], contextlib.AbstractContextManager[Any]]
# Per proxy: ``provision render``'s argument, the rendered file's name, how to run it.
STARTS: dict[str, tuple[str, str, Start]] = {
    TRAEFIK: ("traefik", "dynamic.yaml", _traefik),
    NGINX: ("nginx", "authentik.conf", running_nginx),
    CADDY_DEBIAN: ("caddy", "authentik.caddy", partial(running_caddy, build=DEBIAN)),
    CADDY_CURRENT: ("caddy", "authentik.caddy", partial(running_caddy, build=CURRENT)),
}


def _proxy_url(proxy: str, running: Any) -> str:
    return str(running.url("web") if proxy == TRAEFIK else running.url)


@contextlib.contextmanager
def running_stack(proxy: str, version: str, directory: Path) -> Iterator[ProxyStack]:
    """The fake speaking ``version``, synced and rendered for ``proxy``, which then runs; its
    error log must stay empty (but for ``EXPECTED_ERROR``)."""
    kind, file_name, start = STARTS[proxy]
    port = free_port()
    with (
        FakeAuthentik(token=TOKEN, authentik_version=version) as fake,
        Backend(APP_HOST) as app,
        Backend(DOMAIN) as domain,
    ):
        fake.add_user(MEMBER, [GROUP, FAMILY], password=PASSWORD)
        fake.add_user(OUTSIDER, password=PASSWORD)
        backends = {APP_HOST: app, DOMAIN: domain}
        config = directory / "provision.yaml"
        document = _document(fake, backends, port, _encrypted_secrets(directory))
        config.write_text(yaml.safe_dump(document, sort_keys=False))
        stack = ProxyStack(proxy, fake, "", backends, directory)
        synced = stack.cli("sync")
        assert synced.code == 0, synced.out + synced.err
        rendered = directory / file_name
        made = stack.cli("render", kind, "-o", str(rendered))
        assert made.code == 0, made.err
        with start(directory, rendered, port) as running:
            stack.url = _proxy_url(proxy, running)
            yield stack
            assert [e for e in running.errors() if EXPECTED_ERROR not in e] == []
        printed = "\n".join(stack.outputs)
        assert TOKEN not in printed
        assert SECRET_KEY not in printed


# -- changes made by hand in the fake, undone on leaving -------------------------------------


def provider_named(stack: ProxyStack, name: str) -> dict[str, Any]:
    return next(p for p in stack.fake.state.proxy_providers() if p["name"] == name)


@contextlib.contextmanager
def skip_opens_root(stack: ProxyStack) -> Iterator[None]:
    """The app's provider skips every path (set on the provider: the config refuses it)."""
    path = f"providers/proxy/{provider_named(stack, APP_PROVIDER)['pk']}/"
    assert (
        stack.api("PATCH", path, {"mode": "forward_single", "skip_path_regex": "^/"}).status_code
        == 200
    )
    try:
        yield
    finally:
        assert (
            stack.api(
                "PATCH", path, {"mode": "forward_single", "skip_path_regex": SKIP_PATH_REGEX}
            ).status_code
            == 200
        )


@contextlib.contextmanager
def unbound(stack: ProxyStack) -> Iterator[None]:
    """The app's provider taken off the embedded outpost."""
    listed = list(stack.fake.state.embedded_outpost()["providers"])
    pk = provider_named(stack, APP_PROVIDER)["pk"]
    stack.fake.state.set_outpost_providers(p for p in listed if p != pk)
    try:
        yield
    finally:
        stack.fake.state.set_outpost_providers(listed)


@contextlib.contextmanager
def served_by_another_provider(stack: ProxyStack) -> Iterator[None]:
    """A provider made by hand for the app's host, first on the outpost: it serves the host."""
    listed = list(stack.fake.state.embedded_outpost()["providers"])
    other = stack.fake.state.add_proxy_provider("Made by hand", f"https://{APP_HOST}")
    stack.fake.state.add_application("Made by hand", "made-by-hand", provider=int(other["pk"]))
    stack.fake.state.set_outpost_providers([int(other["pk"]), *listed])
    try:
        yield
    finally:
        stack.fake.state.set_outpost_providers(listed)
        assert stack.api("DELETE", "core/applications/made-by-hand/").status_code == 204
        assert stack.api("DELETE", f"providers/proxy/{other['pk']}/").status_code == 204


@contextlib.contextmanager
def binding_deleted(stack: ProxyStack) -> Iterator[None]:
    """The app's group binding deleted: Authentik then lets every user in. A sync puts it back."""
    application = next(a for a in stack.fake.state.applications() if a["slug"] == "media")
    bindings = [b for b in stack.fake.state.policy_bindings() if b["target"] == application["pk"]]
    assert len(bindings) == 1, bindings
    assert stack.api("DELETE", f"policies/bindings/{bindings[0]['pk']}/").status_code == 204
    try:
        yield
    finally:
        synced = stack.cli("sync")
        assert synced.code == 0, synced.out + synced.err


BREAKAGES: dict[str, Callable[[ProxyStack], contextlib.AbstractContextManager[None]]] = {
    "unbound": unbound,
    "skip_opens_root": skip_opens_root,
    "other_provider": served_by_another_provider,
}


def broken(stack: ProxyStack, breakage: str) -> contextlib.AbstractContextManager[None]:
    return BREAKAGES[breakage](stack)
