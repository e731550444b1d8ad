'''Maintenance through your own endpoint: outagebot POSTs a signed JSON event.

Request (`POST <url>`, `Content-Type: application/json`)::

    {"event": "maintenance.set", "target": "quotes", "enabled": true,
     "incident": "INC-12", "requested_by": "U012ABC",
     "requested_at": "2025-04-30T08:45:00Z"}

Headers:

- `Idempotency-Key`: the same for every retry of one request (and for a repeated Slack
  command), so the receiver can apply it once;
- `X-Outagebot-Timestamp`: unix seconds when the request was signed;
- `X-Outagebot-Signature`: `sha256=` + hex HMAC-SHA256 of `"<timestamp>.<raw body>"`, keyed
  with the secret held in the `secret_env` variable (its UTF-8 bytes).

Answer 2xx once applied. 429 (with `Retry-After` seconds) and 5xx are retried, up to 3
attempts in all; any other status fails at once and its `message` (or body) is shown in the
channel. With `state_url` set, outagebot then reads `GET <state_url>` (signed the same way over
an empty body), which must answer `{"maintenance": true|false}`; a different state than the
one requested is reported as a failure.

Receiver recipe (also in docs/webhook-receiver.md):

```python
import hashlib
import hmac
import time


def verify(secret: bytes, timestamp: str, signature: str, body: bytes) -> bool:
    """True when outagebot signed exactly this body within the last five minutes."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(signature, "sha256=" + mac.hexdigest())
```

Call it with the raw request body, before parsing it:
`verify(secret, headers["X-Outagebot-Timestamp"], headers["X-Outagebot-Signature"], body)`.
'''

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from functools import partial

import httpx
from pydantic import SecretStr

from bot.maintenance.providers.base import (
    Call,
    HttpProvider,
    MaintenanceRequest,
    MaintenanceResult,
    maintenance_flag,
)
from bot.maintenance.targets import WebhookTarget
from bot.plumbing.http import CallFailed, HttpSession, error_body, excerpt
from bot.plumbing.secrets import missing_secret, read_secret
from bot.plumbing.signing import signature_headers


def describe_error(response: httpx.Response) -> str:
    body = error_body(response)
    for key in ("message", "error"):
        if isinstance(message := body.get(key), str):
            return message
    return excerpt(response)


def idempotency_key(target: str, request: MaintenanceRequest) -> str:
    """Derived, not random, so a Slack retry of the same command carries the same key."""
    parts = (request.incident, target, str(request.enabled).lower(), request.request_id)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class WebhookProvider(HttpProvider[WebhookTarget]):
    def __repr__(self) -> str:
        return f"WebhookProvider({self._name!r}, url={self._target.url!r})"

    async def set(self, request: MaintenanceRequest) -> MaintenanceResult:
        call = Call(self._name, "webhook", request.enabled)
        secret = read_secret(self._environ, self._target.secret_env)
        if secret is None:
            return call.failed(missing_secret(self._target.secret_env, "the webhook secret"))
        body = json.dumps(
            {
                "event": "maintenance.set",
                "target": self._name,
                "enabled": request.enabled,
                "incident": request.incident,
                "requested_by": request.requested_by,
                "requested_at": request.requested_at.astimezone(UTC)
                .isoformat()
                .replace("+00:00", "Z"),
            },
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key(self._name, request),
            **signature_headers(secret.get_secret_value(), body),
        }
        async with self._session(secret) as http:
            try:
                written = await http.request(
                    "POST", self._target.url, headers=headers, content=body
                )
            except CallFailed as exc:
                return call.failed(exc)
            state_url = self._target.state_url
            read_back = partial(self._fetch_state, http, secret, state_url) if state_url else None
            return await call.confirm(written, read_back, subject="its state URL")

    async def read_state(self) -> bool | None:
        if self._target.state_url is None:
            return None
        secret = read_secret(self._environ, self._target.secret_env)
        if secret is None:
            raise CallFailed(missing_secret(self._target.secret_env, "the webhook secret"))
        async with self._session(secret) as http:
            return await self._fetch_state(http, secret, self._target.state_url)

    async def _fetch_state(self, http: HttpSession, secret: SecretStr, url: str) -> bool:
        return maintenance_flag(
            await http.request(
                "GET", url, headers=signature_headers(secret.get_secret_value(), b"")
            )
        )

    def _session(self, secret: SecretStr) -> HttpSession:
        return HttpSession(
            f"webhook {self._name!r}",
            timeout=self._target.timeout_seconds,
            policy=self._policy,
            secrets=(secret,),
            describe=describe_error,
            transport=self._transport,
        )
