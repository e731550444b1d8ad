"""Helpers for the close-flow tests: the outage day typed into Slack, the modal, the files.

Everything goes through the sandbox over HTTP: commands, the maintenance confirmation, the
close modal's submission, and the three-step upload of the drafts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.models import Incident
from bot.sandbox.cast import MARCO
from bot.sandbox.stack import SandboxStack
from bot.store import tables
from handlers.maintenance import CONFIRM_ON

from .story import at

# The outage report's incident, INC-1, declared by Marco at 10:40.
TITLE = "Offerte sparite dopo l'aggiornamento"
WEBHOOK_SECRET = "whsec-test-0123456789abcdef"


async def deploy_platform() -> AsyncIterator[str]:
    """A webhook receiver that applies every maintenance switch (answers 200)."""

    async def applied(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/maintenance", applied)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/maintenance"
    await runner.cleanup()


async def reconfigure(stack: SandboxStack, webhook_url: str, **overrides: Any) -> None:
    """Restart the bot with a real (webhook) maintenance target and `overrides`."""
    target = {"provider": "webhook", "url": webhook_url, "secret_env": "OUTAGEBOT_WEBHOOK_SECRET"}
    stack.overrides = stack.overrides | {"maintenance": {"targets": {"web": target}}} | overrides
    await stack.restart_bot()


async def maintenance_on(stack: SandboxStack, channel: str) -> None:
    assert stack.driver is not None
    await stack.run(channel, "maintenance on web")
    prompt = stack.sandbox.ephemerals(MARCO, channel)[-1]
    reply = await stack.driver.click(MARCO, CONFIRM_ON, channel_id=channel, message_ts=prompt.ts)
    assert reply.ok
    await stack.idle()


async def replay_day(
    stack: SandboxStack, clicks: tuple[timedelta, timedelta] = (timedelta(), timedelta())
) -> Incident:
    """The outage report's day, typed as it happened; resolved at 17:32.

    `clicks`: how long after 10:45:00 and 13:15:00 the maintenance on and off land.
    """
    incident = await stack.declare(TITLE)
    channel = incident.channel_id or ""
    await stack.run(channel, "feature down Quotes at 10:40")
    stack.clock.set(at(30, 10, 45) + clicks[0])
    await maintenance_on(stack, channel)
    stack.clock.set(at(30, 13, 15) + clicks[1])
    await stack.run(channel, "maintenance off web")
    stack.clock.set(at(30, 13, 41))
    await stack.run(channel, "feature down Acquisti")
    stack.clock.set(at(30, 14, 30))
    await stack.run(channel, "feature up Purchases")
    stack.clock.set(at(30, 17, 30))
    await stack.run(channel, "feature up Offerte")
    stack.clock.set(at(30, 17, 32))
    await stack.run(channel, "resolve")
    return incident


async def close_with(stack: SandboxStack, channel: str, values: dict[str, Any]) -> None:
    """`/incident close`, then submit the modal it opened with `values` (block -> value)."""
    assert stack.driver is not None
    await stack.run(channel, "close")
    await submit_close(stack, values)


async def submit_close(stack: SandboxStack, values: dict[str, Any]) -> None:
    assert stack.driver is not None
    view = stack.driver.latest_view(MARCO)
    assert view is not None
    assert view.callback_id == "postmortem_close"
    if not values.get("action_items"):  # a SEV2 closed without follow-ups is confirmed
        values = {**values, "no_followups": ["yes"]}
    reply = await stack.driver.submit_view(
        MARCO, view.id, {block: {"value": value} for block, value in values.items()}
    )
    assert reply.ok, reply.text
    assert reply.within_deadline
    assert not reply.text.strip(), reply.text
    await stack.idle()


@dataclass(frozen=True)
class Upload:
    comment: str
    files: dict[str, str]  # name -> content, of the text files (the drafts)
    pictures: dict[str, bytes]  # name -> content, of the PNG files (the impact chart)


def uploads(stack: SandboxStack, channel: str) -> list[Upload]:
    """Messages in the channel that carry files, with the files' uploaded content."""
    found = []
    for message in stack.sandbox.messages(channel):
        if message.files:
            files = [stack.sandbox.state.files[f] for f in message.files]
            pictures = {f.name: f.content or b"" for f in files if f.name.endswith(".png")}
            contents = {
                f.name: (f.content or b"").decode() for f in files if f.name not in pictures
            }
            found.append(Upload(message.text or "", contents, pictures))
    return found


def said(stack: SandboxStack, channel: str) -> list[str]:
    return [m.text or "" for m in stack.sandbox.messages(channel)]


async def saved_drafts(stack: SandboxStack) -> list[tuple[str, str, int]]:
    assert stack.services is not None
    d = tables.drafts
    query = select(d.c.audience, d.c.language, d.c.version).order_by(d.c.id)
    async with stack.services.db.connect() as conn:
        return [tuple(row) for row in await conn.execute(query)]  # type: ignore[misc]
