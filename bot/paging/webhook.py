"""`POST /pagerduty`: PagerDuty webhooks v3, verified before anything is read into state.

`X-PagerDuty-Signature` holds one or more comma-separated `v1=<hex HMAC-SHA256 of the raw
body>` (several during a secret rotation); one match in constant time is enough. The secret
is `OUTAGEBOT_PAGERDUTY_WEBHOOK_SECRET` (the variable `[paging] webhook_secret_env` names);
without it the route refuses everything and the page is polled instead. Each event's `id` is
claimed, so a redelivery changes nothing; pages are matched by the incident's `incident_key`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.paging.config import PagingSettings
from bot.paging.models import PageEvent, Pager, Person
from bot.paging.pagerduty import PagerDuty
from bot.plumbing.http import CallFailed
from bot.plumbing.secrets import read_secret
from bot.plumbing.signing import same

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.Response]]
Claim = Callable[[str], Awaitable[bool]]
Record = Callable[[PageEvent], Awaitable[bool]]
KINDS = {
    "incident.acknowledged": "acknowledged",
    "incident.resolved": "resolved",
    "incident.escalated": "escalated",
}


def verify(secret: bytes, body: bytes, header: str) -> bool:
    expected = "v1=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return any(same(part.strip(), expected) for part in header.split(","))


def _event(body: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    event = payload.get("event") if isinstance(payload, dict) else None
    return event if isinstance(event, dict) else None


def pagerduty_webhook(
    settings: PagingSettings | None,
    pager: Pager | None,
    record: Record,
    claim: Claim,
    environ: Mapping[str, str],
) -> Handler:
    """`record` is the paging flow's `on_event`; `claim` marks an event id as seen, once."""

    async def receive(request: web.Request) -> web.Response:
        secret = (
            read_secret(environ, settings.webhook_secret_env)
            if settings is not None and settings.provider == "pagerduty"
            else None
        )
        if secret is None:
            return web.Response(status=404, text="no PagerDuty webhook configured")
        body = await request.read()
        header = request.headers.get("X-PagerDuty-Signature", "")
        if not verify(secret.get_secret_value().encode(), body, header):
            log.warning("refused a PagerDuty webhook with a bad signature")
            return web.Response(status=401, text="bad signature")
        event = _event(body)
        if event is None:
            return web.Response(status=400, text="not a webhooks v3 event")
        kind = KINDS.get(str(event.get("event_type")))
        data = event.get("data")
        key = data.get("incident_key") if isinstance(data, dict) else None
        if kind is None or not isinstance(key, str):
            return web.Response(status=204)  # another event type, or not one of our pages
        try:
            at = datetime.fromisoformat(str(event.get("occurred_at")).replace("Z", "+00:00"))
        except ValueError:
            return web.Response(status=400, text="occurred_at is not a timestamp")
        if not await claim(f"pagerduty:{event.get('id')}"):
            return web.Response(status=204)  # a redelivery
        assert isinstance(data, dict)
        person = await _person(pager, event, data, kind)
        await record(PageEvent(key, kind, at, person))  # type: ignore[arg-type]
        return web.Response(status=204)

    return receive


async def _person(
    pager: Pager | None, event: dict[str, Any], data: dict[str, Any], kind: str
) -> Person | None:
    """Who acted (the agent) or, on escalation, the new assignee; their email by the REST API
    when a token is set, else only their name."""
    ref = (
        event.get("agent") if kind != "escalated" else next(iter(data.get("assignees") or []), None)
    )
    if not isinstance(ref, dict):
        return None
    name = str(ref.get("summary") or "")
    if isinstance(pager, PagerDuty) and ref.get("id"):
        try:
            return await pager.person(str(ref["id"]), name)
        except CallFailed as exc:
            log.warning("PagerDuty user %s not read: %s", ref.get("id"), exc)
    return Person(name) if name else None
