"""Interval arithmetic behind every duration outagebot shows.

One computation serves the status board, `feature list`, App Home, exports and the drafts, so
the numbers can never disagree the way the hand-written outage post did.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

Span = tuple[datetime, datetime | None]


def merge(spans: Iterable[Span], until: datetime) -> list[tuple[datetime, datetime]]:
    """Close open spans at `until`, drop empty ones and merge overlaps, in start order."""
    closed = sorted((start, min(end or until, until)) for start, end in spans)
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


def short(delta: timedelta) -> str:
    """Compact, language-neutral form used on the board: `6 h 50 min`, `24 h 30 min`, `45 min`.

    Whole minutes, truncated; hours are not folded into days so `24 h 30 min` stays exact.
    """
    hours, mins = divmod(int(delta.total_seconds() // 60), 60)
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"
