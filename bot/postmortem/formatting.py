"""Dates, times, durations and lists in the draft's language, all through Babel.

Babel's `format_timedelta` rounds to a single unit ("7 hours"), which is exactly how the
outage post got its numbers wrong; durations here are whole hours and minutes, truncated,
joined with the locale's own list pattern ("6 ore e 50 minuti").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_name
from babel.lists import format_list
from babel.units import format_unit

from bot.postmortem.phrases import Phrases


class Formatter:
    """Formats instants in one timezone and one language, relative to the incident's day."""

    def __init__(self, language: str, phrases: Phrases, timezone: str, day: datetime) -> None:
        self.locale = Locale.parse(language)  # parsed once: drafts format thousands of times
        self.phrases = phrases
        self.zone = ZoneInfo(timezone)
        self.day = self.local(day).date()

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def long_date(self, day: date | None = None) -> str:
        """`mercoledì 30 aprile 2025`; the incident's day by default."""
        return format_date(day or self.day, self.phrases.date_pattern, locale=self.locale)

    def time(self, instant: datetime) -> str:
        return format_time(self.local(instant), "HH:mm", locale=self.locale)

    def when(self, instant: datetime) -> str:
        """`10:40` on the incident's day, `29 aprile 14:00` on any other day."""
        local = self.local(instant)
        if local.date() == self.day:
            return self.time(instant)
        day = format_date(local.date(), self.phrases.day_pattern, locale=self.locale)
        return f"{day} {self.time(instant)}"

    def stamp(self, instant: datetime) -> str:
        """Machine form for Mermaid (`dateFormat YYYY-MM-DD HH:mm`), in local time."""
        return self.local(instant).strftime("%Y-%m-%d %H:%M")

    def zone_name(self) -> str:
        """`Central European Summer Time` as in effect on the incident's day."""
        noon = datetime(self.day.year, self.day.month, self.day.day, 12, tzinfo=self.zone)
        return get_timezone_name(noon, "long", locale=self.locale)

    def duration(self, delta: timedelta) -> str:
        """`6 hours and 50 minutes`, `1 ora`, `45 minuti`: whole minutes, truncated."""
        hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
        parts = []
        if hours:
            parts.append(format_unit(hours, "duration-hour", length="long", locale=self.locale))
        if minutes or not hours:
            parts.append(format_unit(minutes, "duration-minute", length="long", locale=self.locale))
        return self.join(parts)

    def join(self, items: Sequence[str]) -> str:
        return format_list(list(items), locale=self.locale) if items else ""
