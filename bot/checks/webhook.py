"""`POST /alerts/alertmanager` (Bearer token) and `POST /alerts` (signed like `POST /changes`).

Both authenticate before the body is parsed: no token configured is 503, a missing or wrong
token or signature is 401, and a body that does not fit is 400 naming the field. What passes
is handed to `SignalFlows.receive`, which records each alert once (by fingerprint and start)
and posts in the background, so the sender gets its answer at once.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.checks.alerts import (
    AlertIn,
    AlertmanagerBody,
    GenericAlert,
    from_alertmanager,
    from_generic,
)
from bot.checks.config import AlertsSettings
from bot.config import FeatureConfig
from bot.plumbing.signing import refusal

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
Receive = Callable[[Sequence[AlertIn]], Awaitable[int]]
Claim = Callable[[str], Awaitable[bool]]


def _refuse(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


def _invalid(exc: ValidationError) -> web.Response:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    return _refuse(400, f"{where}: {first['msg']}")


def _parse(model: type[M], body: bytes) -> M | web.Response:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        return _invalid(exc)


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
        self.settings, self.features, self.receive, self.claim = settings, features, receive, claim
        self.environ = os.environ if environ is None else environ
        self.wall = wall

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/alerts/alertmanager", self.alertmanager)
        app.router.add_post("/alerts", self.generic)

    async def alertmanager(self, request: web.Request) -> web.Response:
        name = self.settings.token_env
        token = self.environ.get(name, "").strip()
        if not token:
            return _refuse(503, f"{name} is not set: the Alertmanager webhook is off")
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            log.warning("refused a POST /alerts/alertmanager: missing or wrong bearer token")
            return _refuse(401, "missing or wrong Authorization: Bearer token")
        body = _parse(AlertmanagerBody, await request.read())
        if isinstance(body, web.Response):
            return body
        changed = await self.receive(from_alertmanager(body, self.features))
        return web.json_response({"received": len(body.alerts), "changed": changed})

    async def generic(self, request: web.Request) -> web.Response:
        name = self.settings.secret_env
        secret = self.environ.get(name, "").strip()
        if not secret:
            return _refuse(503, f"{name} is not set: the alerts webhook is off")
        raw = await request.read()
        problem = refusal(secret, request.headers, raw, self.wall())
        if problem is not None:
            log.warning("refused a POST /alerts: %s", problem)
            return _refuse(401, problem)
        alert = _parse(GenericAlert, raw)
        if isinstance(alert, web.Response):
            return alert
        if not await self.claim("alerts-signature:" + request.headers["X-Outagebot-Signature"]):
            return _refuse(409, "this signature was already used: sign each request anew")
        changed = await self.receive([from_generic(alert, self.features)])
        return web.json_response({"received": 1, "changed": changed})
