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
from calendar import monthrange
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dateparser

from bot.i18n import N_, Texts
from bot.time.formatting import clock, when

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

# A part of the day read before its clock ("stamattina alle 7:00", "ieri sera alle 11"): the
# language it belongs to, how many days back, and whether a bare 1-11 o'clock means p.m.
_PARTS: dict[str, tuple[str, int, bool]] = {
    "this morning": ("en", 0, False),
    "this afternoon": ("en", 0, True),
    "this evening": ("en", 0, True),
    "tonight": ("en", 0, True),
    "yesterday morning": ("en", 1, False),
    "yesterday afternoon": ("en", 1, True),
    "yesterday evening": ("en", 1, True),
    "last night": ("en", 1, True),
    "stamattina": ("it", 0, False),
    "stamane": ("it", 0, False),
    "oggi pomeriggio": ("it", 0, True),
    "stasera": ("it", 0, True),
    "ieri mattina": ("it", 1, False),
    "ieri pomeriggio": ("it", 1, True),
    "ieri sera": ("it", 1, True),
}
_PART = "|".join(p.replace(" ", r"\s+") for p in sorted(_PARTS, key=len, reverse=True))
# A night runs past midnight: "last night at 2" is 02:00 of the next day, not 14:00.
_NIGHTS = {"last night", "tonight"}
_NIGHT_ENDS = 6
# A weekday means the latest one not after today ("lunedì 10:30" typed on Wednesday).
_WEEKDAY = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|luned[iì]|marted[iì]"
    r"|mercoled[iì]|gioved[iì]|venerd[iì]|sabato|domenica"
)
_DAY = (
    rf"(?P<day>{_PART}|yesterday|today|ieri|oggi|{_WEEKDAY}|[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}"
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
# Spans said in words, read as the minutes they are ("mezz'ora fa" is "30 minuti fa").
_SPANS = {
    "half an hour": "30 minutes",
    "a quarter of an hour": "15 minutes",
    "quarter of an hour": "15 minutes",
    "mezz'ora": "30 minuti",
    "mezzora": "30 minuti",
    "un quarto d'ora": "15 minuti",
}
_SPAN_WORDS = re.compile(
    "|".join(s.replace(" ", r"\s+").replace("'", r"'\s*") for s in _SPANS), re.IGNORECASE
)
_SPAN_AGO = (
    r"(?:(?:[0-9]{1,4}\s*|an?\s+)(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)"
    r"|half\s+an\s+hour|(?:a\s+)?quarter\s+of\s+an\s+hour)\s+ago"
    r"|(?:(?:[0-9]{1,4}\s*|un\s+|un'\s*)(?:s|sec|second[oi]|m|min|minut[oi]|h|or[ae])"
    r"|mezz'\s*ora|mezzora|un\s+quarto\s+d'\s*ora)\s+fa"
)
_RELATIVE = re.compile(rf"(?P<time>{_SPAN_AGO}){_END}", re.IGNORECASE)
# Starts that are meant as a time but are not one we read: refused rather than kept as text.
_LOOKS_LIKE_TIME = re.compile(
    rf"(?:{_DAY}\s+)?{_CONN}?[0-9]{{1,2}}:\S*"
    r"|(?:[0-9]+|an?|un'?)\s*(?:s|m|h|sec\w*|min\w*|hours?|hrs?|or[ae]|days?|giorn[oi])\s+(?:ago|fa)"
    r"(?!\w)",
    re.IGNORECASE,
)
# A day named anywhere with no time of day ("riavvio ieri", "restart this morning", "lunedì
# riavvio"): meant as when it happened, so refused, unless the word before it or an "'s" after
# it makes it qualify something else ("il deploy di ieri", "yesterday's deploy", "slower than
# yesterday"). "Today" is not one: a note recorded now happened today.
_DAY_WORDS = rf"{_PART}|yesterday|ieri|stanotte|{_WEEKDAY}"
_DAY_WORD = re.compile(
    rf"(?<![\w'’])(?:(?P<before>\w+)\s+)?(?P<day>{_DAY_WORDS})(?![\w'’])", re.IGNORECASE
)
_QUALIFIERS = frozenset(
    {"di", "da", "del", "dal", "della", "dalla", "come"}
    | {"of", "since", "from", "until", "till", "than", "like", "as"}
)
# Italian "of the" before a date: what it names is something else's day, not a due day.
_OF_THE = frozenset({"dello", "dei", "degli", "delle", "dall'", "dell'"})
_DAY_AT_END = re.compile(rf"\s+(?P<day>{_DAY_WORDS})$", re.IGNORECASE)
_FUTURE_DAY = re.compile(r"(?:tomorrow|domani)(?!\w)", re.IGNORECASE)
# A time inside the text ("riavvio alle 7:00", "restart yesterday 5pm", "restart 5 min ago"):
# said when it happened.
_TIME_INSIDE = re.compile(
    rf"(?<![\w:./])(?:{_DAY}\s+)?(?:(?:(?:at|alle(?:\s+ore)?|ore|h)\s+|all'\s*)?[0-9]{{1,2}}:[0-9]{{2}}"
    r"(?:\s*[ap]\.?m\.?)?|[0-9]{1,2}\s*[ap]\.?m\.?"
    r"|(?:at|alle(?:\s+ore)?)\s+[0-9]{1,2}(?:\.[0-9]{2})?(?:\s*[ap]\.?m\.?)?"
    rf"|{_SPAN_AGO})(?![\w:])",
    re.IGNORECASE,
)
# Said first, the note is recorded now as written even when its text holds a time.
_NOW = re.compile(r"(?:now|adesso)(?:\s*[,:;\-–—])?(?=\s|$)", re.IGNORECASE)


_UNREADABLE = N_('I can\'t read "{typed}" as a time.')


class TimeParseError(ValueError):
    """A typed time we refuse, shown to the responder with `examples`.

    It carries the untranslated pattern and its fields rather than a finished sentence: the
    parser knows no language, the place that shows the refusal does (`text(t)`). `message` is
    the English sentence, for logs and callers that show no catalog.
    """

    def __init__(
        self,
        pattern: str,
        examples: Sequence[str] = EXAMPLES,
        *,
        moments: Mapping[str, tuple[datetime, str, datetime]] | None = None,
        **fields: str,
    ) -> None:
        """`moments` are instants shown in the reader's words: (instant, timezone, today)."""
        self.pattern, self.fields, self.moments = pattern, fields, dict(moments or {})
        shown = {
            k: f"{at.astimezone(ZoneInfo(tz)):%d %b %H:%M}"
            for k, (at, tz, _) in self.moments.items()
        }
        self.message = pattern.format(**fields, **shown)
        super().__init__(self.message)
        self.examples = list(examples)

    def text(self, t: Texts) -> str:
        """The refusal in `t`'s language."""
        shown = {k: when(t, *moment) for k, moment in self.moments.items()}
        return t._(self.pattern).format(**self.fields, **shown)


@dataclass(frozen=True)
class TimedText:
    """A note split into its optional leading time (`at`, aware UTC) and the text after it."""

    at: datetime | None
    text: str
    time_text: str | None


def parse_note(
    text: str, *, now: datetime, tz: str, languages: Sequence[str] = ("en", "it")
) -> TimedText:
    """Split "10:40 deploy started" into a time and the note; at=None for now.

    Nothing that reads as a time is kept as mere text: a time inside the note or a day without
    its time ("ieri riavvio") is refused, unless the note starts with "now"/"adesso".
    """
    text = text.strip()
    if said_now := _NOW.match(text):
        rest = text[said_now.end() :].strip()
        if not rest:
            raise TimeParseError(N_("Say what happened."))
        return TimedText(at=None, text=rest, time_text=None)
    match = _leading(text, whole=False)
    if match is None:
        _refuse_unplaced_time(text)
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
        if future := _FUTURE_DAY.match(text):
            raise TimeParseError(
                N_('"{typed}" is in the future: only what already happened is recorded.'),
                typed=future[0],
            )
        raise TimeParseError(_UNREADABLE, typed=text)
    return _instant(match, now, tz, languages)


def trailing_time(
    text: str, *, now: datetime, tz: str, languages: Sequence[str] = ("en", "it")
) -> tuple[str, datetime] | None:
    """Split a time typed without "at" off the end of a name ("Acquisti ieri 14:00",
    "Quotes yesterday 2pm", "Offerte mezz'ora fa"); None when the name ends in no time.

    Only a time that cannot be a word of a name counts: a clock with minutes or am/pm, a day
    with its clock, a span ago. The longest such ending is read; one that reads as a time but
    is refused (in the future, 25:00) raises, so it is never kept as part of the name.
    """
    words = text.split()
    for start in range(1, len(words)):
        tail = " ".join(words[start:])
        match = _RELATIVE.fullmatch(tail) or _ABSOLUTE.fullmatch(tail)
        if match is None:
            if _LOOKS_LIKE_TIME.fullmatch(tail):
                raise TimeParseError(_UNREADABLE, typed=tail)
            continue
        if match.re is _ABSOLUTE and not (match["m"] or match["ampm"]):
            continue  # "Bulk export 2": a bare number is part of the name
        return " ".join(words[:start]), _instant(match, now, tz, languages)
    return None


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


def _refuse_unplaced_time(text: str) -> None:
    """Refuse a note with no leading time whose words still say when it happened."""
    if future := _FUTURE_DAY.match(text):
        raise TimeParseError(
            N_('"{typed}" is in the future: a note records what already happened.'),
            typed=future[0],
        )
    day = day_without_time(text)
    first = day is not None and text[: len(day)].lower() == day.lower()
    if not first and (inside := _TIME_INSIDE.search(text)):
        raise TimeParseError(
            N_(
                '"{typed}" says when this happened: put it first ("{typed} …"), or start with'
                ' "now" to record the note at the current time as written.'
            ),
            typed=inside[0],
        )
    if day:
        if _ABSOLUTE.fullmatch(f"{day} 10:30"):
            raise TimeParseError(
                N_(
                    '"{typed}" needs its time of day: "{typed} 10:30 …". Start with "now" to'
                    " record the note at the current time as written."
                ),
                typed=day,
            )
        raise TimeParseError(
            N_(
                '"{typed}" says when this happened, but it is not a day I read: start with the'
                ' day and its time ("yesterday 23:30 …", "30/04 02:00 …"), or with "now" to'
                " record the note at the current time as written."
            ),
            typed=day,
        )


def day_without_time(text: str) -> str | None:
    """The first day `text` names as when something happened, with no time of day ("ieri" in
    "riavvio ieri"); None when it names none or only qualifies a word with one ("di ieri")."""
    for match in _DAY_WORD.finditer(text):
        if (match["before"] or "").lower() not in _QUALIFIERS:
            return match["day"]
    return None


def trailing_day(text: str) -> tuple[str, str] | None:
    """Split a day typed without its time off the end of a name ("Acquisti ieri" -> "Acquisti",
    "ieri"); None when the name does not end in one."""
    if match := _DAY_AT_END.search(text.strip()):
        return text.strip()[: match.start()], match["day"]
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
        spoken = _SPAN_WORDS.sub(lambda m: _SPANS[_words(m[0])], match["time"])
        parsed = _dateparse(spoken, languages, {"RELATIVE_BASE": base})
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
    elif (part := _part(match["day"])) and part[2] and 1 <= hour < 12:
        if _words(match["day"]) in _NIGHTS and hour < _NIGHT_ENDS:
            day += timedelta(days=1)  # "last night at 2": after midnight
        else:
            hour += 12  # "ieri sera alle 11", "this evening at 9", "last night at 11"
    wall = datetime.combine(day, time(hour, int(match["m"] or 0), int(match["s"] or 0)))
    try:
        at = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first of a repeated hour
    except OverflowError:
        raise TimeParseError(_UNREADABLE, typed=match["time"]) from None
    if at.astimezone(zone).replace(tzinfo=None) != wall:
        raise TimeParseError(
            N_("{time} did not happen in {tz}: the clocks jumped forward that night."),
            time=f"{wall:%H:%M}",
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
            moments={"time": (at, tz, now), "now": (now, tz, at)},
            tz=tz,
        )
    return at


def _part(word: str | None) -> tuple[str, int, bool] | None:
    """The part of the day `word` names ("stamattina", "yesterday evening"), if it names one."""
    return _PARTS.get(_words(word)) if word else None


def _words(typed: str) -> str:
    """`typed` lower-cased with single spaces and none after an apostrophe ("mezz' ora")."""
    return re.sub(r"'\s+", "'", " ".join(typed.lower().split()))


def _day(word: str, local_now: datetime, languages: Sequence[str]) -> date:
    """Read "ieri", "yesterday", "stamattina", "2026-04-30" or day-first "30/04"; a year-less date
    is the latest one not after today, so "30/12" typed on 2 January means last December."""
    if (part := _part(word)) and part[0] in languages:
        return local_now.date() - timedelta(days=part[1])
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
_MONTHS = {
    **dict.fromkeys(("january", "jan", "gennaio", "gen"), 1),
    **dict.fromkeys(("february", "feb", "febbraio"), 2),
    **dict.fromkeys(("march", "mar", "marzo"), 3),
    **dict.fromkeys(("april", "apr", "aprile"), 4),
    **dict.fromkeys(("may", "maggio", "mag"), 5),
    **dict.fromkeys(("june", "jun", "giugno", "giu"), 6),
    **dict.fromkeys(("july", "jul", "luglio", "lug"), 7),
    **dict.fromkeys(("august", "aug", "agosto", "ago"), 8),
    **dict.fromkeys(("september", "sep", "sept", "settembre", "set"), 9),
    **dict.fromkeys(("october", "oct", "ottobre", "ott"), 10),
    **dict.fromkeys(("november", "nov", "novembre"), 11),
    **dict.fromkeys(("december", "dec", "dicembre", "dic"), 12),
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
# The calendar dates a due phrase may name: "32 dicembre", "December 32nd", "30/02", "2025-02-30".
_DATES = re.compile(
    rf"(?<!\w)(?:(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th|°)?\s+(?:of\s+|di\s+)?(?P<m>{_MONTH})"
    rf"|(?P<m2>{_MONTH})\s+(?P<d2>[0-9]{{1,2}})(?:st|nd|rd|th)?)(?!\w)(?:,?\s+(?P<y>[0-9]{{4}}))?"
    r"|(?<![\w/])(?P<d3>[0-9]{1,2})/(?P<m3>[0-9]{1,2})(?:/(?P<y3>[0-9]{2,4}))?(?![\w/])"
    r"|(?<!\w)(?P<y4>[0-9]{4})-(?P<m4>[0-9]{1,2})-(?P<d4>[0-9]{1,2})(?!\w)"
    r"|^(?:il\s+|the\s+)?(?P<d5>[0-9]{1,2})(?:st|nd|rd|th|°)?$",
    re.IGNORECASE,
)
# A due phrase that names a day but is not read is refused, not kept as text.
_NAMES_A_DAY = re.compile(
    r"(?<!\w)(?:january|february|march|april|june|july|august|september|october|november"
    r"|december|gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre"
    rf"|novembre|dicembre|{_WEEKDAY})(?!\w)"
    r"|[0-9]{1,2}[/.-][0-9]{1,2}|^(?:il\s+|the\s+)?[0-9]{1,2}(?:st|nd|rd|th|°)?$",
    re.IGNORECASE,
)
# A due day said at the end of a line without "by"/"entro" ("Scrivere test venerdì", "… il 5
# gennaio", "… domani alle 9", "Write tests next friday"): only the forms that are not words of
# a task — a weekday, today/tomorrow, a day with its month, an ISO date — and a time of day
# after it, which goes with the day (a follow-up is due on a day). "1/2" or "the 5th" alone
# could be a version or a count: those need the keyword.
_TRAILING_DUE = re.compile(
    r"\s(?:(?:on|for|per|the|il)\s+|l['’]\s*)?(?:(?:next|this|prossim[oa]|quest[oa])\s+)?"
    rf"(?P<day>{_WEEKDAY}|today|tomorrow|oggi|domani"
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th|°)?\s+(?:of\s+|di\s+)?(?:{_MONTH})(?:,?\s+[0-9]{{4}})?"
    rf"|(?:{_MONTH})\s+[0-9]{{1,2}}(?:st|nd|rd|th)?(?:,?\s+[0-9]{{4}})?"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})(?:\s+prossim[oa])?"
    r"(?:\s+(?:at|alle|ore)\s+[0-9]{1,2}(?:[:.][0-9]{2})?(?:\s*[ap]\.?m\.?)?)?\s*[.]?$",
    re.IGNORECASE,
)
# A due day further away than this is asked about, unless its year was typed.
FAR_DAYS = 365


def impossible_date(text: str) -> str | None:
    """The first calendar date in `text` that does not exist ("32 dicembre", "30 febbraio")."""
    for match in _DATES.finditer(text):
        day, month, year = (
            next((match[g] for g in group if match[g]), "")
            for group in (("d", "d2", "d3", "d4", "d5"), ("m", "m2", "m3", "m4"), ("y", "y3", "y4"))
        )
        number = int(month) if month.isdigit() else _MONTHS.get(month.lower(), 1)
        leap = int(year) if len(year) == 4 else 2000  # 29/02 exists in some year
        longest = 31 if not month else monthrange(leap, number)[1] if 1 <= number <= 12 else 0
        if not 1 <= int(day) <= longest:
            return match[0]
    return None


def trailing_due(text: str) -> tuple[str, str] | None:
    """Split a due day said without its keyword off the end of a line ("Scrivere test venerdì"
    -> "Scrivere test", "venerdì"); None when the line does not end in one or is only one."""
    match = _TRAILING_DUE.search(text)
    if match is None or not text[: match.start()].strip():
        return None
    before = text[: match.start()].split()
    if before[-1].lower() in _QUALIFIERS | _OF_THE:  # "il deploy del 4 dicembre": a reference
        return None
    return text[: match.start()], match["day"]


_WHOLE_DAY_WORD = re.compile(rf"{_DAY_WORDS}|today|oggi|tomorrow|domani", re.IGNORECASE)


def is_day_word(word: str) -> bool:
    """Whether `word` is a day said in words ("ieri", "domani", "lunedì", "stamattina")."""
    return _WHOLE_DAY_WORD.fullmatch(_words(word)) is not None


def names_a_day(text: str) -> bool:
    """Whether `text` names a day (a month, a weekday, "30/04", a bare day number)."""
    return _NAMES_A_DAY.search(text.strip()) is not None


class DueParseError(TimeParseError):
    """A due day we refuse: unreadable, not in the calendar (`impossible`), already past (`past`
    is the day read) or further than a year without its year typed (`far` is the day read).

    Carries the pieces so the caller can say it in the team's language.
    """

    def __init__(
        self,
        message: str,
        text: str,
        past: date | None = None,
        *,
        impossible: str | None = None,
        far: date | None = None,
    ) -> None:
        super().__init__(message, DUE_EXAMPLES)
        self.typed, self.past, self.impossible, self.far = text, past, impossible, far


def parse_due(
    text: str, *, now: datetime, tz: str, languages: Sequence[str] = ("en", "it")
) -> date:
    """Read a due day ("friday", "entro il 7 maggio" minus its keyword, "in 2 weeks") in `tz`.

    The opposite of a note's time: a due day is in the future, and today is allowed. Year-less
    dates and weekdays mean the next one to come. A date not in the calendar is refused (never
    read as another: "32 dicembre" is not 2032); a day more than a year away needs its year.
    """
    phrase = _FRA.sub("tra", " ".join(text.split()))
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if wrong := impossible_date(phrase):
        raise DueParseError(f'"{wrong}" is not a date.', text, impossible=wrong)
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
    far = parsed.date() > local_now.date() + timedelta(days=FAR_DAYS)
    if far and not re.search(r"(?<![0-9])[0-9]{4}(?![0-9])", phrase):
        raise DueParseError(
            f"{parsed:%Y-%m-%d} is more than a year away: write its year to confirm.",
            text,
            far=parsed.date(),
        )
    return parsed.date()
