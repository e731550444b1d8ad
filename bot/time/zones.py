"""Where an incident's span crosses a change of UTC offset, and how its times are marked then.

A plain `02:40` is ambiguous on a fall-back night and `01:10 -> 03:20` looks like 2 h 10 min
across a spring-forward one, so when the span crosses a change every time shown (drafts and
`/incident timeline`) carries its abbreviation or offset (`03:20 EDT`, `02:40 CET`). Without a
change times stay plain `HH:MM`, as people expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

_STEP = timedelta(hours=1)  # no offset in the tz database lasts less than an hour


@dataclass(frozen=True)
class OffsetChange:
    """The first change of offset in a span: the instant, the wall clock just before and after."""

    at: datetime
    before: datetime  # the change's instant on the old offset: 02:00 EST, 03:00 CEST
    after: datetime  # the same instant on the new offset: 03:00 EDT, 02:00 CET

    @property
    def forward(self) -> bool:
        return (self.after.utcoffset() or timedelta()) > (self.before.utcoffset() or timedelta())


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


def offset_change(zone: ZoneInfo, start: datetime, end: datetime) -> OffsetChange | None:
    """The first change of offset between `start` and `end`, found to the second."""
    first = _offset(start, zone)
    low = start.astimezone(UTC)
    high = low
    while high < end:
        high = min(high + _STEP, end.astimezone(UTC))
        if _offset(high, zone) != first:
            break
        low = high
    else:
        return None
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        low, high = (middle, high) if _offset(middle, zone) == first else (low, middle)
    at = high.replace(microsecond=0)
    old = (at - timedelta(seconds=1)).astimezone(zone)
    on_old = timezone(old.utcoffset() or timedelta(), abbreviation(old))
    return OffsetChange(at=at, before=at.astimezone(on_old), after=at.astimezone(zone))


def abbreviation(local: datetime) -> str:
    """`EDT`, `CET`, or the offset (`+0530`, `-03`) where the zone has no abbreviation."""
    return local.tzname() or local.strftime("%z")


def clock_time(local: datetime, marked: bool) -> str:
    """`10:40`, or `10:40 CEST` when the span crosses a change of offset."""
    shown = local.strftime("%H:%M")
    return f"{shown} {abbreviation(local)}" if marked else shown
