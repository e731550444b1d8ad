"""Interval arithmetic behind every duration outagebot shows.

One computation serves the status board, `feature list`, App Home, exports, maintenance replies
and the drafts, so the numbers can never disagree the way the hand-written outage post did.
Times are shown to the minute, so every endpoint is floored to the minute (in UTC, which every
modern zone offset divides) before anything is subtracted: a reader who checks `10:45–13:15`
against the duration beside it gets 2 h 30 min, even when the click landed at 10:45:00.4 and
the second one at 13:15:00.2. Truncating the second-precise difference instead would print
2 h 29 min. Sums use the same floored intervals, so the parts always add up to the total.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

Span = tuple[datetime, datetime | None]


def floor_minute(instant: datetime) -> datetime:
    """The instant as it is shown: its minute, in UTC; seconds only ever live in storage."""
    return instant.astimezone(UTC).replace(second=0, microsecond=0)


def merge(spans: Iterable[Span], until: datetime) -> list[tuple[datetime, datetime]]:
    """Floor to the minute, close open spans at `until`, drop empty ones, merge overlaps."""
    limit = floor_minute(until)
    closed = sorted(
        (floor_minute(start), min(floor_minute(end) if end else limit, limit))
        for start, end in spans
    )
    merged: list[tuple[datetime, datetime]] = []
    for start, end in closed:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def total(spans: Iterable[Span], until: datetime) -> timedelta:
    return sum((end - start for start, end in merge(spans, until)), timedelta())


def between(start: datetime, end: datetime) -> timedelta:
    """The distance between two shown times (never negative)."""
    return total([(start, end)], end)


def short(delta: timedelta) -> str:
    """Compact, language-neutral form used on the board: `6 h 50 min`, `24 h 30 min`, `45 min`.

    `delta` comes from `total` or `between`, so it is whole minutes; hours are not folded into
    days so `24 h 30 min` stays exact.
    """
    hours, mins = divmod(int(delta.total_seconds() // 60), 60)
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"
