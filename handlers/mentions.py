"""Reading user references out of command text."""

from __future__ import annotations

import re

from bot.errors import InputError
from bot.slackweb import SlackWeb

_ESCAPED = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


async def resolve_user(slack: SlackWeb, text: str) -> str:
    """`<@U123|name>` (Slack's escaped mention) or a plain `@name` -> a user id."""
    text = text.strip()
    if match := _ESCAPED.match(text):
        return match.group(1)
    name = text.removeprefix("@").lower()
    if name and (user := await slack.find_user(name)):
        return user
    raise InputError(
        f"`{text[:80]}` is not a user in this workspace.",
        "Mention them: `/incident lead @giulia`.",
    )
