"""`POST /changes`: a CI pipeline reports a deploy, signed like the maintenance webhook.

Headers `X-Outagebot-Timestamp` (unix seconds) and `X-Outagebot-Signature` (`sha256=` + hex
HMAC-SHA256 of `"<timestamp>.<raw body>"`, keyed with `OUTAGEBOT_CHANGES_SECRET`). A request
older or newer than five minutes is refused, and so is one whose signature was already used:
a captured request cannot be replayed. A change resent with a new signature (CI retrying) is
still recorded once, by its `id`.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from pydantic import ValidationError

from bot.changes.models import ChangeEvent, ChangeIn, WebhookChange
from bot.plumbing.signing import sign

log = logging.getLogger(__name__)

SECRET_ENV = "OUTAGEBOT_CHANGES_SECRET"
WINDOW_SECONDS = 300
SOURCE = "webhook"

Claim = Callable[[str], Awaitable[bool]]
Record = Callable[[list[ChangeIn]], Awaitable[list[ChangeEvent]]]


def _refuse(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


class ChangesWebhook:
    """The request handler; `wall` is the wall clock that signatures are checked against."""

    def __init__(
        self,
        claim: Claim,
        record: Record,
        *,
        environ: Mapping[str, str] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.claim, self.record = claim, record
        # The live environment by default, read per request: a rotated secret applies at once.
        self.environ = os.environ if environ is None else environ
        self.wall = wall

    async def handle(self, request: web.Request) -> web.Response:
        secret = self.environ.get(SECRET_ENV, "").strip()
        if not secret:
            return _refuse(503, f"{SECRET_ENV} is not set: the changes webhook is off")
        body = await request.read()
        problem = self._check(secret, request.headers, body)
        if problem is not None:
            log.warning("refused a POST /changes: %s", problem)
            return _refuse(401, problem)
        try:
            change = WebhookChange.model_validate_json(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            return _refuse(400, f"{where}: {first['msg']}")
        signature = request.headers["X-Outagebot-Signature"]
        if not await self.claim("signature:" + signature):
            return _refuse(409, "this signature was already used: sign each request anew")
        new = await self.record(
            [
                ChangeIn(
                    source=SOURCE,
                    service=change.service,
                    version=change.version,
                    description=change.description,
                    author=change.author,
                    deployed_at=change.deployed_at,
                    url=change.url,
                    external_id=change.id,
                )
            ]
        )
        if new:
            return web.json_response({"recorded": True, "id": new[0].id}, status=201)
        return web.json_response({"recorded": False, "reason": "already recorded"})

    def _check(self, secret: str, headers: Mapping[str, str], body: bytes) -> str | None:
        timestamp = headers.get("X-Outagebot-Timestamp", "")
        signature = headers.get("X-Outagebot-Signature", "")
        if not timestamp.isdigit() or not signature:
            return "missing X-Outagebot-Timestamp or X-Outagebot-Signature"
        if abs(self.wall() - int(timestamp)) > WINDOW_SECONDS:
            return "the timestamp is more than 5 minutes away from now"
        if not hmac.compare_digest(signature, sign(secret, timestamp, body)):
            return "bad signature"
        return None
