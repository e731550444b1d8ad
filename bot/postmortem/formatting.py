"""Dates, times, durations and lists in the draft's language, all through Babel.

Babel's `format_timedelta` rounds to a single unit ("7 hours"), which is exactly how the
outage post got its numbers wrong; durations here are the whole hours and minutes
`bot.time.durations` measured between the shown times, joined with the locale's own list pattern
("6 ore e 50 minuti"). When the incident's span crosses a change of offset, every time carries
its abbreviation (`bot.time.zones`), so `01:10 EST -> 03:20 EDT` and its 70 minutes agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, get_timezone_name
from babel.lists import format_list
from babel.units import format_unit

from bot.postmortem.phrases import Phrases
from bot.time.zones import OffsetChange, clock_time, offset_change


class Formatter:
    """Formats instants in one timezone and one language, relative to the incident's day."""

    def __init__(
        self,
        language: str,
        phrases: Phrases,
        timezone: str,
        day: datetime,
        span: tuple[datetime, datetime] | None = None,
    ) -> None:
        """`span` is first symptom to resolution: a change of offset inside it marks all times."""
        self.locale = Locale.parse(language)  # parsed once: drafts format thousands of times
        self.phrases = phrases
        self.zone = ZoneInfo(timezone)
        self.day = self.local(day).date()
        self.change: OffsetChange | None = offset_change(self.zone, *span) if span else None

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def long_date(self, day: date | None = None) -> str:
        """`mercoledì 30 aprile 2025`; the incident's day by default."""
        return format_date(day or self.day, self.phrases.date_pattern, locale=self.locale)

    def time(self, instant: datetime) -> str:
        return clock_time(self.local(instant), marked=self.change is not None)

    def when(self, instant: datetime) -> str:
        """`10:40` on the incident's day, `29 aprile 14:00` on any other day."""
        return self._on_day(self.local(instant))

    def _on_day(self, local: datetime) -> str:
        shown = clock_time(local, marked=self.change is not None)
        if local.date() == self.day:
            return shown
        day = format_date(local.date(), self.phrases.day_pattern, locale=self.locale)
        return f"{day} {shown}"

    def stamp(self, instant: datetime) -> str:
        """Machine form for Mermaid (`dateFormat YYYY-MM-DD HH:mm`), in local time."""
        return self.local(instant).strftime("%Y-%m-%d %H:%M")

    def zone_name(self) -> str:
        """`Central European Summer Time` on the incident's day; `Central European Time` when
        the span has both, so the name never contradicts half of the times."""
        noon = datetime(self.day.year, self.day.month, self.day.day, 12, tzinfo=self.zone)
        variant: Literal["generic"] | None = "generic" if self.change else None
        return get_timezone_name(noon, "long", zone_variant=variant, locale=self.locale)

    def zone_change(self) -> str | None:
        """`clocks went forward from 02:00 EST to 03:00 EDT`, when the span crosses a change."""
        if self.change is None:
            return None
        pattern = self.phrases.zone_change[self.change.forward]
        return pattern.format(
            before=self._on_day(self.change.before), after=self._on_day(self.change.after)
        )

    def duration(self, delta: timedelta) -> str:
        """`6 hours and 50 minutes`, `1 ora`, `45 minuti`: `delta` is from `bot.time.durations`."""
        hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
        parts = []
        if hours:
            parts.append(format_unit(hours, "duration-hour", length="long", locale=self.locale))
        if minutes or not hours:
            parts.append(format_unit(minutes, "duration-minute", length="long", locale=self.locale))
        return self.join(parts)

    def join(self, items: Sequence[str]) -> str:
        return format_list(list(items), locale=self.locale) if items else ""
