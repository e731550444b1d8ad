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
    if name:
        cursor: str | None = None
        while True:
            resp = await slack.client.users_list(limit=200, cursor=cursor)
            for user in resp.get("members", []):
                profile = user.get("profile") or {}
                names = {user.get("name"), profile.get("display_name"), profile.get("real_name")}
                if name in {str(n).lower() for n in names if n} and not user.get("deleted"):
                    return str(user["id"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
    raise InputError(
        f"`{text[:80]}` is not a user in this workspace.",
        "Mention them: `/incident lead @giulia`.",
    )
