"""Global middleware: Slack retries must never record twice."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.response import BoltResponse

from bot.services import Services
from bot.store import tables
from handlers.payloads import malformed

log = logging.getLogger(__name__)


def dedupe_events(services: Services) -> Callable[..., Awaitable[BoltResponse | None]]:
    """Claim each `event_id` in the database; a second delivery is acked and dropped.

    The claim lives in the database so it holds across restarts and replicas. Messages are also
    unique per channel and `ts`, so a claim left by a crash mid-listener loses nothing that the
    start-up backfill does not recover.
    """

    async def middleware(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> Any:
        if body.get("type") == "event_callback" and (why := malformed(body)):
            log.warning("dropping a malformed event: %s", why)
            return BoltResponse(status=200, body="")
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not isinstance(event_id, str) or not event_id:
            return await next()
        db = services.db
        async with db.begin() as conn:
            result = await conn.execute(
                db.insert_ignoring_conflicts(tables.processed_events, "event_id").values(
                    event_id=event_id[:64], received_at=services.clock.now()
                )
            )
        if result.rowcount == 0:
            log.info("dropping repeated delivery of event %s", event_id)
            return BoltResponse(status=200, body="")
        return await next()

    return middleware
