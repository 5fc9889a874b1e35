"""The HTML pages of a login: the flow interface, "Permission denied", and a bad request.

Authentik renders them all from the same base template as its "Not Found" page, so each is
the release's not-found page with its own title and body (the recorded "Permission denied"
pages match it character for character as far as the recordings keep them, transcript 13).
"""

from __future__ import annotations

import html

from .store import Record
from .versions import AuthentikVersion

_TITLE = "<title>\nauthentik\n</title>"
_LOADED = 'window.addEventListener("DOMContentLoaded", function () {\n        \n    });'
# Django's message of the login that just happened, shown by 2024.12.5's "Permission denied".
_LOGGED_IN_MESSAGE = (
    "        window.dispatchEvent(",
    '            new CustomEvent("ak-message", {',
    "                bubbles: true,",
    "                composed: true,",
    "                detail: {",
    '                    level: "success",',
    '                    message: "Successfully logged in!",',
    "                },",
    "            }),",
    "        );",
)


def _page(version: AuthentikVersion, title: str, body: str) -> str:
    base = version.not_found_page.replace(_TITLE, f"<title>\n{html.escape(title)}\n</title>", 1)
    start = base.index("<body>") + len("<body>")
    return f"{base[:start]}\n{body}\n    {base[base.index('</body>') :]}"


def flow_interface(version: AuthentikVersion, flow: Record) -> str:
    """``/if/flow/<slug>/``: the shell whose script runs the flow executor."""
    title = f"{flow['title']} - authentik"
    body = f'        <ak-flow-executor flowSlug="{html.escape(flow["slug"])}"></ak-flow-executor>'
    return _page(version, title, body)


def permission_denied(version: AuthentikVersion, username: str) -> str:
    """The authorize endpoint's answer to a user the application's policies refuse."""
    go_home = '<a href="/" class="pf-c-button pf-m-primary">Go home</a>'
    lines = (
        '        <main class="pf-c-login__main">',
        '            <h1 class="pf-c-title pf-m-3xl">Permission denied</h1>',
        f"            <p>{html.escape(username)}"
        ' <a href="/flows/-/default/invalidation/">Not you?</a></p>',
        '            <p><i class="pf-icon pf-icon-error-circle-o"></i>'
        " Request has been denied.</p>",
        f"            {go_home if version.login.denied_go_home else ''}",
        "        </main>",
        '        <footer class="pf-c-login__footer">Powered by authentik</footer>',
    )
    page = _page(version, "Permission denied - authentik", "\n".join(lines))
    if not version.login.denied_shows_login_message:
        return page
    message = "\n".join(_LOGGED_IN_MESSAGE)
    loaded = _LOADED.replace("\n        \n", f"\n        \n{message}\n        \n", 1)
    return page.replace(_LOADED, loaded, 1)


def bad_request(version: AuthentikVersion, title: str, message: str) -> str:
    """Authentik's error page (``bad_request_message``): a title and one sentence."""
    lines = (
        '        <main class="pf-c-login__main">',
        f'            <h1 class="pf-c-title pf-m-3xl">{html.escape(title)}</h1>',
        f"            <p>{html.escape(message)}</p>",
        "        </main>",
    )
    return _page(version, f"{title} - authentik", "\n".join(lines))
