"""GitHub Issues as the team's tracker: create an issue per follow-up, read its state back.

REST v3 as documented: `POST /repos/{owner}/{repo}/issues` and `GET .../issues/{number}` with
`If-None-Match` (a 304 costs no rate limit). A rate-limited answer (403/429 with `Retry-After`,
or `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset`) pauses every call until then, so the
bot never hammers a limit. Calls are not retried in place: the next poll is the retry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from bot.followups.config import GithubSettings
from bot.plumbing.http import CallFailed, HttpSession, error_body, excerpt
from bot.plumbing.retry import RetryPolicy
from bot.plumbing.secrets import missing_secret, read_secret
from bot.time.clock import Clock

SERVICE = "GitHub"
API_VERSION = "2022-11-28"
TIMEOUT = 15.0


@dataclass(frozen=True)
class Issue:
    number: int
    url: str  # html_url, what people open
    state: str  # "open" | "closed"
    etag: str | None


def describe_error(response: httpx.Response) -> str:
    """GitHub explains itself in `{"message": ...}`; show that as is."""
    message = error_body(response).get("message")
    return message if isinstance(message, str) else excerpt(response)


def verify_signature(secret: bytes, body: bytes, signature: str) -> bool:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`, compared in constant time."""
    mac = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, f"sha256={mac}")


class GithubIssues:
    def __init__(
        self,
        settings: GithubSettings,
        clock: Clock,
        *,
        environ: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings, self.clock = settings, clock
        self._environ = environ if environ is not None else os.environ
        self._transport = transport
        self._issues = f"{settings.api_url}/repos/{settings.repo}/issues"
        self.paused_until: datetime | None = None

    def ref(self, number: int) -> str:
        return f"{self.settings.repo}#{number}"

    def _headers(self) -> dict[str, str]:
        token = read_secret(self._environ, self.settings.token_env)
        if token is None:
            raise CallFailed(missing_secret(self.settings.token_env, "a GitHub token"))
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token.get_secret_value()}",
            "X-GitHub-Api-Version": API_VERSION,
        }

    def _session(self) -> HttpSession:
        token = read_secret(self._environ, self.settings.token_env)
        return HttpSession(
            SERVICE,
            timeout=TIMEOUT,
            policy=RetryPolicy(attempts=1),
            secrets=[token] if token else [],
            describe=describe_error,
            transport=self._transport,
        )

    def _check_pause(self) -> None:
        now = self.clock.now()
        if self.paused_until is not None and now < self.paused_until:
            raise CallFailed(
                f"GitHub's rate limit: waiting until {self.paused_until:%H:%M} UTC",
                reset_at=self.paused_until,
            )

    def _pause(self, exc: CallFailed) -> None:
        if exc.reset_at is not None:
            self.paused_until = exc.reset_at
        elif exc.retry_after is not None:
            self.paused_until = self.clock.now() + timedelta(seconds=exc.retry_after)

    async def create(self, title: str, body: str) -> Issue:
        self._check_pause()
        headers = {**self._headers(), "Content-Type": "application/json"}
        payload = {"title": title[:256], "body": body, "labels": self.settings.labels}
        try:
            async with self._session() as http:
                reply = await http.request(
                    "POST", self._issues, headers=headers, content=json.dumps(payload).encode()
                )
        except CallFailed as exc:
            self._pause(exc)
            raise
        return _issue(reply.json_object(), reply.response.headers.get("ETag"))

    async def get(self, number: int, etag: str | None) -> Issue | None:
        """The issue now, or None when it has not changed since `etag` (304)."""
        self._check_pause()
        headers = self._headers()
        if etag:
            headers["If-None-Match"] = etag
        try:
            async with self._session() as http:
                reply = await http.request("GET", f"{self._issues}/{number}", headers=headers)
        except CallFailed as exc:
            self._pause(exc)
            raise
        if reply.status == 304:
            return None
        return _issue(reply.json_object(), reply.response.headers.get("ETag"))


def _issue(data: dict[str, object], etag: str | None) -> Issue:
    number, url, state = data.get("number"), data.get("html_url"), data.get("state")
    if not isinstance(number, int) or not isinstance(url, str) or not isinstance(state, str):
        raise CallFailed("GitHub answered without an issue's number, html_url and state")
    return Issue(number=number, url=url, state=state, etag=etag)
