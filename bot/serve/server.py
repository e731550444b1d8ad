"""`GET /healthz` for operators; in HTTP mode also `POST /slack/events` for all Slack sends."""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable
from time import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.changes.webhook import ChangesWebhook
from bot.checks.webhook import AlertsWebhook
from bot.followups.webhook import github_webhook, jira_webhook, linear_webhook
from bot.paging.webhook import pagerduty_webhook
from bot.plumbing import logs, signing
from bot.services import Services
from bot.slack.gateway import SlackProbe
from bot.statuspage.web import StatusSite

if TYPE_CHECKING:
    from bot.serve.socket_mode import SocketMode

SERVICES = web.AppKey("services", Services)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


_HOST = re.compile(r"(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?")
MAX_BODY = 1024 * 1024
"""The largest body any route reads: Slack's payloads, CI's and GitHub's are far smaller."""


def refused(request: web.Request, size: int, status: int, reason: str) -> web.Response:
    """A refused request's answer, and its one short log line."""
    logs.refused(request.method, request.path, size, reason)
    return web.Response(status=status, text=reason)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Before any route: a `Host` that is no host is a 400 (nothing builds a URL from it, but
    aiohttp would raise reading it); a body over MAX_BODY is a 413, unread when it says so; a
    body cut off is a 400 and one log line, not a traceback."""
    host = _HOST.fullmatch(request.headers.get("Host", "localhost"))
    if host is None or int(host["port"] or 0) > 65535:
        return refused(request, 0, 400, "invalid Host header")
    length = request.content_length or 0
    if length > MAX_BODY:
        return refused(request, length, 413, "body over 1 MB")
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:  # a body that did not say its length
        return refused(request, MAX_BODY, 413, "body over 1 MB")
    except ConnectionError:  # the sender left mid-body (or the bot is stopping): nothing read
        return refused(request, length, 400, "connection lost while reading the body")


def to_bolt_request(raw: str, request: web.Request) -> AsyncBoltRequest:
    """Bolt's request from a verified body, with slash commands that mention "payload" read
    as commands.

    Bolt parses any form body containing the word "payload" as an interactive `payload=`
    field; a command such as `/incident note payload API down` then reads as an empty body
    and gets a 404, which Slack shows as "dispatch_failed".
    """
    headers: Any = request.headers
    bolt_request = AsyncBoltRequest(body=raw, query=request.query_string, headers=headers)
    if not bolt_request.body and "payload" in raw:
        form = dict(parse_qsl(raw, keep_blank_values=True))
        if "payload" not in form:
            bolt_request.body = form
            bolt_request.context = build_async_context(AsyncBoltContext(), form)
    if not isinstance(bolt_request.body.get("event", {}), dict):
        # Bolt's own middleware reads `event` as an object before any listener can refuse it.
        raise TypeError("event is not an object")
    return bolt_request


def build_web_app(
    bolt: AsyncApp | None, services: Services, *, socket: SocketMode | None = None
) -> web.Application:
    """HTTP mode with a Bolt app; Socket Mode (no Bolt app) serves `/healthz` alone, which
    then also reports the connection: healthy is the database answering and Slack connected."""
    secret = services.settings.slack_signing_secret

    async def slack_events(request: web.Request) -> web.Response:
        assert bolt is not None
        assert secret is not None
        raw = await request.read()
        # Checked on the raw bytes, before anything parses them (Bolt checks again, cheaply).
        problem = signing.slack_refusal(secret.get_secret_value(), request.headers, raw, time())
        if problem is not None:
            return refused(request, len(raw), 401, problem)
        try:
            bolt_request = to_bolt_request(raw.decode(), request)
        except Exception as exc:  # noqa: BLE001
            # Bolt reads ids out of the body before its listeners and trips over malformed
            # bodies; such a request is refused without being processed.
            return refused(request, len(raw), 400, f"malformed body ({type(exc).__name__})")
        logs.request_id.set(logs.request_key(bolt_request.body))
        bolt_response = await bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    probe = SlackProbe(services.slack, services.clock, services.tasks.spawn)

    async def healthz(_request: web.Request) -> web.Response:
        """The database asked now; Slack as last probed (never waited on), with its age."""
        database = await services.db.ping()
        slack, age = probe.state()
        body: dict[str, Any] = {
            "database": "ok" if database else "unreachable",
            "slack": slack,
            "slack_checked_seconds_ago": None if age is None else round(age, 1),
        }
        healthy = database
        if socket is not None:
            body["socket_mode"] = socket.state.value
            healthy = healthy and socket.connected
        return web.json_response(body, status=200 if healthy else 503)

    app = web.Application(client_max_size=MAX_BODY, middlewares=[guard])
    app[SERVICES] = services
    if bolt is not None:
        app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    # Deploys reported by CI, in both modes (Socket Mode serves this port too).
    webhook = ChangesWebhook(services.claims.signature, services.change_flows.record_incoming)
    app.router.add_post("/changes", webhook.handle)
    # Alerts from Alertmanager / Grafana (Bearer token) and from any tool that signs (issue 24).
    AlertsWebhook(
        services.settings.alerts,
        services.settings.features,
        services.signal_flows.receive,
        services.claims.signature,
    ).routes(app)
    # Issue 18: GitHub's issues webhook, when [followups.github] names a secret.
    app.router.add_post("/github", github_webhook(services.export, os.environ))
    # Issue 25: PagerDuty's webhooks v3 (acknowledged, resolved, escalated).
    app.router.add_post(
        "/pagerduty",
        pagerduty_webhook(
            services.paging.settings,
            services.paging.pager,
            services.paging.on_event,
            services.changes.claim,
            os.environ,
        ),
    )
    # Issue 28: Jira's and Linear's issue webhooks, when their tracker and secret are set.
    app.router.add_post("/jira", jira_webhook(services.export, os.environ))
    app.router.add_post("/linear", linear_webhook(services.export, os.environ))
    if services.status_page.enabled:
        StatusSite(services.status_page, services.texts, services.settings.timezone).routes(app)
    return app
