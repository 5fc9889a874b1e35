"""The structured log lines Authentik returns from a blueprint import (transcript 08c)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]


def timestamp() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class ImportEvents:
    """Builds log lines for one import, stamped with the request that caused it."""

    path: str = ""
    method: str = ""
    user_agent: str = ""
    user: Record = field(default_factory=dict)
    host: str = "127.0.0.1"
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def _request_attributes(self) -> Record:
        return {
            "request_id": self.request_id,
            "host": self.host,
            "auth_via": "api_token",
            "schema_name": "public",
            "domain_url": self.host.split(":")[0],
        }

    def _http_request(self) -> Record:
        return {
            "path": self.path,
            "method": self.method,
            "args": {},
            "user_agent": self.user_agent,
            "request_id": self.request_id,
        }

    def saved(self, action: str, model: str, record: Record) -> Record:
        """The event Authentik records for each object a blueprint creates or updates."""
        app, _, model_name = model.partition(".")
        pk = record["pk"]
        return {
            "timestamp": timestamp(),
            "log_level": "info",
            "logger": "authentik.events.models",
            "event": "Created Event",
            "attributes": {
                "action": action,
                "context": {
                    "model": {
                        "app": app,
                        "model_name": model_name,
                        "pk": uuid.UUID(pk).hex if isinstance(pk, str) else pk,
                        "name": str(record.get("name", pk)),
                    },
                    "http_request": self._http_request(),
                },
                "client_ip": "127.0.0.1",
                "user": {
                    "username": self.user.get("username", ""),
                    "pk": self.user.get("pk"),
                    "email": self.user.get("email", ""),
                },
                **self._request_attributes(),
            },
        }

    def invalid(self, entry: Record, error: str) -> Record:
        """The warning for an entry the server refused (``entry`` as the importer shows it)."""
        return self._warning(f"Entry invalid: {error}", {"entry": entry, "error": error})

    def failed(self, message: str) -> Record:
        return self._warning(message, {})

    def _warning(self, event: str, extra: Record) -> Record:
        return {
            "timestamp": timestamp(),
            "log_level": "warning",
            "logger": "authentik.blueprints.v1.importer",
            "event": event,
            "attributes": {**extra, **self._request_attributes()},
        }
