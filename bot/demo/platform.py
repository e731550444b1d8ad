"""A stand-in deploy platform on loopback, so a scenario can really take the app offline, and
the app it runs: `GET /app/<feature>` answers 200, or 500 while a step has broken it, for the
feature checks to probe.

It is a webhook receiver as the webhook provider documents it: it checks the signature, keeps
each target's maintenance flag, and answers the state URL. The bot talks to it through its real
webhook provider, so the maintenance windows (and the drafts' offline time) are confirmed ones,
not dry runs, and nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from urllib.parse import quote

from aiohttp import web

from bot.sandbox.loopback import LoopbackServer

SECRET_ENV = "OUTAGEBOT_DEMO_PLATFORM_SECRET"


def verify(secret: bytes, timestamp: str, signature: str, body: bytes) -> bool:
    """True when outagebot signed exactly this body within the last five minutes."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(signature, "sha256=" + mac.hexdigest())


class DeployPlatform(LoopbackServer):
    def __init__(self) -> None:
        # The provider reads the secret from the environment by name, as in production.
        self.secret = os.environ.setdefault(SECRET_ENV, secrets.token_hex(16)).encode()
        super().__init__()
        self.maintenance: dict[str, bool] = {}
        self.broken: dict[str, bool] = {}

    def app_url(self, feature: str) -> str:
        return f"{self.url}/app/{quote(feature)}"

    async def _feature(self, request: web.Request) -> web.Response:
        if self.broken.get(request.match_info["feature"], False):
            return web.json_response({"error": "internal server error"}, status=500)
        return web.json_response({"ok": True})

    def target(self, name: str) -> dict[str, str]:
        """The `[maintenance.targets.<name>]` settings that point the bot here."""
        return {
            "provider": "webhook",
            "url": f"{self.url}/targets/{name}",
            "state_url": f"{self.url}/targets/{name}/state",
            "secret_env": SECRET_ENV,
        }

    async def _signed(self, request: web.Request) -> bytes:
        body = await request.read()
        headers = request.headers
        timestamp = headers.get("X-Outagebot-Timestamp", "")
        if not verify(self.secret, timestamp, headers.get("X-Outagebot-Signature", ""), body):
            raise web.HTTPUnauthorized(text=json.dumps({"message": "bad signature"}))
        return body

    async def _set(self, request: web.Request) -> web.Response:
        event = json.loads(await self._signed(request))
        self.maintenance[request.match_info["name"]] = bool(event["enabled"])
        return web.json_response({"ok": True})

    async def _state(self, request: web.Request) -> web.Response:
        await self._signed(request)
        return web.json_response(
            {"maintenance": self.maintenance.get(request.match_info["name"], False)}
        )

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/targets/{name}", self._set)
        app.router.add_get("/targets/{name}/state", self._state)
        app.router.add_get("/app/{feature}", self._feature)
        return app
