"""Compact HS256 JWTs: the outpost's OAuth ``state`` and the ``X-authentik-jwt`` it hands on."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

_HEADER = {"alg": "HS256", "typ": "JWT"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(signed: str, key: bytes) -> str:
    return _b64(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest())


def sign(claims: dict[str, Any], key: bytes) -> str:
    """``header.payload.signature`` for ``claims``."""
    signed = f"{_b64(json.dumps(_HEADER).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signed}.{_signature(signed, key)}"


def verified_claims(token: str, key: bytes) -> dict[str, Any] | None:
    """The claims of a token signed with ``key``; None when forged, altered or malformed."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header, payload, signature = parts
    if not hmac.compare_digest(_signature(f"{header}.{payload}", key), signature):
        return None
    try:
        claims = json.loads(_unb64(payload))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None
