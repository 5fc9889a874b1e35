"""The HTML pages the fake answers outside the JSON API, shaped like Authentik's own."""

from __future__ import annotations

import html
import uuid
from collections.abc import Mapping
from http import HTTPStatus

# Authentik's "Not Found" page: what an unknown path, a missing trailing slash or a host the
# embedded outpost does not serve falls through to.
_NOT_FOUND_LINES = (
    "",
    "",
    "",
    "",
    "<!DOCTYPE html>",
    "",
    "<html>",
    "    <head>",
    '        <meta charset="UTF-8">',
    '        <meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">',
    " " * 8,
    '        <meta name="darkreader-lock">',
    "        <title>",
    "authentik",
    "</title>",
    '        <link rel="icon" href="/static/dist/assets/icons/icon.png">',
    '        <link rel="shortcut icon" href="/static/dist/assets/icons/icon.png">',
    " " * 8,
    '<link rel="prefetch" href="/static/dist/assets/images/flow_background.jpg" />',
    '<link rel="stylesheet" type="text/css" href="/static/dist/patternfly.min.css">',
    '<link rel="stylesheet" type="text/css" href="/static/dist/theme-dark.css" '
    'media="(prefers-color-scheme: dark)">',
    "",
    "",
    "",
    "<script>",
    "    window.authentik = {",
    '        locale: "en",',
    "        config: JSON.parse(''),",
    "        brand: JSON.parse(''),",
    '        versionFamily: "",',
    '        versionSubdomain: "",',
    '        build: "",',
    "        api: {",
    '            base: "",',
    '            relBase: "",',
    "        },",
    "    };",
    '    window.addEventListener("DOMContentLoaded", function () {',
    " " * 8,
    "    });",
    "</script>",
    "",
    "",
    "",
    " " * 8,
    '  <meta name="color-scheme" content="light dark" />',
    '  <meta name="theme-color" content="#ffffff" media="(prefers-color-scheme: light)">',
    '  <meta name="theme-color" content="#18191a" media="(prefers-color-scheme: dark)">',
    "",
    "",
    "",
    '        <link rel="stylesheet" type="text/css" href="/static/dist/authentik.css">',
    "",
    "        <style></style>",
    '        <script src="/static/dist/poly-2025.10.3.js" type="module"></script>',
    '        <script src="/static/dist/standalone/loading/index-2025.10.3.js" '
    'type="module"></script>',
    " " * 8,
    "<style>",
    ":root {",
    '    --ak-flow-background: url("/static/dist/assets/images/flow_background.jpg");',
    "    --pf-c-background-image--BackgroundImage: var(--ak-flow-background);",
    "    --pf-c-background-image--BackgroundImage-2x: var(--ak-flow-background);",
    "    --pf-c-background-image--BackgroundImage--sm: var(--ak-flow-background);",
    "    --pf-c-background-image--BackgroundImage--sm-2x: var(--ak-flow-background);",
    "    --pf-c-background-image--BackgroundImage-lg: var(--ak-flow-background);",
    "}",
    "</style>",
    "    </head>",
    "    <body>",
    '        <div class="pf-c-background-image"></div>',
    '        <div class="pf-c-page">',
    '            <div class="pf-c-login">',
    '                <div class="pf-c-login__container">',
    '                    <main class="pf-c-login__main">',
    '                        <header class="pf-c-login__main-header">',
    '                            <h1 class="pf-c-title pf-m-3xl">Not Found</h1>',
    "                        </header>",
    '                        <div class="pf-c-login__main-body">',
    "                            <p>The requested URL was not found on this server.</p>",
    '                            <a href="/" class="pf-c-button pf-m-primary">Go home</a>',
    "                        </div>",
    "                    </main>",
    "                </div>",
    "            </div>",
    "        </div>",
    "    </body>",
    "</html>",
    "",
)
NOT_FOUND_PAGE = "\n".join(_NOT_FOUND_LINES)
# The closing lines, the same on every recorded release (2024.12.5's page borrows them).
NOT_FOUND_TAIL = _NOT_FOUND_LINES[-23:]


def not_found_headers() -> dict[str, str]:
    """The headers Django answers its "Not Found" page with (file 13; both Vary lines in one)."""
    return {
        "content-language": "en",
        "content-type": "text/html; charset=utf-8",
        "referrer-policy": "same-origin",
        "vary": "Accept-Encoding, Accept-Language, Cookie",
        "x-authentik-id": uuid.uuid4().hex,
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "x-powered-by": "authentik",
    }


def unlocalized(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` of a server without language negotiation: no ``Content-Language``, and no
    ``Accept-Language`` in ``Vary`` (2024.12.5)."""
    kept = {k: v for k, v in headers.items() if k != "content-language"}
    if "vary" in kept:
        lines = [
            ", ".join(v for v in line.split(", ") if v.strip() != "Accept-Language")
            for line in kept["vary"].split("\n")
        ]
        kept["vary"] = "\n".join(line for line in lines if line)
    return kept


def proxy_error_body(status: int) -> str:
    """The plain-text body a reverse proxy in front of Authentik answers errors with."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def redirect_page(location: str, status: int) -> str:
    """The little body Go's http.Redirect (the outpost) writes under a redirect."""
    return f'<a href="{html.escape(location)}">{HTTPStatus(status).phrase}</a>.\n\n'
