"""`POST /alerts/alertmanager` (Bearer token) and `POST /alerts` (signed like `POST /changes`).

Both authenticate before the body is parsed: no token configured is 503, a missing or wrong
token or signature is 401, and a body that does not fit is 400 naming the field. What passes
is handed to `SignalFlows.receive`, which records each alert once (by fingerprint and start)
and posts in the background, so the sender gets its answer at once.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence

from aiohttp import web

from bot.checks.alerts import (
    AlertIn,
    AlertmanagerBody,
    GenericAlert,
    from_alertmanager,
    from_generic,
)
from bot.checks.config import AlertsSettings
from bot.config import FeatureConfig
from bot.plumbing.signing import same
from bot.plumbing.webhooks import Claim, Signed, parsed, refuse

log = logging.getLogger(__name__)

Receive = Callable[[Sequence[AlertIn]], Awaitable[int]]


class AlertsWebhook:
    """The two routes; `environ` is read per request, so a rotated token applies at once."""

    def __init__(
        self,
        settings: AlertsSettings,
        features: Sequence[FeatureConfig],
        receive: Receive,
        claim: Claim,
        *,
        environ: Mapping[str, str] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.settings, self.features, self.receive = settings, features, receive
        self.environ = os.environ if environ is None else environ
        self.signed = Signed(
            self.environ, settings.secret_env, wall, claim, "alerts-signature:", "alerts"
        )

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/alerts/alertmanager", self.alertmanager)
        app.router.add_post("/alerts", self.generic)

    async def alertmanager(self, request: web.Request) -> web.Response:
        name = self.settings.token_env
        token = self.environ.get(name, "").strip()
        if not token:
            return refuse(503, f"{name} is not set: the Alertmanager webhook is off")
        given = request.headers.get("Authorization", "")
        if not same(given, f"Bearer {token}"):
            log.warning("refused a POST /alerts/alertmanager: missing or wrong bearer token")
            return refuse(401, "missing or wrong Authorization: Bearer token")
        body = parsed(AlertmanagerBody, await request.read())
        if isinstance(body, web.Response):
            return body
        changed = await self.receive(from_alertmanager(body, self.features))
        return web.json_response({"received": len(body.alerts), "changed": changed})

    async def generic(self, request: web.Request) -> web.Response:
        alert = await self.signed.read(request, GenericAlert)
        if isinstance(alert, web.Response):
            return alert
        changed = await self.receive([from_generic(alert, self.features)])
        return web.json_response({"received": 1, "changed": changed})
