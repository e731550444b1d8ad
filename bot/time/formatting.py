"""The one way an instant is shown to people: a time, with its date when it is not the
reference day, in the reader's language.

Every "10:40" in Slack (replies, the board, the App Home, refusals), in the drafts and on the
status page comes from `when`, so the same instant never reads two ways. A time on the
reference day is the bare clock; on another day its date comes with it, in words that need
no guessing: "at 14:00 on 29 Apr" / "il 29/04 alle 14:00", "since 14:00 on 29 April" /
"dal 29 aprile alle 14:00". English never writes a day as digits (04/12 is 4 December to
some readers and 12 April to others). The preposition belongs to the phrase because Italian
changes it with the date ("dalle 14:00", "dal 29/04 alle 14:00", "dall'8/05 alle 14:00").
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.i18n import N_, Texts
from bot.time.zones import clock_time

Form = Literal["bare", "at", "since", "after", "until", "from", "to"]

# (on the reference day, on another day); `{date}` is the day, `{time}` the clock.
_PATTERNS: dict[Form, tuple[str, str]] = {
    "bare": ("{time}", N_("{date} {time}")),
    "at": (N_("at {time}"), N_("at {time} on {date}")),
    "since": (N_("since {time}"), N_("since {time} on {date}")),
    "after": (N_("after {time}"), N_("after {time} on {date}")),
    "until": (N_("until {time}"), N_("until {time} on {date}")),
    "from": (N_("from {time}"), N_("from {time} on {date}")),
    "to": (N_("to {time}"), N_("to {time} on {date}")),
}
# Babel date patterns, translated like any text: the day a reader of the language expects.
_SHORT_DAY = N_("d MMM")  # 29 Apr (English), 29/04 (Italian)
_LONG_DAY = N_("d MMMM")  # 29 April, 29 aprile

# Italian elides the article before a day that starts with a vowel sound: l'8, dall'11, all'1.
_ELIDED = re.compile(r"\b(il|dal|al|del) (?=(?:1|8|11)\b)")
_ELISION = {"il": "l'", "dal": "dall'", "al": "all'", "del": "dell'"}


def day_with_year(texts: Texts, day: date) -> str:
    """ "Sun 5 Dec 2032" / "dom 5 dic 2032": a day with its weekday and year, as a due day."""
    return format_date(day, "EEE d MMM y", locale=texts.locale)


def clock(instant: datetime, tz: str) -> str:
    """The local "HH:MM" a responder in `tz` reads on their clock (no date, no words)."""
    return instant.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def when(
    texts: Texts,
    instant: datetime,
    tz: str,
    reference: datetime,
    form: Form = "bare",
    *,
    long: bool = False,
    marked: bool = False,
) -> str:
    """`instant` on the wall clock of `tz`, dated when its day is not `reference`'s.

    `form` adds the preposition the sentence needs ("at", "since", "after", "until");
    `long` spells the month out (drafts, the status page); `marked` adds the zone's
    abbreviation ("03:20 EDT") for a span that crosses a change of offset.
    """
    zone = ZoneInfo(tz)
    local = instant.astimezone(zone)
    return on_day(texts, local, reference.astimezone(zone).date(), form, long=long, marked=marked)


def on_day(
    texts: Texts,
    local: datetime,
    reference: date,
    form: Form = "bare",
    *,
    long: bool = False,
    marked: bool = False,
) -> str:
    """`when` for a wall-clock `local` already in its zone (it keeps its own offset: the
    instant of a change of offset shown on the old one)."""
    time = clock_time(local, marked)
    same_day, other_day = _PATTERNS[form]
    if local.date() == reference:
        return texts._(same_day).format(time=time) if form != "bare" else time
    pattern = texts._(_LONG_DAY if long else _SHORT_DAY)
    shown = texts._(other_day).format(
        time=time, date=format_date(local.date(), pattern, locale=texts.locale)
    )
    if texts.language == "it":
        shown = _ELIDED.sub(lambda m: _ELISION[m.group(1)], shown)
    return shown
