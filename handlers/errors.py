"""What happens when a listener raises: bad input is answered, not treated as a crash."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.errors import Expired, InputError
from bot.services import Services

log = logging.getLogger(__name__)


def register(app: AsyncApp, services: Services) -> None:
    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        if not isinstance(error, InputError):
            # A bug: Bolt logs it and answers 500, so Slack retries an event it delivered.
            log.error("listener failed: %s", type(error).__name__, exc_info=error)
            return None
        log.info("refused: %s", error.message)
        url = body.get("response_url") if isinstance(body, dict) else None
        if isinstance(url, str) and url:
            services.tasks.spawn(answer(services, url, error))
        return BoltResponse(status=200, body="")


async def answer(services: Services, url: str, error: InputError) -> None:
    """Bad input is answered to the person; a stale button also has its message replaced by
    a line saying it expired, so nobody else presses it."""
    if isinstance(error, Expired):
        expired = services.texts._("This button expired: {reason}").format(reason=error.message)
        text = f":hourglass: {expired}"
        blocks = [SectionBlock(text=MarkdownTextObject(text=text)).to_dict()]
        await services.slack.respond(url, text, blocks, replace_original=True)
    await services.slack.respond(url, f":warning: {error}", replace_original=False)
