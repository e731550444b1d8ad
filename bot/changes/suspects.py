"""The suspect rule, as a pure function so it can be tested without a database or Slack.

For each impact (a feature going down, or the declaration itself when no feature is named)
the suspect is the last change deployed at or before the impact's real start, within the
window. A change after the start can never be its cause, however close. Changes a responder
marked *Not related* are passed over, so the one before them becomes the suspect.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.changes.models import ChangeEvent
from bot.models import FeatureInterval, FeatureState


@dataclass(frozen=True)
class Impact:
    """Something that broke at `start`; `feature` is None for the incident's declaration."""

    feature: str | None
    start: datetime
    degraded: bool = False  # slowed down rather than gone


@dataclass(frozen=True)
class Suspicion:
    change_id: int
    impact: Impact


def candidates(
    changes: Iterable[ChangeEvent], start: datetime, window: timedelta
) -> list[ChangeEvent]:
    """Changes deployed in the window before `start` (inclusive), newest first."""
    eligible = [c for c in changes if start - window <= c.deployed_at <= start]
    return sorted(eligible, key=lambda c: (c.deployed_at, c.id), reverse=True)


def suspects(
    changes: Sequence[ChangeEvent],
    impacts: Iterable[Impact],
    window: timedelta,
    *,
    not_related: Collection[int] = (),
) -> list[Suspicion]:
    """One suspicion per impact and suspect; changes deployed at the same instant tie."""
    found: list[Suspicion] = []
    for impact in impacts:
        pool = [c for c in candidates(changes, impact.start, window) if c.id not in not_related]
        if not pool:
            continue
        last = pool[0].deployed_at
        found.extend(Suspicion(c.id, impact) for c in pool if c.deployed_at == last)
    return found


def impacts_of(intervals: Iterable[FeatureInterval]) -> list[Impact]:
    """Each outage of each feature is an impact: a feature down twice has two starts.

    Switching between down and degraded continues one outage, so only a start that follows no
    open interval of the same feature counts.
    """
    found: list[Impact] = []
    ends: dict[str, datetime | None] = {}
    for interval in sorted(intervals, key=lambda i: (i.started_at, i.id)):
        if interval.state is FeatureState.up:
            continue
        feature = interval.feature
        continues = feature in ends and ends[feature] == interval.started_at
        if not continues:
            degraded = interval.state is FeatureState.degraded
            found.append(Impact(feature, interval.started_at, degraded))
        ends[feature] = interval.ended_at
    return found
