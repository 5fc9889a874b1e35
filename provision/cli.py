"""Command line: parse, set up logging, run one command, map errors to sysexits codes.

Only argparse and the error tree are imported at start-up; each command imports what it
needs, so ``provision --version`` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from provision import __version__
from provision.errors import EX_SOFTWARE, EX_USAGE, ProvisionError
from provision.options import Output

log = logging.getLogger("provision")
OUTPUT_HELP = (
    "write the rendered file to PATH instead of stdout (the directory must exist); unlike"
    " the other commands' --output, a path, not a format"
)
OUTPUTS = [output.value for output in Output]
FORMAT_HELP = "text: lines for people (default); json: one JSON document on stdout, always"
DEMO_HELP = (
    "plan, sync, sync again (no change), plan --detailed-exitcode and verify against a"
    " bundled fake Authentik"
)
DEMO_DESCRIPTION = (
    DEMO_HELP[0].upper() + DEMO_HELP[1:] + ", in memory: the bundled example's apps, or with"
    " --config those of your file (the groups it names are created in the fake first)."
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EX_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="provision",
        description="Declare Authentik forward-auth hosts once; create, bind, render and"
        " verify them.",
        epilog="Exit codes: 0 ok, 2 changes pending (plan --detailed-exitcode), 64 usage,"
        " 65 cannot apply as given, 70 bug, 75 can heal (Authentik not ready/unreachable, run"
        " lock busy), 77 token rejected, 78 invalid config, secrets or authentik.url.",
    )
    parser.add_argument("--version", action="version", version=f"provision {__version__}")
    _global_options(parser)
    parser.set_defaults(config=None, log_format="text", verbose=0, quiet=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_GlobalsParser)
    sub.required = True
    _add_sync(sub)
    _add_plan(sub)
    _command(sub, "validate", "check config and secrets (decrypts; no network)")
    _add_render(sub)
    _add_doctor_verify(sub)
    _command(sub, "demo", DEMO_HELP, description=DEMO_DESCRIPTION)
    return parser


def _command(
    sub: argparse._SubParsersAction[_GlobalsParser], name: str, summary: str, **more: Any
) -> _GlobalsParser:
    """A command's parser; its ``--help`` opens with the summary the command list shows."""
    more.setdefault("description", summary[0].upper() + summary[1:] + ".")
    return sub.add_parser(name, help=summary, **more)


def _global_options(parser: argparse.ArgumentParser) -> None:
    """The options accepted before the command and, as people type them, after it too.

    Their defaults are set once on the top parser: an option not given after the command
    must not reset the one given before it.
    """
    keep = argparse.SUPPRESS
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=keep,
        help="config file (default: $PROVISION_CONFIG,"
        " ./provision.yaml, /etc/authentik-provision/provision.yaml)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=keep,
        help="stderr as 'level: message' lines (default) or one JSON record per line",
    )
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="count", default=keep, help="more log lines")
    verbosity.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=keep,
        help="only warnings and errors (no progress)",
    )


class _GlobalsParser(_Parser):
    """A command's parser: it also takes the global options."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _global_options(self)


def seconds(text: str) -> float:
    """A finite number of seconds, 0 or more (``--wait``)."""
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from exc
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds, >= 0")
    return value


def http_url(text: str) -> str:
    """An http(s) URL with a host (``verify --through``)."""
    parts = urlsplit(text)
    try:
        _ = parts.port
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} has an invalid port") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL")
    return text


def output_path(text: str) -> str:
    """A file ``render -o`` can create: its directory exists and it is not a directory."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory; give a file name")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"the directory of {text!r} does not exist")
    return text


def _add_sync(sub: argparse._SubParsersAction[_GlobalsParser]) -> None:
    sync = _command(sub, "sync", "plan, print the plan, apply it and verify the outpost binding")
    _plan_options(sync)
    sync.add_argument("--force", action="store_true", help="allow plans over the safety limit")
    sync.add_argument(
        "--wait",
        type=seconds,
        metavar="SECONDS",
        default=None,
        help="wait up to SECONDS for Authentik to be ready (default: authentik.wait)",
    )
    sync.add_argument(
        "--verify",
        action="store_true",
        help="afterwards, check each host at the outpost and who may enter (as verify --access)",
    )
    sync.add_argument(
        "--verify-wait",
        type=float,
        metavar="SECONDS",
        default=None,
        help="with --verify, poll hosts bound in this run up to SECONDS until the outpost"
        " serves them (default: outpost.refresh_wait)",
    )


def _add_plan(sub: argparse._SubParsersAction[_GlobalsParser]) -> None:
    plan = _command(sub, "plan", "show what sync would change; writes nothing")
    _plan_options(plan)
    plan.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 2 when changes are pending, 0 when there are none",
    )


def _plan_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prune", action="store_true", help="delete owned objects no longer declared"
    )
    parser.add_argument("--adopt", action="store_true", help="take over unowned objects in the way")
    parser.add_argument("--output", choices=OUTPUTS, default="text", help=FORMAT_HELP)


def _add_render(sub: argparse._SubParsersAction[_GlobalsParser]) -> None:
    render = _command(
        sub, "render", "render Traefik, nginx or Caddy config, or an Authentik blueprint"
    )
    what = render.add_subparsers(dest="what", metavar="WHAT", parser_class=_GlobalsParser)
    what.required = True
    traefik = _command(what, "traefik", "Traefik v3 dynamic config (file provider)")
    traefik.add_argument("--format", choices=("yaml", "json"), default="yaml")
    traefik.add_argument("-o", "--output", type=output_path, metavar="PATH", help=OUTPUT_HELP)
    for name, text in (("nginx", "server blocks for nginx (auth_request)"), ("caddy", "Caddyfile")):
        proxy = _command(what, name, text)
        proxy.add_argument("-o", "--output", type=output_path, metavar="PATH", help=OUTPUT_HELP)
    blueprint = _command(what, "blueprint", "an Authentik blueprint with the same end state")
    blueprint.add_argument("-o", "--output", type=output_path, metavar="PATH", help=OUTPUT_HELP)


def _add_doctor_verify(sub: argparse._SubParsersAction[_GlobalsParser]) -> None:
    doctor = _command(sub, "doctor", "diagnose the set-up, one ok / warn / FAIL line per check")
    doctor.add_argument("--output", choices=OUTPUTS, default="text", help=FORMAT_HELP)
    verify = _command(
        sub,
        "verify",
        "prove each host demands a login (--access: and who may enter)",
        description="Ask the outpost (and with --through the proxy) about each declared host"
        " anonymously: a login redirect naming the host's own provider (its client_id) is"
        " protected. The API token is needed to read the providers; it is never sent to the"
        " outpost or the proxy.",
    )
    verify.add_argument(
        "--through",
        type=http_url,
        metavar="URL",
        help="also ask through the reverse proxy at URL",
    )
    verify.add_argument(
        "--access",
        action="store_true",
        help="also ask Authentik's policy engine (check_access, read-only) that a member of"
        " each declared group may enter and up to three other users may not",
    )
    verify.add_argument("--output", choices=OUTPUTS, default="text", help=FORMAT_HELP)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the CLI; ``environ`` replaces os.environ for config, secrets and the lock."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (64)
        return exc.code if isinstance(exc.code, int) else 0
    from provision.logs import setup_logging

    setup_logging(args.log_format, verbose=args.verbose, quiet=args.quiet)
    try:
        return _dispatch(args, os.environ if environ is None else environ)
    except ProvisionError as exc:
        # One record per problem, so each line of several says ``error:`` as the first does.
        for line in str(exc).splitlines() or [type(exc).__name__]:
            log.error("%s", line)
        return exc.exit_code
    except KeyboardInterrupt:
        log.error("interrupted")
        return 130
    except Exception:
        log.exception("internal error (a bug in provision; please report it with this traceback)")
        return EX_SOFTWARE


def _dispatch(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    if args.command == "demo":
        from provision.demo import run_demo

        return run_demo(main, args.config)
    from provision import commands

    handlers: dict[str, Callable[[Any, Mapping[str, str]], int]] = {
        "sync": commands.sync,
        "plan": commands.plan,
        "validate": commands.validate,
        "render": commands.render,
        "doctor": commands.doctor,
        "verify": commands.verify,
    }
    return handlers[args.command](command_options(args), environ)


def command_options(args: argparse.Namespace) -> object:
    """The parsed arguments as the command's plain options: no Namespace goes further."""
    from provision import options as o

    config, command = args.config, args.command
    if command in ("plan", "sync"):
        planned = {"config": config, "prune": args.prune, "adopt": args.adopt}
        if command == "plan":
            return o.PlanOptions(
                **planned, output=Output(args.output), detailed_exitcode=args.detailed_exitcode
            )
        return o.SyncOptions(
            **planned,
            output=Output(args.output),
            force=args.force,
            wait=args.wait,
            verify=args.verify,
            verify_wait=args.verify_wait,
        )
    if command == "render":
        fmt = getattr(args, "format", "yaml")  # only traefik has --format
        return o.RenderOptions(args.what, config=config, format=fmt, output=args.output)
    if command == "doctor":
        return o.DoctorOptions(config=config, output=Output(args.output))
    if command == "verify":
        return o.VerifyOptions(
            config, through=args.through, access=args.access, output=Output(args.output)
        )
    return o.ValidateOptions(config=config)
