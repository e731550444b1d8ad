"""Display names for Slack user ids, resolved once and cached in the database."""

from __future__ import annotations

import logging
import re

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.errors import InputError
from bot.i18n import Texts
from bot.slack.gateway import SlackWeb, error_code
from bot.store import tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database
from bot.time.clock import Clock

log = logging.getLogger(__name__)

_ESCAPED = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


async def resolve_user(slack: SlackWeb, t: Texts, text: str) -> str:
    """`<@U123|name>` (Slack's escaped mention) or a plain `@name` -> a user id; an unknown
    name is refused. Here rather than at the edge because flows read owners from typed text."""
    text = text.strip()
    if match := _ESCAPED.match(text):
        return match.group(1)
    name = text.removeprefix("@").lower()
    if name and (user := await slack.find_user(name)):
        return user
    raise InputError(
        t._("`{text}` is not a user in this workspace.").format(text=text[:80]),
        t._("Mention them as Slack completes it: type `@` and pick the name."),
    )


class People:
    def __init__(self, db: Database, slack: SlackWeb, clock: Clock, *, fetch: bool = True) -> None:
        """`fetch=False` (no bot token, as on the command line): names from the cache only."""
        self.db, self.slack, self.clock, self.fetch = db, slack, clock, fetch

    async def name(self, user_id: str) -> str:
        names = await self.names([user_id])
        return names[user_id]

    async def names(self, user_ids: list[str]) -> dict[str, str]:
        """Names for these ids; unknown ones are fetched from Slack once and remembered."""
        wanted = {u for u in user_ids if u}
        if not wanted:  # most notes mention nobody: no query
            return {}
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(tables.users.c.user_id, tables.users.c.display_name).where(
                    tables.users.c.user_id.in_(wanted)
                )
            )
            known = {row.user_id: row.display_name for row in rows}
        for user_id in wanted - known.keys():
            if not self.fetch:
                known[user_id] = user_id
                continue
            try:
                known[user_id] = await self.slack.user_name(user_id)
            except SlackApiError as exc:
                log.warning("could not resolve user %s: %s", user_id, error_code(exc))
                known[user_id] = user_id
                continue
            except Exception as exc:  # noqa: BLE001 - Slack unreachable: show the id, try again next time
                log.warning("could not resolve user %s: %s", user_id, type(exc).__name__)
                known[user_id] = user_id
                continue
            async with self.db.begin() as conn:
                await conn.execute(
                    insert_ignoring_conflicts(tables.users, "user_id").values(
                        user_id=user_id, display_name=known[user_id], fetched_at=self.clock.now()
                    )
                )
        return known
