"""Command line: parse, set up logging, run one command, map errors to sysexits codes.

Only argparse and the error tree are imported at start-up; each command imports what it
needs, so ``provision --version`` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping, Sequence

from provision import __version__
from provision.errors import EX_SOFTWARE, EX_USAGE, ProvisionError

log = logging.getLogger("provision")


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
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $PROVISION_CONFIG,"
        " ./provision.yaml, /etc/authentik-provision/provision.yaml)",
    )
    parser.add_argument("--log-format", choices=("text", "json"), default="text")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="count", default=0, help="more log lines")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    _add_sync(sub)
    _add_plan(sub)
    sub.add_parser("validate", help="check config and secrets (decrypts; no network)")
    _add_render(sub)
    _add_doctor_verify(sub)
    sub.add_parser(
        "demo", help="run plan, sync, sync again and verify against a bundled fake Authentik"
    )
    return parser


def _add_sync(sub: argparse._SubParsersAction[_Parser]) -> None:
    sync = sub.add_parser(
        "sync", help="plan, print the plan, apply it and verify the outpost binding"
    )
    _plan_options(sync)
    sync.add_argument("--force", action="store_true", help="allow plans over the safety limit")
    sync.add_argument(
        "--wait",
        type=float,
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


def _add_plan(sub: argparse._SubParsersAction[_Parser]) -> None:
    plan = sub.add_parser("plan", help="show what sync would change; writes nothing")
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
    parser.add_argument("--output", choices=("text", "json"), default="text")


def _add_render(sub: argparse._SubParsersAction[_Parser]) -> None:
    render = sub.add_parser(
        "render", help="render Traefik, nginx or Caddy config, or an Authentik blueprint"
    )
    what = render.add_subparsers(dest="what", metavar="WHAT", parser_class=_Parser)
    what.required = True
    traefik = what.add_parser("traefik", help="Traefik v3 dynamic config (file provider)")
    traefik.add_argument("--format", choices=("yaml", "json"), default="yaml")
    traefik.add_argument("-o", "--output", metavar="PATH", help="write here instead of stdout")
    for name, text in (("nginx", "nginx server blocks (auth_request)"), ("caddy", "a Caddyfile")):
        proxy = what.add_parser(name, help=text)
        proxy.add_argument("-o", "--output", metavar="PATH", help="write here instead of stdout")
    blueprint = what.add_parser("blueprint", help="an Authentik blueprint with the same end state")
    blueprint.add_argument("-o", "--output", metavar="PATH", help="write here instead of stdout")


def _add_doctor_verify(sub: argparse._SubParsersAction[_Parser]) -> None:
    doctor = sub.add_parser("doctor", help="diagnose the set-up, one line per check")
    doctor.add_argument("--output", choices=("text", "json"), default="text")
    verify = sub.add_parser(
        "verify", help="prove each host demands a login (--access: and who may enter)"
    )
    verify.add_argument(
        "--through", metavar="URL", help="also ask through the reverse proxy at URL"
    )
    verify.add_argument(
        "--access",
        action="store_true",
        help="also ask Authentik's policy engine (check_access, read-only) that a member of"
        " each declared group may enter and up to three other users may not",
    )
    verify.add_argument("--output", choices=("text", "json"), default="text")


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the CLI; ``environ`` replaces os.environ for config, secrets and the lock."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (64)
        return exc.code if isinstance(exc.code, int) else 0
    args.environ = environ
    from provision.logs import setup_logging

    setup_logging(args.log_format, verbose=args.verbose, quiet=args.quiet)
    try:
        return _dispatch(args)
    except ProvisionError as exc:
        log.error("%s", exc)
        return exc.exit_code
    except KeyboardInterrupt:
        log.error("interrupted")
        return 130
    except Exception:
        log.exception("internal error (a bug in provision; please report it with this traceback)")
        return EX_SOFTWARE


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from provision.demo import run_demo

        return run_demo()
    from provision import commands

    handler = {
        "sync": commands.sync,
        "plan": commands.plan,
        "validate": commands.validate,
        "render": commands.render,
        "doctor": commands.doctor,
        "verify": commands.verify,
    }[args.command]
    return handler(args)
