"""What the outpost tells the backend about a logged-in user: the 12 ``X-authentik-*`` headers.

Read from the STORED user at answer time (a group joined after the login shows at once; the
real outpost shows the claims of the login's token, refreshed with it). ``X-authentik-jwt``
carries the claims file 13 names, signed per provider.
"""

from __future__ import annotations

import hashlib
import time

from . import jwt_hs256
from .store import Record, Store

SCOPE = "profile email openid ak_proxy entitlements"


def authentik_url(store: Store) -> str:
    """Where browsers reach the server: the outpost's ``authentik_host``, else the fake."""
    configured = str(store.embedded_outpost()["config"].get("authentik_host") or "")
    return configured.rstrip("/") or store.base_url


def _slug(store: Store, provider: Record) -> str:
    application = store.application_of(provider["pk"])
    return application["slug"] if application else ""


def id_token(store: Store, provider: Record, user: Record) -> str:
    """The user's token for this provider, as the outpost passes it on (``X-authentik-jwt``)."""
    groups = store.group_names_of(user["pk"])
    now = int(time.time())
    slug = _slug(store, provider)
    claims = {
        "iss": f"{authentik_url(store)}/application/o/{slug}/",
        "sub": user["uid"],
        "aud": provider["client_id"],
        "exp": now + 3600,
        "iat": now,
        "auth_time": now,
        "acr": "goauthentik.io/providers/oauth2/default",
        "amr": ["pwd"],
        "sid": hashlib.sha256(f"{user['pk']}:{provider['pk']}".encode()).hexdigest(),
        "azp": provider["client_id"],
        "uid": user["uid"],
        "email": user["email"],
        "email_verified": True,
        "name": user["name"],
        "given_name": user["name"],
        "preferred_username": user["username"],
        "nickname": user["username"],
        "groups": groups,
        "roles": [],
        "entitlements": [],
        "scope": SCOPE,
        "ak_proxy": {"user_attributes": user["attributes"], "is_superuser": False},
    }
    return jwt_hs256.sign(claims, provider["client_secret"].encode())


def identity_headers(store: Store, provider: Record, user: Record) -> dict[str, str]:
    """The headers of a 200 for a logged-in user, named as the outpost writes them."""
    slug = _slug(store, provider)
    groups = store.group_names_of(user["pk"])
    return {
        "X-Authentik-Email": user["email"],
        "X-Authentik-Entitlements": "",
        "X-Authentik-Groups": "|".join(groups),
        "X-Authentik-Jwt": id_token(store, provider, user),
        "X-Authentik-Meta-App": slug,
        "X-Authentik-Meta-Jwks": f"{authentik_url(store)}/application/o/{slug}/jwks/",
        "X-Authentik-Meta-Outpost": store.embedded_outpost()["name"],
        "X-Authentik-Meta-Provider": provider["name"],
        "X-Authentik-Meta-Version": f"goauthentik.io/outpost/{store.version.name}",
        "X-Authentik-Name": user["name"],
        "X-Authentik-Uid": user["uid"],
        "X-Authentik-Username": user["username"],
    }
