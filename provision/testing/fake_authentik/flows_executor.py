"""The flow executor API, ``/api/v3/flows/executor/<slug>/?query=…``, as a browser drives it.

The default authentication flow runs its stages in the recorded order (transcript 13):
identification (``ak-stage-identification``; a name no user has goes on too, as the stage
pretends every user exists), password (``ak-stage-password``; a wrong one answers the same
challenge with ``response_errors``), the MFA check (nothing configured: skipped by a 302), and
the login itself, whose answer is ``xak-flow-redirect`` to ``next`` with the device and CSRF
cookies. Each accepted answer is a 302 back to the executor. The executor is reached with the
``authentik_session`` cookie, never an API token. A browser already logged in finishes an
authentication flow at once (such flows require an anonymous user); other flows have no
stages here and finish at once too.

Inactive users never get past the password stage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from . import browser_sessions, seed, serializers
from .api_users import check_password
from .browser_sessions import VARY, VARY_AFTER_LOGIN, page_headers
from .routing import ApiResponse, Incoming, detail, method_not_allowed
from .store import Record, Store

EXECUTOR = re.compile(r"^/api/v3/flows/executor/(?P<slug>[^/]+)/$")
JSON = "application/json"
HTML = "text/html; charset=utf-8"
ALLOW = "GET, POST, HEAD, OPTIONS"
IDENTIFICATION = "ak-stage-identification"
PASSWORD = "ak-stage-password"
STAGES = ("identification", "password", "mfa", "login")


class Run:
    """One executor request: the flow, the browser's session and the query it carries."""

    def __init__(self, store: Store, incoming: Incoming, flow: Record) -> None:
        self.store = store
        self.flow = flow
        self.query = incoming.query.get("query", "")
        self.key, self.session = browser_sessions.open_session(store, incoming.headers)
        self.body: Mapping[str, Any] = {}

    @property
    def next_url(self) -> str:
        """Where the flow sends the browser when done: a path on this server, else ``/``."""
        found = parse_qs(self.query).get("next", [""])[0]
        return found if found.startswith("/") and not found.startswith("//") else "/"

    def answer(
        self,
        status: int,
        body: Any = None,
        *,
        location: str | None = None,
        extra: tuple[str, ...] = (),
    ) -> ApiResponse:
        content_type = JSON if body is not None else HTML
        cookies = [*extra, browser_sessions.session_cookie(self.key)]
        vary = VARY_AFTER_LOGIN if extra else VARY
        headers = page_headers(
            content_type, location=location, cookies=cookies, frame="SAMEORIGIN", vary=vary
        )
        return ApiResponse(status, body, {"allow": ALLOW, **headers})

    def back_to_executor(self) -> ApiResponse:
        """The 302 after an accepted answer: the executor again, with the same query."""
        location = f"/api/v3/flows/executor/{self.flow['slug']}/?{urlencode({'query': self.query})}"
        return self.answer(302, location=location)

    def done(self, extra: tuple[str, ...] = ()) -> ApiResponse:
        self.session["flow"] = None
        return self.answer(
            200, {"component": "xak-flow-redirect", "to": self.next_url}, extra=extra
        )


def answer(store: Store, incoming: Incoming, slug: str) -> ApiResponse:
    """Answer one executor request for the flow ``slug``."""
    flow = next((f for f in store.flows.values() if f["slug"] == slug), None)
    if flow is None:
        return detail(404, "No Flow matches the given query.")
    method = "GET" if incoming.method == "HEAD" else incoming.method
    if method == "OPTIONS":
        return ApiResponse(200, {}, {"allow": ALLOW})
    if method not in ("GET", "POST"):
        return method_not_allowed(incoming.method)
    run = Run(store, incoming, flow)
    if method == "POST":
        run.body = _json_object(incoming.raw_body)
    if flow["designation"] != "authentication":
        return run.done()
    if browser_sessions.logged_in_user(store, run.session) is not None:
        return run.done()
    if run.session["flow"] is None or run.session["flow"]["slug"] != slug:
        run.session["flow"] = {"slug": slug, "stage": STAGES[0], "user": None, "uid": ""}
    return _stage(run, method)


def _json_object(raw: bytes) -> Mapping[str, Any]:
    try:
        parsed = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _stage(run: Run, method: str) -> ApiResponse:
    stage = run.session["flow"]["stage"]
    if stage == "identification":
        return _identify(run) if method == "POST" else _identification(run)
    if stage == "password":
        return _check_password(run) if method == "POST" else _password(run)
    if stage == "mfa":  # no authenticator configured: the stage lets the browser through
        _advance(run)
        return run.back_to_executor()
    return _log_in(run)


def _advance(run: Run, **changes: Any) -> None:
    plan = run.session["flow"]
    plan.update(changes)
    plan["stage"] = STAGES[STAGES.index(plan["stage"]) + 1]


def _flow_info(run: Run) -> Record:
    info: Record = {"title": run.flow["title"], "background": run.flow["background"]}
    cancel = "/flows/-/cancel/"
    if run.store.version.login.themed_flow_info:
        info["background_themed_urls"] = None
        if run.next_url != "/":
            cancel += f"?{urlencode({'next': run.next_url})}"
    return info | {"cancel_url": cancel, "layout": run.flow["layout"]}


def _application(run: Run) -> Record | None:
    """The application whose authorize URL ``next`` is, if any (named on the login page)."""
    query = parse_qs(urlsplit(run.next_url).query)
    client_id = query.get("client_id", [""])[0]
    provider = next((p for p in run.store.providers.values() if p["client_id"] == client_id), None)
    return run.store.application_of(provider["pk"]) if provider is not None else None


def _identification(run: Run, errors: Record | None = None) -> ApiResponse:
    extras = run.store.version.login.identification_extras
    body: Record = {"flow_info": _flow_info(run), "component": IDENTIFICATION}
    if errors:
        body["response_errors"] = errors
    body["user_fields"] = ["email", "username"]
    body |= {"pending_user_identifier": None} if extras else {}
    body |= {"password_fields": False, "allow_show_password": False}
    application = _application(run)
    if application is not None:
        body["application_pre"] = application["name"]
        if extras:
            launch = serializers.application(run.store, application)["launch_url"]
            body["application_pre_launch"] = launch
    body |= {"flow_designation": "authentication", "captcha_stage": None}
    body |= {"primary_action": "Log in", "sources": [], "show_source_labels": False}
    body |= {"enable_remember_me": False} if run.store.version.login.remember_me else {}
    body |= {"passkey_challenge": None} if extras else {}
    return run.answer(200, body)


def _required(field: str) -> Record:
    return {field: [{"string": "This field is required.", "code": "required"}]}


def _identify(run: Run) -> ApiResponse:
    uid = run.body.get("uid_field")
    if not isinstance(uid, str) or not uid.strip():
        return _identification(run, _required("uid_field"))
    uid = uid.strip()
    user = next(
        (
            u
            for u in run.store.users.values()
            if uid.lower() in (u["username"].lower(), (u["email"] or "").lower())
        ),
        None,
    )
    _advance(run, user=user["pk"] if user else None, uid=uid)
    return run.back_to_executor()


def _pending_user(run: Run) -> Record | None:
    pk = run.session["flow"]["user"]
    return run.store.users.get(pk) if pk is not None else None


def _password(run: Run, errors: Record | None = None) -> ApiResponse:
    user = _pending_user(run)
    body: Record = {"flow_info": _flow_info(run), "component": PASSWORD}
    if errors:
        body["response_errors"] = errors
    body["pending_user"] = user["username"] if user else run.session["flow"]["uid"]
    body |= {"pending_user_avatar": seed.AVATAR, "allow_show_password": False}
    return run.answer(200, body)


def _check_password(run: Run) -> ApiResponse:
    password = run.body.get("password")
    if not isinstance(password, str) or not password:
        return _password(run, _required("password"))
    user = _pending_user(run)
    if user is None or not user["is_active"] or not check_password(user, password):
        return _password(run, {"password": [{"string": "Invalid password", "code": "invalid"}]})
    _advance(run)
    return run.back_to_executor()


def _log_in(run: Run) -> ApiResponse:
    user_pk = run.session["flow"]["user"]
    run.key = browser_sessions.log_in(run.store, run.key, user_pk)
    device = browser_sessions.lasting_cookie(
        browser_sessions.DEVICE_COOKIE, browser_sessions.DEVICE_MAX_AGE
    )
    csrf = browser_sessions.lasting_cookie(
        browser_sessions.CSRF_COOKIE, browser_sessions.CSRF_MAX_AGE
    )
    if not run.store.version.login.device_cookie:
        return run.done(extra=(csrf,))
    return run.done(extra=(device, csrf))
