"""The numbers of a draft: downtime per feature, time offline, first symptom, mitigation.

Computed once, with `bot.time.durations`, and shared by both audiences, so the customer post, the
internal impact table and the Gantt chart can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.models import EntryKind, FeatureState, TimelineEntry
from bot.postmortem.facts import PostmortemFacts
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


@dataclass(frozen=True)
class Impact:
    offline: timedelta | None  # merged real maintenance windows; None if there were none
    offline_still: bool
    outages: list[FeatureOutage]  # in order of first start
    first_symptom: datetime
    mitigated: datetime | None  # None while the first stretch of impact has not ended


def is_key_moment(entry: TimelineEntry) -> bool:
    """What people marked as worth telling: notes and starred/pinned messages."""
    if entry.deleted:
        return False
    return entry.kind == EntryKind.note or (entry.kind == EntryKind.message and entry.is_key)


def _outages(facts: PostmortemFacts, end: datetime) -> list[FeatureOutage]:
    groups: dict[tuple[str, FeatureState], list[Span]] = {}
    for interval in facts.intervals:
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


def _mitigated(spans: list[Span], end: datetime) -> datetime | None:
    """End of the first unbroken stretch with something down, degraded or in maintenance."""
    merged = merge(spans, end)
    if not merged:
        return None
    stretch_end = merged[0][1]
    if stretch_end == end and any(stop is None for _, stop in spans):
        return None
    return stretch_end


def first_symptom(facts: PostmortemFacts) -> datetime:
    """When impact began: the earliest feature marked down or degraded, else the declaration.

    The one definition the report and both drafts measure from. A note, even backdated ("ieri
    alle 23:00 cambio DNS"), says what people did, not that customers were hit. A detection
    source (a failing check) adds its first failure to the candidates here.
    """
    starts = [i.started_at for i in facts.intervals if i.state in IMPACT_STATES]
    return min([*starts, facts.incident.declared_at])


def measure(facts: PostmortemFacts) -> Impact:
    end = facts.end
    windows: list[Span] = [(w.started_at, w.ended_at) for w in facts.windows if not w.dry_run]
    impaired: list[Span] = [
        (i.started_at, i.ended_at) for i in facts.intervals if i.state in IMPACT_STATES
    ]
    return Impact(
        offline=total(windows, end) if merge(windows, end) else None,
        offline_still=any(stop is None for _, stop in windows),
        outages=_outages(facts, end),
        first_symptom=first_symptom(facts),
        mitigated=_mitigated(impaired + windows, end),
    )
