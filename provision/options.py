"""What each command was asked to do, as plain values: the command line builds them.

Only ``provision.cli`` knows about argparse; the commands, the doctor and the demo take these
(and the environment, passed beside them) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Output(StrEnum):
    """``--output``: lines for people, or one JSON document for programs."""

    TEXT = "text"
    JSON = "json"


@dataclass(frozen=True)
class PlanOptions:
    """``plan``: what sync would change."""

    config: str | None = None  # --config; None: $PROVISION_CONFIG or the default paths
    prune: bool = False
    adopt: bool = False
    output: Output = Output.TEXT
    detailed_exitcode: bool = False


@dataclass(frozen=True)
class SyncOptions:
    """``sync``: plan, apply, and optionally verify afterwards."""

    config: str | None = None
    prune: bool = False
    adopt: bool = False
    output: Output = Output.TEXT
    force: bool = False
    wait: float | None = None  # None: authentik.wait
    verify: bool = False
    verify_wait: float | None = None  # None: outpost.refresh_wait


@dataclass(frozen=True)
class ValidateOptions:
    config: str | None = None


@dataclass(frozen=True)
class RenderOptions:
    """``render WHAT``: ``what`` is traefik, nginx, caddy or blueprint."""

    what: str
    config: str | None = None
    format: str = "yaml"  # traefik only: yaml or json
    output: str | None = None  # -o PATH; None: stdout


@dataclass(frozen=True)
class DoctorOptions:
    config: str | None = None
    output: Output = Output.TEXT


@dataclass(frozen=True)
class VerifyOptions:
    config: str | None = None
    through: str | None = None
    access: bool = False
    output: Output = Output.TEXT
