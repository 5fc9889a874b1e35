"""nginx ``server`` blocks (one file, for ``include`` in the http block) per declared host.

Each host asks the outpost with ``auth_request`` (``/outpost.goauthentik.io/auth/nginx``
answers 401 when nobody is logged in; nginx then redirects to the outpost's ``start``), copies
the identity headers onto the backend request, and routes ``/outpost.goauthentik.io/`` to the
outpost (docs/proxies.md). A domain gets a block for its auth host and one for every host under it
(``server_name .example.com``: nginx prefers a declared host's exact name to it).
"""

from __future__ import annotations

import logging

from provision.errors import ConfigError
from provision.model import DesiredApp, DesiredState
from provision.render.forward_auth import (
    AUTH_RESPONSE_HEADERS,
    FORWARDING_HEADERS,
    OUTPOST_PATH_PREFIX,
    nginx_string,
    unquotable,
    unsafe_url,
)
from provision.settings import NginxSettings, Settings
from provision.terms import NGINX_AUTH_PATH, START_PATH

log = logging.getLogger(__name__)

SIGNIN_LOCATION = "@goauthentik_proxy_signin"
# Debian's and most distributions' bundle; authentik.ca_bundle replaces it.
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# Strips every client-sent X-authentik-* header, whatever its case (headers-more module).
CLEAR_CLIENT_HEADERS = 'more_clear_input_headers "X-authentik-*";'
# The host as the client named it, port included; HTTP/3 (and an absolute request line) names it
# without a Host header, where only $host has it.
REQUEST_HOST = "$authentik_request_host"
CONNECTION_UPGRADE = "$authentik_connection_upgrade"
# What the auth request tells the outpost, in nginx's own values only.
OUTPOST_REQUEST_HEADERS = {
    "Host": "$host",
    "X-Forwarded-Host": "$host",
    "X-Forwarded-Proto": "$scheme",
    "X-Forwarded-For": "$proxy_add_x_forwarded_for",
    "X-Original-URL": f"$scheme://{REQUEST_HOST}$request_uri",
}

_HEADER = """\
# nginx server blocks for the hosts in provision.yaml, rendered by `provision render nginx`.
# Include this file in nginx's http block (e.g. as /etc/nginx/conf.d/authentik.conf).
# Edit provision.yaml and render again rather than editing this file.
# Needs the auth_request module{more}.
# TLS is yours to add: a `listen 443 ssl;` with ssl_certificate/ssl_certificate_key in each
# server (nginx.listen sets the plain listen line), or a TLS-terminating proxy in front.
# Header names with underscores (X_authentik_username) must stay dropped: keep nginx's
# defaults `underscores_in_headers off; ignore_invalid_headers on;` in the default server.
"""
_MAPS = """
# WebSocket upgrades reach the backends (Sonarr, Jellyfin, Home Assistant need them); other
# requests keep the upstream connection reusable.
map $http_upgrade $authentik_connection_upgrade {
    default upgrade;
    '' '';
}
# HTTP/3 sends the host as :authority, without a Host header: fall back to $host.
map $http_host $authentik_request_host {
    '' $host;
    default $http_host;
}
"""
_MORE = (
    " and the headers-more module\n# (Debian: libnginx-mod-http-headers-more-filter;\n"
    "# NixOS: services.nginx.additionalModules = [ pkgs.nginxModules.moreheaders ])"
)


def render_nginx(settings: Settings, desired: DesiredState) -> str:
    """The whole file: a comment header and one ``server`` block per host."""
    nginx = settings.nginx
    address = settings.outpost.address.rstrip("/")
    problems = [p for p in _problems(address, desired, settings) if p]
    if problems:
        raise ConfigError(problems)
    tls = _outpost_tls(settings) if address.startswith("https://") else []
    blocks = [_server(app, app.host, address, nginx, tls) for app in desired.targets]
    blocks += [_server(d, f".{d.cookie_domain}", address, nginx, tls) for d in desired.domains]
    log.debug("rendered %d nginx server blocks", len(blocks))
    header = _HEADER.format(more=_MORE if nginx.headers_more else "")
    if not nginx.headers_more:
        header += (
            "# nginx.headers_more is false: only the outpost's own header names are cleared;\n"
            "# any other client-sent X-authentik-* header reaches the backends.\n"
        )
    return header + _MAPS + "".join(f"\n{block}" for block in blocks)


def _problems(address: str, desired: DesiredState, settings: Settings) -> list[str | None]:
    found = [unsafe_url("outpost.address", address)]
    if settings.authentik.ca_bundle is not None:
        found.append(unquotable("authentik.ca_bundle", str(settings.authentik.ca_bundle)))
    for section, targets in (("apps", desired.apps), ("domains", desired.domains)):
        for index, app in enumerate(targets):
            if app.backend is not None:
                found.append(unsafe_url(f"{section}[{index}].backend", app.backend))
    return found


def _variable(header: str) -> str:
    return "$" + header.lower().replace("-", "_")


def _outpost_tls(settings: Settings) -> list[str]:
    # nginx does not verify an https upstream unless told to; the tool never skips TLS checks.
    # A path is quoted: whatever its characters, it stays one argument of one directive.
    bundle = settings.authentik.ca_bundle
    ca = nginx_string(str(bundle) if bundle else SYSTEM_CA_BUNDLE)
    return [
        "        proxy_ssl_server_name on;",
        "        proxy_ssl_verify on;",
        f"        proxy_ssl_trusted_certificate {ca};",
    ]


def _server(
    app: DesiredApp, server_name: str, address: str, nginx: NginxSettings, tls: list[str]
) -> str:
    lines = [
        "server {",
        f"    listen {nginx.listen};",
        f"    server_name {server_name};",
        "    underscores_in_headers off;",
        "    ignore_invalid_headers on;",
        "    # The outpost's answer carries a JWT and the groups: more than nginx's 4k default.",
        "    proxy_buffers 8 16k;",
        "    proxy_buffer_size 32k;",
    ]
    if nginx.headers_more:
        lines.append(f"    {CLEAR_CLIENT_HEADERS}")
    outpost = _outpost_location(address, tls)
    lines += ["", *outpost, "", *_signin_location(), "", *_app_location(app)]
    return "\n".join([*lines, "}", ""])


def _outpost_location(address: str, tls: list[str]) -> list[str]:
    return [
        "    # The outpost's own paths (login start, callback, sign-out) and the auth_request.",
        f"    location {OUTPOST_PATH_PREFIX} {{",
        f"        proxy_pass {address};",
        *tls,
        "        # The outpost's redirects point at Authentik itself: pass them on unchanged.",
        "        proxy_redirect off;",
        "        # The outpost picks the provider by this host and checks this URL; a client's",
        "        # forwarding header would win over ours (X-Original-URI over X-Original-URL):",
        "        # nginx sends none of them but its own.",
        *_outpost_request_headers(),
        "        proxy_pass_request_body off;",
        '        proxy_set_header Content-Length "";',
        "    }",
    ]


def _outpost_request_headers() -> list[str]:
    cleared = {h: '""' for h in FORWARDING_HEADERS if h not in OUTPOST_REQUEST_HEADERS}
    headers = OUTPOST_REQUEST_HEADERS | cleared
    return [f"        proxy_set_header {name} {value};" for name, value in headers.items()]


def _signin_location() -> list[str]:
    rd = f"$scheme://{REQUEST_HOST}$request_uri"
    return [
        "    # The outpost answers 401 to anonymous requests: send them to its login start.",
        f"    location {SIGNIN_LOCATION} {{",
        "        internal;",
        "        add_header Set-Cookie $authentik_cookie;",
        f"        return 302 $scheme://{REQUEST_HOST}{START_PATH}?rd={rd};",
        "    }",
    ]


def _app_location(app: DesiredApp) -> list[str]:
    lines = [
        "    location / {",
        f"        auth_request {NGINX_AUTH_PATH};",
        f"        error_page 401 = {SIGNIN_LOCATION};",
        "        auth_request_set $authentik_cookie $upstream_http_set_cookie;",
        "        add_header Set-Cookie $authentik_cookie;",
        "        # Only the outpost's values reach the backend; an empty one removes the header.",
    ]
    for header in AUTH_RESPONSE_HEADERS:
        variable = _variable(header)
        lines.append(f"        auth_request_set {variable} $upstream_http_{variable[1:]};")
        lines.append(f"        proxy_set_header {header} {variable};")
    lines += [
        f"        proxy_set_header Host {REQUEST_HOST};",
        f"        proxy_set_header X-Forwarded-Host {REQUEST_HOST};",
        "        proxy_set_header X-Forwarded-Proto $scheme;",
        "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "        # WebSockets: HTTP/1.1 and the client's Upgrade, hop by hop.",
        "        proxy_http_version 1.1;",
        "        proxy_set_header Upgrade $http_upgrade;",
        f"        proxy_set_header Connection {CONNECTION_UPGRADE};",
    ]
    if app.backend is not None:
        lines.append(f"        proxy_pass {app.backend};")
    else:
        what = "domain" if app.is_domain else "app"
        lines += [
            f"        # PLACEHOLDER: this {what} has no `backend` in provision.yaml. Set it and"
            " render",
            "        # again, or replace the next line with `proxy_pass http://<your app>;`.",
            "        return 503;",
        ]
    return [*lines, "    }"]
