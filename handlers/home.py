"""The App Home tab: open incidents (with what is down), the last closed ones, a Declare button."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.followups import render as followup_render
from bot.record import render as record_render
from bot.services import Services
from bot.slackweb import error_code
from handlers.views import declare_modal, list_lines

log = logging.getLogger(__name__)

CLOSED_SHOWN = 10
RECORD_DAYS = timedelta(days=90)


async def home_view(services: Services, user_id: str | None = None) -> dict[str, Any]:
    open_ = await services.incidents.list(open_only=True)
    closed = await services.incidents.list(closed_limit=CLOSED_SHOWN)
    now = services.clock.now()
    blocks: list[Any] = [
        HeaderBlock(text="Incidents"),
        ActionsBlock(
            elements=[
                ButtonElement(text="Declare an incident", action_id="home_declare", style="danger")
            ]
        ),
        SectionBlock(text=f"*Open ({len(open_)})*"),
    ]
    for incident, line in zip(open_[:40], list_lines(open_[:40], now), strict=True):
        blocks.append(SectionBlock(text=line))
        summaries = [
            s for section in services.board.sections if (s := await section.summary(incident, now))
        ]
        if summaries:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(summaries))]))
    if not open_:
        blocks.append(SectionBlock(text="Nothing open. :tada:"))
    blocks += [DividerBlock(), SectionBlock(text="*Recently closed*")]
    blocks += [SectionBlock(text=line) for line in list_lines(closed, now)] or [
        SectionBlock(text="None yet.")
    ]
    if user_id:  # issue 18: the viewer's open follow-ups, with Done buttons
        today = now.astimezone(ZoneInfo(services.settings.timezone)).date()
        mine = await services.followups.open_ones(owner=user_id)
        blocks += followup_render.home_blocks(services.texts, mine, today)
        blocks += await record_blocks(services, now)
    view = View(type="home", blocks=blocks[:100])
    view.validate_json()
    return view.to_dict()


async def record_blocks(services: Services, now: datetime) -> list[Any]:
    """Issue 18: the last 90 days at a glance, computed like `outagebot report`."""
    t = services.texts
    record = await services.record.compute(now - RECORD_DAYS)
    head = t._("*The team's record, last {days} days*").format(days=RECORD_DAYS.days)
    lines = "\n".join(record_render.home_lines(t, record))
    return [DividerBlock(), SectionBlock(text=f"{head}\n{lines}")]


async def publish_home(services: Services, user_id: str) -> None:
    try:
        await services.slack.publish_home(user_id, await home_view(services, user_id))
    except SlackApiError as exc:
        log.warning("App Home for %s not published: %s", user_id, error_code(exc))


def register(app: AsyncApp, services: Services) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            services.tasks.spawn(publish_home(services, str(event["user"])), name="home")

    @app.action("home_declare")
    async def declare_from_home(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        view = declare_modal(
            services.settings.default_severity, [f.name for f in services.settings.features]
        )
        await services.slack.client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.shortcut("declare_from_message")
    async def declare_from_message(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        text = str((body.get("message") or {}).get("text") or "")
        view = declare_modal(
            services.settings.default_severity,
            [f.name for f in services.settings.features],
            title=" ".join(text.split())[:150],
            channel_id=str((body.get("channel") or {}).get("id") or ""),
        )
        await services.slack.client.views_open(trigger_id=body["trigger_id"], view=view)
