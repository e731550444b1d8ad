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
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from hashlib import sha256
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.followups.export import TrackerExport
from bot.followups.github import GithubIssues
from bot.followups.jira import JiraIssues
from bot.followups.linear import LinearIssues
from bot.followups.tracker import Ticket, TicketState, Tracker, verify_hub_signature
from bot.plumbing.http import CallFailed
from bot.plumbing.secrets import read_secret

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.Response]]
# Linear's advice: refuse a delivery whose webhookTimestamp is over a minute away.
FRESH = timedelta(minutes=1)


def _secret(tracker: Tracker | None, environ: Mapping[str, str]) -> SecretStr | None:
    name = tracker.settings.webhook_secret_env if tracker else None
    return read_secret(environ, name) if name else None


def _refused(service: str) -> web.Response:
    log.warning("refused a %s webhook with a bad signature", service)
    return web.Response(status=401, text="bad signature")


def github_webhook(export: TrackerExport, environ: Mapping[str, str]) -> Handler:
    async def receive(request: web.Request) -> web.Response:
        github = export.trackers.get("github")
        secret = _secret(github, environ)
        if not isinstance(github, GithubIssues) or secret is None:
            return web.Response(status=404, text="no GitHub webhook configured")
        body = await request.read()
        signature = request.headers.get("X-Hub-Signature-256", "")
        if not verify_hub_signature(secret.get_secret_value().encode(), body, signature):
            return _refused("GitHub")
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
            ref = github.ref(number)
            await export.apply(github, Ticket(ref, "", TicketState.done))
        return web.Response(status=204)

    return receive


def jira_webhook(export: TrackerExport, environ: Mapping[str, str]) -> Handler:
    async def receive(request: web.Request) -> web.Response:
        jira = export.trackers.get("jira")
        secret = _secret(jira, environ)
        if not isinstance(jira, JiraIssues) or secret is None:
            return web.Response(status=404, text="no Jira webhook configured")
        body = await request.read()
        signature = request.headers.get("X-Hub-Signature", "")
        if not verify_hub_signature(secret.get_secret_value().encode(), body, signature):
            return _refused("Jira")
        try:
            payload = json.loads(body)
            event, issue = payload["webhookEvent"], payload["issue"]
            ticket = jira.ticket(issue) if event != "jira:issue_deleted" else None
        except (ValueError, KeyError, TypeError, CallFailed):
            return web.Response(status=400, text="not an issue event")
        if ticket is not None:
            await export.apply(jira, ticket)
        return web.Response(status=204)

    return receive


def linear_webhook(export: TrackerExport, environ: Mapping[str, str]) -> Handler:
    async def receive(request: web.Request) -> web.Response:
        linear = export.trackers.get("linear")
        secret = _secret(linear, environ)
        if not isinstance(linear, LinearIssues) or secret is None:
            return web.Response(status=404, text="no Linear webhook configured")
        body = await request.read()
        mac = hmac.new(secret.get_secret_value().encode(), body, sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("Linear-Signature", ""), mac):
            return _refused("Linear")
        try:
            payload: dict[str, Any] = json.loads(body)
            sent = float(payload["webhookTimestamp"]) / 1000
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="no webhookTimestamp")
        skew = export.clock.now().timestamp() - sent
        if abs(skew) > FRESH.total_seconds():
            log.warning("refused a Linear webhook sent %.0f s from the bot's clock", skew)
            return web.Response(status=401, text="stale webhookTimestamp")
        if payload.get("type") != "Issue" or payload.get("action") == "remove":
            return web.Response(status=204)
        try:
            ticket = linear.ticket(payload["data"])
        except (KeyError, TypeError, AttributeError, CallFailed):
            return web.Response(status=400, text="not an issue event")
        await export.apply(linear, ticket)
        return web.Response(status=204)

    return receive
