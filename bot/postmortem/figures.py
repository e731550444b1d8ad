"""The figures of an outage from its intervals and windows alone: time out per feature and
state, time offline. The drafts (`impact.measure`) and the status page's proposals read them
here, so a public number is always one the customer draft states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.models import FeatureInterval, FeatureState, MaintenanceWindow
from bot.time.durations import Span, merge, total

IMPACT_STATES = (FeatureState.down, FeatureState.degraded)


@dataclass(frozen=True)
class FeatureOutage:
    """Merged time one feature spent in one impaired state."""

    feature: str
    state: FeatureState
    total: timedelta
    first_start: datetime
    still: bool  # an interval in this state was never closed


def outages(intervals: Sequence[FeatureInterval], end: datetime) -> list[FeatureOutage]:
    """Per feature and impaired state, the merged time out: the drafts' (and the status
    page's) one figure for it."""
    groups: dict[tuple[str, FeatureState], list[Span]] = {}
    for interval in intervals:
        if interval.state in IMPACT_STATES:
            key = (interval.feature, interval.state)
            groups.setdefault(key, []).append((interval.started_at, interval.ended_at))
    outages = [
        FeatureOutage(
            feature=feature,
            state=state,
            total=total(spans, end),
            first_start=min(start for start, _ in spans),
            still=any(stop is None for _, stop in spans),
        )
        for (feature, state), spans in groups.items()
    ]
    return sorted(outages, key=lambda outage: (outage.first_start, outage.feature))


def offline_spans(windows: Sequence[MaintenanceWindow]) -> list[Span]:
    """The maintenance windows that took the app offline (a dry run changed nothing)."""
    return [(w.started_at, w.ended_at) for w in windows if not w.dry_run]


def offline(windows: Sequence[MaintenanceWindow], end: datetime) -> timedelta | None:
    """Merged time offline; None when the app never was."""
    spans = offline_spans(windows)
    return total(spans, end) if merge(spans, end) else None
