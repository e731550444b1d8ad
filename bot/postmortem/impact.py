"""The numbers of a draft: downtime per feature, time offline, first symptom, mitigation.

Computed once, with `bot.time.durations`, and shared by both audiences, so the customer post, the
internal impact table and the Gantt chart can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.models import EntryKind, TimelineEntry
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.figures import (
    IMPACT_STATES,
    FeatureOutage,
    offline,
    offline_spans,
    outages,
)
from bot.time.durations import Span, merge


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
    windows = offline_spans(facts.windows)
    impaired: list[Span] = [
        (i.started_at, i.ended_at) for i in facts.intervals if i.state in IMPACT_STATES
    ]
    return Impact(
        offline=offline(facts.windows, end),
        offline_still=any(stop is None for _, stop in windows),
        outages=outages(facts.intervals, end),
        first_symptom=first_symptom(facts),
        mitigated=_mitigated(impaired + windows, end),
    )
