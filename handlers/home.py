"""The App Home tab and the two ways to open the declare modal outside a command.

The view itself is built in `bot/incidents/blocks.py`: a flow refreshes it after every change.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.incidents.blocks import HOME_DECLARE
from bot.incidents.flows import refresh_home
from bot.services import Services
from handlers.views import declare_modal

log = logging.getLogger(__name__)


def register(app: AsyncApp, services: Services) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            services.tasks.spawn(refresh_home(services, str(event["user"])), name="home")

    @app.action(HOME_DECLARE)
    async def declare_from_home(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        view = declare_modal(
            services.texts,
            services.settings.default_severity,
            [f.name for f in services.settings.features],
        )
        await services.slack.open_view(body["trigger_id"], view)

    @app.shortcut("declare_from_message")
    async def declare_from_message(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        text = str((body.get("message") or {}).get("text") or "")
        view = declare_modal(
            services.texts,
            services.settings.default_severity,
            [f.name for f in services.settings.features],
            title=" ".join(text.split())[:150],
            channel_id=str((body.get("channel") or {}).get("id") or ""),
        )
        await services.slack.open_view(body["trigger_id"], view)
