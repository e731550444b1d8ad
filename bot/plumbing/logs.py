"""Logging set-up: plain or one JSON object a line; known secrets are masked in both."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

REDACTED = "[redacted]"
log = logging.getLogger("outagebot.refused")

# Set per Slack request and per incident; background tasks inherit them from their creator.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
incident: ContextVar[str | None] = ContextVar("incident", default=None)


class AddContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.incident = incident.get()
        return True


class RedactSecrets(logging.Filter):
    """Masks secret values wherever they would appear, including in formatted arguments."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, REDACTED)
            record.msg, record.args = message, None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
                for secret in self.secrets:
                    record.exc_text = record.exc_text.replace(secret, REDACTED)
                record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("incident", "request_id"):
            if getattr(record, key, None):
                entry[key] = getattr(record, key)
        if record.exc_text or record.exc_info:
            entry["error"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, fmt: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(AddContext())
    handler.addFilter(RedactSecrets(secrets))
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Alembic announces every connection at INFO; keep start-up output to what matters.
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
    # One access line per Slack delivery costs more than recording the event; DEBUG shows them.
    logging.getLogger("aiohttp.access").setLevel(max(root.level, logging.WARNING))


def request_key(body: dict[str, Any]) -> str:
    """What identifies a Slack request in the logs: event id, trigger id, or a fresh id.

    Here, beside `request_id`, so both ways in (HTTP and Socket Mode) share it without
    importing each other."""
    for key in ("event_id", "trigger_id", "envelope_id"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return uuid.uuid4().hex[:12]


def refused(method: str, path: str, size: int, reason: str) -> None:
    """A refused inbound request costs one short line (method, path, size, reason), never its
    body or headers: an anonymous sender cannot fill the disk through the log."""
    log.warning("refused %s %s (%d bytes): %s", method[:10], path[:80], size, reason[:120])
