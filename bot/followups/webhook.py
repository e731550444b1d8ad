"""The trackers' webhooks, each verified before its body is read into state:

- `POST /github`: GitHub's `issues` event, `X-Hub-Signature-256`; only `closed` matters.
- `POST /jira`: Jira's issue events, `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`.
- `POST /linear`: Linear's `Issue` events, `Linear-Signature` (hex HMAC-SHA256 of the body) and
  a `webhookTimestamp` within a minute of the bot's clock, so a replay is refused.

A route whose tracker or secret is not configured answers 404. Trackers redeliver on failure:
applying a ticket's state is idempotent, so a repeat changes nothing.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from hashlib import sha256
from typing import Any, TypeVar

from aiohttp import web

from bot.followups.export import TrackerExport
from bot.followups.github import GithubIssues
from bot.followups.jira import JiraIssues
from bot.followups.linear import LinearIssues
from bot.followups.tracker import Ticket, TicketState, Tracker, verify_hub_signature
from bot.plumbing import logs
from bot.plumbing.http import CallFailed
from bot.plumbing.secrets import read_secret
from bot.plumbing.signing import same

Handler = Callable[[web.Request], Awaitable[web.Response]]
# Linear's advice: refuse a delivery whose webhookTimestamp is over a minute away.
FRESH = timedelta(minutes=1)
T = TypeVar("T", bound=Tracker)


Verify = Callable[[bytes, bytes, Mapping[str, str]], bool]  # secret, body, headers
Receive = Callable[[T, bytes, web.Request], Awaitable[web.Response]]


def _hub(header: str) -> Verify:
    """`sha256=<hex HMAC-SHA256 of the body>` in `header`."""
    return lambda secret, body, headers: verify_hub_signature(secret, body, headers.get(header, ""))


def _linear_signature(secret: bytes, body: bytes, headers: Mapping[str, str]) -> bool:
    """`Linear-Signature: <hex HMAC-SHA256 of the body>`, compared in constant time."""
    mac = hmac.new(secret, body, sha256).hexdigest()
    return same(headers.get("Linear-Signature", ""), mac)


def _verified(
    export: TrackerExport,
    environ: Mapping[str, str],
    kind: type[T],
    verify: Verify,
    receive: Receive[T],
) -> Handler:
    """The route of `kind`'s tracker: 404 unless it and its secret are configured, 401 unless
    the body is signed with that secret; only then is the body read into state."""

    async def handle(request: web.Request) -> web.Response:
        tracker = next((t for t in export.trackers.values() if isinstance(t, kind)), None)
        name = tracker.settings.webhook_secret_env if tracker is not None else None
        secret = read_secret(environ, name) if name else None
        if tracker is None or secret is None:
            return web.Response(status=404, text="no webhook configured for this tracker")
        body = await request.read()
        if not verify(secret.get_secret_value().encode(), body, request.headers):
            logs.refused(request.method, request.path, len(body), "bad signature")
            return web.Response(status=401, text="bad signature")
        return await receive(tracker, body, request)

    return handle


def github_webhook(export: TrackerExport, environ: Mapping[str, str]) -> Handler:
    async def receive(github: GithubIssues, body: bytes, request: web.Request) -> web.Response:
        if request.headers.get("X-GitHub-Event") != "issues":
            return web.Response(status=204)
        try:
            payload = json.loads(body)
            action = payload["action"]
            number = int(payload["issue"]["number"])
            repo = str(payload["repository"]["full_name"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="not an issues event")
        if action == "closed" and repo.lower() == github.settings.repo.lower():
            await export.apply(github, Ticket(github.ref(number), "", TicketState.done))
        return web.Response(status=204)

    return _verified(export, environ, GithubIssues, _hub("X-Hub-Signature-256"), receive)


def jira_webhook(export: TrackerExport, environ: Mapping[str, str]) -> Handler:
    async def receive(jira: JiraIssues, body: bytes, _request: web.Request) -> web.Response:
        try:
            payload = json.loads(body)
            event, issue = payload["webhookEvent"], payload["issue"]
            ticket = jira.ticket(issue) if event != "jira:issue_deleted" else None
        except (ValueError, KeyError, TypeError, CallFailed):
            return web.Response(status=400, text="not an issue event")
        if ticket is not None:
            await export.apply(jira, ticket)
        return web.Response(status=204)

    return _verified(export, environ, JiraIssues, _hub("X-Hub-Signature"), receive)


def linear_webhook(export: TrackerExport, environ: Mapping[str, str]) -> Handler:
    async def receive(linear: LinearIssues, body: bytes, request: web.Request) -> web.Response:
        try:
            payload: dict[str, Any] = json.loads(body)
            sent = float(payload["webhookTimestamp"]) / 1000
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="no webhookTimestamp")
        skew = export.clock.now().timestamp() - sent
        if abs(skew) > FRESH.total_seconds():
            reason = f"webhookTimestamp {skew:.0f} s from the bot's clock"
            logs.refused(request.method, request.path, len(body), reason)
            return web.Response(status=401, text="stale webhookTimestamp")
        if payload.get("type") != "Issue" or payload.get("action") == "remove":
            return web.Response(status=204)
        try:
            ticket = linear.ticket(payload["data"])
        except (KeyError, TypeError, AttributeError, CallFailed):
            return web.Response(status=400, text="not an issue event")
        await export.apply(linear, ticket)
        return web.Response(status=204)

    return _verified(export, environ, LinearIssues, _linear_signature, receive)
