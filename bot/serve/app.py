"""The Bolt app factory: the only place in `bot/` (with the sandbox) that knows Bolt."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot.services import Services


def build_app(services: Services, *, socket_mode: bool = False) -> AsyncApp:
    """An AsyncApp on the services' Web API client; listeners come from `handlers`.

    `process_before_response`: Bolt answers Slack only after the listener returned, so an event
    is acknowledged once it is recorded (a crash makes Slack retry instead of losing it) and
    command handlers keep their inline work short, handing the rest to background tasks.
    """
    import handlers  # the edge depends on bot, never the other way round at import time

    settings = services.settings
    secret = settings.slack_signing_secret
    app = AsyncApp(
        client=services.slack.client,
        signing_secret=secret.get_secret_value() if secret else None,
        request_verification_enabled=not socket_mode,
        process_before_response=True,
        logger=logging.getLogger("outagebot.bolt"),
    )
    handlers.register(app, services)
    return app
