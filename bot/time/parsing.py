"""Turn the time a responder types ("10:40", "ieri alle 14:30", "5 min ago") into a UTC instant.

A small explicit regex finds the leading time so the split between time and note text is
deterministic; dateparser only interprets the words in it (yesterday/ieri, dates, "5 minuti fa")
so the configured languages decide what is understood. Clock digits are read here, because
dateparser silently drops a time it cannot read ("ieri 24:00" -> yesterday at the current time).
Wall-clock times are resolved with zoneinfo rather than dateparser's TIMEZONE setting, which
raises pytz errors on DST-ambiguous times: an autumn time that happens twice takes its first
occurrence (fold=0), a spring time the clocks skipped is refused. A time is never in the future.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import dateparser

from bot.i18n import N_, Texts
from bot.time.formatting import clock, day_clock

EXAMPLES: tuple[str, ...] = (
    "10:40",
    "at 10:40",
    "alle 10:40",
    "yesterday 14:30",
    "ieri alle 14:30",
    "5 min ago",
    "5 minuti fa",
    "2026-04-30 10:40",
)

_DAY = (
    r"(?P<day>yesterday|today|ieri|oggi|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"|[0-9]{1,2}/[0-9]{1,2}(?:/[0-9]{2}(?:[0-9]{2})?)?)"
)
_CONN = r"(?P<conn>(?:at|alle(?:\s+ore)?|ore|h)\s+|all'\s*|@\s*)"
_CLOCK = (
    r"(?P<h>[0-9]{1,2})(?:(?P<sep>[:.])(?P<m>[0-9]{2})(?:(?P=sep)(?P<s>[0-9]{2}))?)?"
    r"(?:\s*(?P<ampm>[ap])\.?m\.?)?"
)
# The time may be followed by a separator ("10:40 - deploy", "10:40: deploy"); it is dropped.
_END = r"(?:\s*[,;:\-–—])?(?=\s|$)"
_ABSOLUTE = re.compile(rf"(?P<time>(?:{_DAY}\s+)?{_CONN}?{_CLOCK}){_END}", re.IGNORECASE)
_RELATIVE = re.compile(
    r"(?P<time>(?:[0-9]{1,4}\s*|an?\s+)(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\s+ago"
    r"|(?:[0-9]{1,4}\s*|un\s+|un'\s*)(?:s|sec|second[oi]|m|min|minut[oi]|h|or[ae])\s+fa)" + _END,
    re.IGNORECASE,
)
# Starts that are meant as a time but are not one we read: refused rather than kept as text.
_LOOKS_LIKE_TIME = re.compile(
    rf"(?:{_DAY}\s+)?{_CONN}?[0-9]{{1,2}}:\S*"
    r"|(?:[0-9]+|an?|un'?)\s*(?:s|m|h|sec\w*|min\w*|hours?|hrs?|or[ae]|days?|giorn[oi])\s+(?:ago|fa)"
    r"(?!\w)",
    re.IGNORECASE,
)


_UNREADABLE = N_('I can\'t read "{typed}" as a time.')


class TimeParseError(ValueError):
    """A typed time we refuse, shown to the responder with `examples`.

    It carries the untranslated pattern and its fields rather than a finished sentence: the
    parser knows no language, the place that shows the refusal does (`text(t)`). `message` is
    the English sentence, for logs and callers that show no catalog.
    """

    def __init__(self, pattern: str, examples: Sequence[str] = EXAMPLES, **fields: str) -> None:
        self.pattern, self.fields = pattern, fields
        self.message = pattern.format(**fields)
        super().__init__(self.message)
        self.examples = list(examples)

    def text(self, t: Texts) -> str:
        """The refusal in `t`'s language."""
        return t._(self.pattern).format(**self.fields)


@dataclass(frozen=True)
class TimedText:
    """A note split into its optional leading time (`at`, aware UTC) and the text after it."""

    at: datetime | None
    text: str
    time_text: str | None


def parse_note(
    text: str, *, now: datetime, tz: str, languages: Sequence[str] = ("en", "it")
) -> TimedText:
    """Split "10:40 deploy started" into a time and the note; at=None when no time leads."""
    text = text.strip()
    match = _leading(text, whole=False)
    if match is None:
        return TimedText(at=None, text=text, time_text=None)
    at, rest = _instant(match, now, tz, languages), text[match.end() :].strip()
    if not rest:
        raise TimeParseError(
            N_('Add what happened after the time, e.g. "{time} deploy started".'),
            time=match["time"],
        )
    return TimedText(at=at, text=rest, time_text=match["time"])


def parse_at(
    text: str, *, now: datetime, tz: str, languages: Sequence[str] = ("en", "it")
) -> datetime:
    """Read a text that is only a time ("at 10:40", "ieri 9", "5 min ago") as a UTC instant."""
    text = text.strip()
    match = _leading(text, whole=True)
    if match is None or text[match.end() :].strip():
        raise TimeParseError(_UNREADABLE, typed=text)
    return _instant(match, now, tz, languages)


def _leading(text: str, *, whole: bool) -> re.Match[str] | None:
    """The time `text` starts with; None for ordinary words or a count ("3 servers down")."""
    if match := _RELATIVE.match(text):
        return match
    match = _ABSOLUTE.match(text)
    if match and not whole:
        if match["m"] is None and not (match["conn"] or match["ampm"]):
            match = None
        elif match["sep"] == "." and not (match["day"] or match["conn"]):
            if not _in_range(match):
                return None  # "99.95 uptime" is a number
            if len(match["h"]) == 1:  # "2.10 release rolled out" is probably a version
                raise TimeParseError(
                    N_(
                        '"{typed}" could be a time or a number: write "{clock}" or "at {typed}"'
                        " for a time."
                    ),
                    typed=match["time"],
                    clock=f"0{match['h']}:{match['m']}",
                )
    if match:
        return match
    if looks := _LOOKS_LIKE_TIME.match(text):
        raise TimeParseError(_UNREADABLE, typed=looks[0])
    return None


def _in_range(match: re.Match[str]) -> bool:
    hour, minute, second = (int(match[g] or 0) for g in ("h", "m", "s"))
    hours_ok = 1 <= hour <= 12 if match["ampm"] else hour < 24
    return hours_ok and minute < 60 and second < 60


def _instant(match: re.Match[str], now: datetime, tz: str, languages: Sequence[str]) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    if match.re is _RELATIVE:
        # Relative to the instant, not the wall clock: "5 min ago" across a DST jump is 5 minutes.
        base = now.replace(tzinfo=None)
        parsed = _dateparse(match["time"], languages, {"RELATIVE_BASE": base})
        if parsed is None or parsed > base:
            raise TimeParseError(_UNREADABLE, typed=match["time"])
        return parsed.replace(tzinfo=UTC)
    if not _in_range(match):
        raise TimeParseError(N_('"{typed}" is not a valid time of day.'), typed=match["time"])
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    day = _day(match["day"], local_now, languages) if match["day"] else local_now.date()
    hour = int(match["h"])
    if match["ampm"]:
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
    wall = datetime.combine(day, time(hour, int(match["m"] or 0), int(match["s"] or 0)))
    try:
        at = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first of a repeated hour
    except OverflowError:
        raise TimeParseError(_UNREADABLE, typed=match["time"]) from None
    if at.astimezone(zone).replace(tzinfo=None) != wall:
        raise TimeParseError(
            N_("{time} did not happen in {tz}: the clocks jumped forward that night."),
            time=f"{wall:%d/%m %H:%M}",
            tz=tz,
        )
    if at > now:
        if day == local_now.date():
            raise TimeParseError(
                N_(
                    "{time} is in the future (it is now {now} in {tz})."
                    ' For yesterday write "yesterday {time}" or "ieri {time}".'
                ),
                time=f"{wall:%H:%M}",
                now=clock(now, tz),
                tz=tz,
            )
        raise TimeParseError(
            N_("{time} is in the future (it is now {now} in {tz})."),
            time=f"{wall:%d/%m %H:%M}",
            now=day_clock(now, tz),
            tz=tz,
        )
    return at


def _day(word: str, local_now: datetime, languages: Sequence[str]) -> date:
    """Read "ieri", "yesterday", "2026-04-30" or day-first "30/04"; a year-less date is the latest
    one not after today, so "30/12" typed on 2 January means last December."""
    settings: dict[str, Any] = {"RELATIVE_BASE": local_now, "DATE_ORDER": "DMY"}
    if word.count("/") == 1:
        settings["PREFER_DATES_FROM"] = "past"
    parsed = _dateparse(word, languages, settings)
    if parsed is None:
        raise TimeParseError(
            N_('I can\'t read "{typed}" as a day (languages: {languages}).'),
            typed=word,
            languages=", ".join(languages),
        )
    return parsed.date()


def _dateparse(text: str, languages: Sequence[str], settings: dict[str, Any]) -> datetime | None:
    try:
        parsed: datetime | None = dateparser.parse(
            text, languages=list(languages), settings=settings
        )
        return parsed
    except (ValueError, OverflowError):
        return None


DUE_EXAMPLES: tuple[str, ...] = (
    "friday",
    "venerdì",
    "2025-05-07",
    "7 maggio",
    "in 2 weeks",
    "tra 2 settimane",
)
_FRA = re.compile(r"^fra\b", re.IGNORECASE)


class DueParseError(TimeParseError):
    """A due day we refuse: unreadable (`past` None) or already past (`past` is the day read).

    Carries the pieces so the caller can say it in the team's language.
    """

    def __init__(self, message: str, text: str, past: date | None = None) -> None:
        super().__init__(message, DUE_EXAMPLES)
        self.typed, self.past = text, past


def parse_due(
    text: str, *, now: datetime, tz: str, languages: Sequence[str] = ("en", "it")
) -> date:
    """Read a due day ("friday", "entro il 7 maggio" minus its keyword, "in 2 weeks") in `tz`.

    The opposite of a note's time: a due day is in the future, and today is allowed. Year-less
    dates and weekdays mean the next one to come.
    """
    phrase = _FRA.sub("tra", " ".join(text.split()))
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    settings: dict[str, Any] = {
        "RELATIVE_BASE": local_now,
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "future",
    }
    parsed = _dateparse(phrase, languages, settings) if phrase else None
    if parsed is None:
        raise DueParseError(f'I can\'t read "{text}" as a day.', text)
    if parsed.date() < local_now.date():
        raise DueParseError(f"{parsed:%d/%m/%Y} is already past.", text, parsed.date())
    return parsed.date()
