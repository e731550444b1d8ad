"""What both paging providers share: their settings and keys, one HTTP session per call
(retries with backoff, `Retry-After`, secrets redacted), and the APIs' timestamps."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import httpx
from pydantic import SecretStr

from bot.paging.config import PagingSettings
from bot.plumbing.http import CallFailed, HttpSession
from bot.plumbing.retry import RetryPolicy
from bot.plumbing.secrets import missing_secret, read_secret

TIMEOUT = 10.0
SOURCE = "outagebot"


def parse_instant(text: object) -> datetime | None:
    """An ISO 8601 timestamp as the APIs write it (`2025-04-30T08:43:00Z`), else None."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class RemotePager:
    service = ""
    describe: Callable[[httpx.Response], str]

    def __init__(
        self,
        settings: PagingSettings,
        *,
        environ: Mapping[str, str],
        policy: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings, self.environ, self.policy = settings, environ, policy
        self.transport = transport

    def secret(self, name: str, what: str) -> SecretStr:
        """Read at call time, so a rotated key applies at once; unset, nothing is sent."""
        value = read_secret(self.environ, name)
        if value is None:
            raise CallFailed(missing_secret(name, what))
        return value

    def session(self, secret: SecretStr) -> HttpSession:
        return HttpSession(
            self.service,
            timeout=TIMEOUT,
            policy=self.policy,
            secrets=[secret],
            describe=type(self).describe,
            transport=self.transport,
        )
