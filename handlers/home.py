"""The App Home tab and the two ways to open the declare modal outside a command.

The view itself is built in `bot/incidents/blocks.py`: a flow refreshes it after every change.
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.incidents.blocks import HOME_DECLARE
from bot.incidents.flows import refresh_home
from bot.services import Services
from handlers.payloads import BlockActions, MessageShortcut, UserEvent, payload
from handlers.views import declare_modal

log = logging.getLogger(__name__)


def register(app: AsyncApp, services: Services) -> None:
    @app.event("app_home_opened")
    async def home_opened(context: AsyncBoltContext) -> None:
        event = payload(context, UserEvent)
        if event.tab in (None, "home") and event.user:
            services.tasks.spawn(refresh_home(services, event.user), name="home")

    @app.action(HOME_DECLARE)
    async def declare_from_home(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        click = payload(context, BlockActions)
        view = declare_modal(
            services.texts,
            services.settings.default_severity,
            [f.name for f in services.settings.features],
        )
        await services.slack.open_view(click.trigger_id or "", view)

    @app.shortcut("declare_from_message")
    async def declare_from_message(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        shortcut = payload(context, MessageShortcut)
        text = (shortcut.message.text if shortcut.message else None) or ""
        view = declare_modal(
            services.texts,
            services.settings.default_severity,
            [f.name for f in services.settings.features],
            title=" ".join(text.split())[:150],
            channel_id=(shortcut.channel.id if shortcut.channel else None) or "",
        )
        await services.slack.open_view(shortcut.trigger_id or "", view)
