"""`GET /healthz` for operators; in HTTP mode also `POST /slack/events` for all Slack sends."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.changes.webhook import ChangesWebhook
from bot.followups.webhook import github_webhook
from bot.plumbing import logs
from bot.services import Services
from bot.statuspage.web import StatusSite

if TYPE_CHECKING:
    from bot.serve.socket_mode import SocketMode

SERVICES = web.AppKey("services", Services)
log = logging.getLogger(__name__)


async def to_bolt_request(request: web.Request) -> AsyncBoltRequest:
    """Bolt's request, with slash commands that mention "payload" read as commands.

    Bolt parses any form body containing the word "payload" as an interactive `payload=`
    field; a command such as `/incident note payload API down` then reads as an empty body
    and gets a 404, which Slack shows as "dispatch_failed".
    """
    raw = await request.text()
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

    async def slack_events(request: web.Request) -> web.Response:
        assert bolt is not None
        try:
            bolt_request = await to_bolt_request(request)
        except Exception as exc:  # noqa: BLE001
            # Bolt reads ids out of the body before checking the signature and trips over
            # malformed bodies; such a request is refused without being processed.
            log.warning("refused a malformed request: %s", type(exc).__name__)
            return web.Response(status=400, text="malformed request")
        logs.request_id.set(logs.request_key(bolt_request.body))
        bolt_response = await bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        database = await services.db.ping()
        slack = await services.slack.reachable()
        body = {"database": "ok" if database else "unreachable", "slack": slack}
        healthy = database
        if socket is not None:
            body["socket_mode"] = socket.state.value
            healthy = healthy and socket.connected
        return web.json_response(body, status=200 if healthy else 503)

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[SERVICES] = services
    if bolt is not None:
        app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    # Deploys reported by CI, in both modes (Socket Mode serves this port too).
    webhook = ChangesWebhook(services.changes.claim, services.change_flows.record_incoming)
    app.router.add_post("/changes", webhook.handle)
    # Issue 18: GitHub's issues webhook, when [followups.github] names a secret.
    app.router.add_post("/github", github_webhook(services.export, os.environ))
    if services.status_page.enabled:
        StatusSite(services.status_page, services.texts, services.settings.timezone).routes(app)
    return app
