"""A follow-up line split into its text, its `@owner` and its due day.

"Automated checks on the deploy tool version @bob by 2025-05-07" and "Controlli automatici
entro venerdì" are what people type; the owner is found like the drafts' action items, the due
day like a note's time but in the future (bot.time.parsing.parse_due).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.postmortem.facts import ActionItem, parse_action_items
from bot.time.parsing import DueParseError, names_a_day, parse_due, trailing_due

# A keyword whose rest of the line is the day: "by friday", "entro il 7 maggio".
_BEFORE_DAY = re.compile(
    r"\s(?:by|before|due|entro(?:\s+il|\s+l')?|scadenza|deadline)(?:\s*:\s*|\s+|(?<='))",
    re.IGNORECASE,
)
# A span from now, read whole: "in 2 weeks", "tra 3 giorni".
_SPAN = re.compile(r"\s((?:in|tra|fra)\s+\w+\s+\w+)\s*[.]?$", re.IGNORECASE)
_LONGEST_DAY = 40


@dataclass(frozen=True)
class TypedFollowUp:
    """A line before its owner is looked up: `owner` is `<@U1>`, `@name` or None."""

    text: str
    owner: str | None
    due_on: date | None


def split_due(text: str, *, now: datetime, tz: str) -> tuple[str, date | None]:
    """The text without its trailing due phrase, and the day; a refused day raises DueParseError.

    The phrase is a span ("in 2 weeks"), the rest of the line after a keyword ("by friday",
    "entro il 7 maggio"), or a day said at the end without one ("venerdì", "next friday").
    """
    padded = " " + text
    if (span := _SPAN.search(padded)) and (day := _day(span[1], now, tz)):
        return padded[: span.start()].strip(" ,;-–—"), day
    for match in reversed(list(_BEFORE_DAY.finditer(padded))):
        tail = padded[match.end() :].strip().rstrip(".")
        if tail and len(tail) <= _LONGEST_DAY and (day := _day(tail, now, tz)):
            return padded[: match.start()].strip(" ,;-–—"), day
    if said := trailing_due(padded):
        return said[0].strip(" ,;-–—"), parse_due(said[1], now=now, tz=tz)
    return text, None


def _day(phrase: str, now: datetime, tz: str) -> date | None:
    """The day `phrase` names; None when it names none ("by the whole team"), so it stays text.

    A phrase that names a day but is refused (not in the calendar, past, more than a year
    away, unreadable) raises: a day is never dropped silently.
    """
    try:
        return parse_due(phrase, now=now, tz=tz)
    except DueParseError as exc:
        if exc.past or exc.impossible or exc.far or names_a_day(phrase):
            raise
        return None


def parse_line(item: ActionItem, *, now: datetime, tz: str) -> TypedFollowUp:
    text, due = split_due(item.text, now=now, tz=tz)
    return TypedFollowUp(text=text or item.text, owner=item.owner, due_on=due)


def parse_lines(text: str, *, now: datetime, tz: str) -> list[TypedFollowUp]:
    """Every action-item line of the close form; bullets and numbering dropped."""
    return [parse_line(item, now=now, tz=tz) for item in parse_action_items(text)]
