"""What an entry says, in Slack markup, and the names needed to show it readably.

Captured text is stored as sent (`<@U123>`, `<!here>`, `&amp;`); each place that shows it
renders it with `bot.slacktext`, using display names resolved here, when shown.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

import aiohttp

from bot.models import EntryKind, TimelineEntry
from bot.people import People

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)")
_ACTIONS = {
    EntryKind.declared: "Declared: {text}",
    EntryKind.status: "Status: {text}",
    EntryKind.severity: "Severity: {upper}",
    EntryKind.lead: "Lead: <@{text}>",
    EntryKind.rename: "Renamed: {text}",
    EntryKind.resolved: "Resolved",
    EntryKind.closed: "Closed",
}


def describe(entry: TimelineEntry) -> str:
    """The entry as one Slack-markup text: chat and notes as typed, bot actions as a phrase."""
    template = _ACTIONS.get(entry.kind)
    if template is None:
        return entry.text or entry.kind.value
    return template.format(text=entry.text, upper=entry.text.upper())


def people_in(entries: Iterable[TimelineEntry]) -> list[str]:
    """Authors and everyone mentioned, in the entries and their earlier texts."""
    ids: dict[str, None] = {}
    for entry in entries:
        if entry.actor:
            ids[entry.actor] = None
        for text in (describe(entry), *(r.text for r in entry.revisions)):
            ids.update(dict.fromkeys(mentioned(text)))
    return list(ids)


def mentioned(text: str) -> list[str]:
    """The user ids a Slack-markup text mentions."""
    return _MENTION.findall(text)


async def names_for(people: People, user_ids: list[str]) -> Mapping[str, str]:
    """Display names (cached, else fetched once); ids stand in when Slack cannot be reached."""
    try:
        return await people.names(user_ids)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("showing user ids: Slack unreachable for names (%s)", type(exc).__name__)
        return {}
