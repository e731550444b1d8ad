"""`POST /changes`: a CI pipeline reports a deploy, signed like the maintenance webhook.

Headers `X-Outagebot-Timestamp` (unix seconds) and `X-Outagebot-Signature` (`sha256=` + hex
HMAC-SHA256 of `"<timestamp>.<raw body>"`, keyed with `OUTAGEBOT_CHANGES_SECRET`). A request
older or newer than five minutes is refused, and so is one whose signature was already used:
a captured request cannot be replayed. A change resent with a new signature (CI retrying) is
still recorded once, by its `id`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from bot.changes.models import ChangeEvent, ChangeIn, WebhookChange
from bot.plumbing.webhooks import Claim, Signed

log = logging.getLogger(__name__)

SECRET_ENV = "OUTAGEBOT_CHANGES_SECRET"
SOURCE = "webhook"

Record = Callable[[list[ChangeIn]], Awaitable[list[ChangeEvent]]]


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
        self.record = record
        # The live environment by default, read per request: a rotated secret applies at once.
        live = os.environ if environ is None else environ
        self.signed = Signed(live, SECRET_ENV, wall, claim, "signature:", "changes")

    async def handle(self, request: web.Request) -> web.Response:
        change = await self.signed.read(request, WebhookChange)
        if isinstance(change, web.Response):
            return change
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
