"""Global middleware: payloads parsed once (malformed ones refused); Slack retries never
record twice."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.errors import InputError
from bot.services import Services
from bot.store import tables
from bot.store.claims import signature_key
from handlers.payloads import PAYLOAD, Malformed, parse

log = logging.getLogger(__name__)

DROPPED = BoltResponse(status=200, body="")


def dedupe_events(services: Services) -> Callable[..., Awaitable[BoltResponse | None]]:
    """Claim each delivery in the database; a second one is acked and dropped.

    Events are claimed by `event_id` (Slack's retries re-sign them, same id). Every signed
    request is also claimed by its signature: a replayed request (same body, timestamp and
    signature, within Bolt's 5-minute window) is processed once. Claims live in the database,
    so they hold across restarts and replicas. Messages are also unique per channel and `ts`,
    so a claim left by a crash mid-listener loses nothing the start-up backfill does not find.
    """

    async def claim(keys: list[str]) -> int:
        """Claim the keys (group-committed with other requests' claims); how many were new."""
        now = services.clock.now()
        rows = [{"event_id": key[:64], "received_at": now} for key in keys]
        return sum(await services.db.insert_new(tables.processed_events, ["event_id"], rows))

    def parsed(body: dict[str, Any], context: AsyncBoltContext) -> bool:
        """Keep the body's model for the listeners; False for an event to drop.

        A malformed event is acked and dropped (Slack would only retry it). A malformed click
        or submission raises `InputError`, which `errors.py` answers to the person, not a 500.
        """
        try:
            model = parse(body)
        except Malformed as exc:
            if body.get("type") == "event_callback":
                log.warning("dropping a malformed event: %s", exc)
                return False
            log.warning("refusing a malformed %s: %s", str(body.get("type"))[:40], exc)
            t = services.texts
            raise InputError(
                t._("Slack sent something I could not read; nothing changed.")
            ) from None
        if model is not None:
            context[PAYLOAD] = model
        return True

    async def middleware(
        body: dict[str, Any],
        request: AsyncBoltRequest,
        context: AsyncBoltContext,
        next: Callable[[], Awaitable[None]],  # noqa: A002  # Bolt passes it by this name
    ) -> BoltResponse | None:
        if not parsed(body, context):
            return DROPPED
        signature = (request.headers.get("x-slack-signature") or [""])[0]
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        keys = [signature_key(signature)] if signature else []
        keys += [event_id] if isinstance(event_id, str) and event_id else []
        new = await claim(keys)
        # A replay repeats the signature and so the event; a retry is signed anew.
        if signature and new == 0:
            log.warning("dropping a replayed request")
            return DROPPED
        if new < len(keys):
            log.info("dropping repeated delivery of event %s", event_id)
            return DROPPED
        await next()
        return None

    return middleware
