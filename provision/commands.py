"""The commands behind the CLI: each takes its options and the environment, returns an exit code."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from provision.loading import connect, load, load_secrets
from provision.options import (
    DoctorOptions,
    Output,
    PlanOptions,
    RenderOptions,
    SyncOptions,
    ValidateOptions,
    VerifyOptions,
)
from provision.output import Document, out, reported

if TYPE_CHECKING:
    from provision.authentik import AuthentikClient
    from provision.changes import Change
    from provision.config import Config
    from provision.plan import Plan
    from provision.progress import ApplyProgress

log = logging.getLogger(__name__)
EX_CHANGES = 2


def make_plan(options: PlanOptions | SyncOptions, config: Config, client: AuthentikClient) -> Plan:
    from provision.observe import observe
    from provision.planner import plan
    from provision.report import counted

    before = client.request_count
    actual = observe(client, config.desired.outpost_managed)
    log.info(
        "read %s, %s and the embedded outpost in %s",
        counted(len(actual.providers), "proxy provider"),
        counted(len(actual.applications), "application"),
        counted(client.request_count - before, "request"),
    )
    return plan(config.desired, actual, prune=options.prune, adopt=options.adopt)


def _show_plan(output: Output, config: Config, plan: Plan, document: Document) -> None:
    """The plan: printed as text, or put in the run's JSON ``document``."""
    from provision.report import plan_json, plan_text

    apps = config.desired.targets
    if output == Output.JSON:
        document["plan"] = plan_json(plan, apps)
    else:
        out(plan_text(plan, apps, colour=sys.stdout.isatty()))


def plan(options: PlanOptions, environ: Mapping[str, str]) -> int:
    return reported(options.output, lambda document: _plan(options, environ, document))


def _plan(options: PlanOptions, environ: Mapping[str, str], document: Document) -> int:
    config = load(options.config, environ)
    client = connect(config, load_secrets(config, environ))
    result = make_plan(options, config, client)
    _show_plan(options.output, config, result, document)
    return EX_CHANGES if options.detailed_exitcode and not result.empty else 0


def sync(options: SyncOptions, environ: Mapping[str, str]) -> int:
    return reported(options.output, lambda document: _sync(options, environ, document))


def _sync(options: SyncOptions, environ: Mapping[str, str], document: Document) -> int:
    from provision.apply import ApplyResult
    from provision.lock import lock_path, run_lock
    from provision.readiness import wait_until_ready
    from provision.report import applied_text, change_json

    config = load(options.config, environ)
    client = connect(config, load_secrets(config, environ))
    wait = config.settings.authentik.wait if options.wait is None else options.wait
    if wait > 0:
        wait_until_ready(client, wait, config)
    with run_lock(lock_path(environ)):
        result_plan = make_plan(options, config, client)
        # Shown before any refusal, so it can be reviewed (in JSON: even when refused).
        _show_plan(options.output, config, result_plan, document)
        result_plan.raise_if_unsafe(force=options.force)
        result = ApplyResult()
        if not result_plan.empty:
            result = _apply(options.output, result_plan, client, config, document)
    if options.output == Output.TEXT and not result_plan.empty:
        out(applied_text(result.applied, result.outpost_providers))
    document["applied"] = [change_json(c) for c in result.applied]
    if result.outpost_providers:
        document["outpost_providers"] = result.outpost_providers
    applied_plan = result_plan if result.applied else None
    code, verified = _verify_after_sync(options, config, client, applied_plan)
    document.update(verified)
    return code


def _apply(
    output: Output, result_plan: Plan, client: AuthentikClient, config: Config, document: Document
) -> Any:
    """Apply, stopping cleanly on SIGTERM (systemd's stop) or SIGINT: no write is started
    after the signal, and what was applied is reported either way."""
    import signal
    import threading

    from provision.apply import apply
    from provision.errors import EX_INTERRUPTED, EX_TERMINATED, ApplyFailedError

    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        received.append(signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    progress, on_change = _progress(result_plan)
    try:
        return apply(
            result_plan,
            client,
            concurrency=config.settings.authentik.concurrency,
            on_change=on_change,
            stop=stop,
            stop_code=lambda: EX_TERMINATED if signal.SIGTERM in received else EX_INTERRUPTED,
        )
    except ApplyFailedError as failed:
        progress.finish()
        _report_failure(output, failed, document)
        raise
    finally:
        progress.finish()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _progress(result_plan: Plan) -> tuple[ApplyProgress, Callable[[Change], None]]:
    """The apply's progress (``provision.progress``), and the callback told of each change."""
    from provision.progress import ApplyProgress
    from provision.report import writes_of

    total = sum(writes_of(change) for change in result_plan.changes)
    progress = ApplyProgress(total, sys.stderr, terminal=sys.stderr.isatty())

    def on_change(change: Change) -> None:
        log.debug("applied %s %s %s", change.action, change.kind, change.name)
        progress.wrote(writes_of(change))

    return progress, on_change


def _report_failure(output: Output, failed: Any, document: Document) -> None:
    """What landed before a failure: on stdout with the plan (the errors go to stderr)."""
    if output == Output.JSON:
        errors = [str(e) for e in failed.errors] or ["stopped by a signal"]
        document.update({"applied": failed.applied, "errors": errors})
        return
    lines = [f"Applied {len(failed.applied)} of {failed.planned} before the error:"]
    lines += [f"  {line}" for line in failed.applied] or ["  (nothing)"]
    out("\n".join(lines))


def _verify_after_sync(
    options: SyncOptions, config: Config, client: AuthentikClient, applied: Plan | None
) -> tuple[int, dict[str, Any]]:
    """``sync --verify``: each host at the outpost and who may enter, as ``verify --access``;
    the hosts this run bound are polled until the outpost serves them (``provision.refresh``)."""
    if not options.verify:
        return 0, {}
    from provision.check_access import check_apps_access
    from provision.declared_providers import read_declared_providers
    from provision.refresh import verify_after_binding
    from provision.verify import verify_exit_code, verify_report

    slugs = set(applied.newly_bound) if applied is not None else set()
    fresh = {t.host for t in config.desired.targets if t.slug in slugs}
    wait = options.verify_wait
    providers = read_declared_providers(client, config.desired.targets)  # as applied just now
    results = verify_after_binding(
        config, fresh, config.settings.outpost.refresh_wait if wait is None else wait, providers
    )
    access = check_apps_access(client, config.desired.targets)
    if options.output == Output.TEXT:
        out(verify_report(results, output=Output.TEXT, access=access))
    document = {"verify": [r.as_json() for r in results], "access": [a.as_json() for a in access]}
    return verify_exit_code(results, access), document


def validate(options: ValidateOptions, environ: Mapping[str, str]) -> int:
    config = load(options.config, environ)
    secrets = load_secrets(config, environ)
    apps = config.desired.apps
    from provision.report import access_lines

    declared = f"{len(apps)} app{'s' if len(apps) != 1 else ''}"
    if config.desired.domains:
        count = len(config.desired.domains)
        declared += f" and {count} domain{'s' if count != 1 else ''}"
    out(f"{config.path}: OK, {declared} declared")
    for line in access_lines(config.desired.targets):
        out(line)
    out(f"token: found ({secrets.token_source})")
    if secrets.secret_key is None:
        out("secret key: not checked (no sops file; the token came from outside it)")
    else:
        out(f"secret key: present and long enough ({secrets.secret_key_source})")
    return 0


def render(options: RenderOptions, environ: Mapping[str, str]) -> int:
    config = load(options.config, environ)
    if options.what == "traefik":
        from provision.render.traefik import render_traefik

        text = render_traefik(config.settings, config.desired, fmt=options.format)
    elif options.what == "nginx":
        from provision.render.nginx import render_nginx

        text = render_nginx(config.settings, config.desired)
    elif options.what == "caddy":
        from provision.render.caddy import render_caddy

        text = render_caddy(config.settings, config.desired)
    else:
        from provision.render.blueprint import render_blueprint

        text = render_blueprint(config.settings, config.desired)
    if options.output:
        from pathlib import Path

        from provision.errors import UsageError

        try:
            Path(options.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"-o {options.output}: cannot write it ({exc.strerror})") from None
        log.info("wrote %s", options.output)
    else:
        sys.stdout.write(text)
    return 0


def doctor(options: DoctorOptions, environ: Mapping[str, str]) -> int:
    from provision.doctor import run_doctor

    def run(document: Document) -> int:
        return run_doctor(options.config, environ, options.output, document)

    return reported(options.output, run)


def verify(options: VerifyOptions, environ: Mapping[str, str]) -> int:
    """Each host's login redirect must name its provider: the token reads the providers (and,
    with ``--access``, asks check_access); the outpost and the proxy are asked anonymously."""
    return reported(options.output, lambda document: _verify(options, environ, document))


def _verify(options: VerifyOptions, environ: Mapping[str, str], document: Document) -> int:
    from provision.declared_providers import read_declared_providers
    from provision.verify import verify_exit_code, verify_hosts, verify_json, verify_report

    config = load(options.config, environ)
    access = None
    with connect(config, load_secrets(config, environ)) as client:
        providers = read_declared_providers(client, config.desired.targets)
        if options.access:
            from provision.check_access import check_apps_access

            access = check_apps_access(client, config.desired.targets)
    results = verify_hosts(config, providers, through=options.through)
    if options.output == Output.JSON:
        document.update(verify_json(results, access))
    else:
        out(verify_report(results, output=options.output, access=access))
    return verify_exit_code(results, access or ())
