"""The Slack edge: Bolt listeners that parse payloads, call one service, render the answer."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.services import Services
from handlers import (
    changes,
    checks,
    corrections,
    errors,
    features,
    followups,
    home,
    lifecycle,
    maintenance,
    paging,
    postmortem,
    router,
    statuspage,
    timeline,
)
from handlers.middleware import dedupe_events


def register(app: AsyncApp, services: Services) -> None:
    app.middleware(dedupe_events(services))
    errors.register(app, services)
    subcommands = [
        *lifecycle.SUBCOMMANDS,
        *features.SUBCOMMANDS,
        *maintenance.SUBCOMMANDS,
        *changes.SUBCOMMANDS,
        *paging.SUBCOMMANDS,
        *timeline.SUBCOMMANDS,
        *postmortem.SUBCOMMANDS,
        *followups.SUBCOMMANDS,
        *statuspage.SUBCOMMANDS,
        *corrections.SUBCOMMANDS,
        *checks.SUBCOMMANDS,
    ]
    router.register(app, router.Router(services, subcommands))
    # Bolt tries listeners in order: chat, by far the most frequent, is matched early.
    timeline.register(app, services)
    lifecycle.register(app, services)
    features.register(app, services)
    maintenance.register(app, services)
    changes.register(app, services)
    paging.register(app, services)
    home.register(app, services)
    postmortem.register(app, services)
    followups.register(app, services)
    statuspage.register(app, services)
    corrections.register(app, services)
    checks.register(app, services)

    # Ack every other event type: an unhandled event gets no 2xx and Slack retries it.
    @app.event(re.compile(".*"))
    async def ignore_other_events(body: dict[str, Any]) -> None:
        return None
