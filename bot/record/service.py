"""The team's record: incidents by month and severity, detection/mitigation/resolution times,
downtime per feature, time offline, follow-ups.

Every time is measured by the drafts' own code (`bot.postmortem.impact.measure` over the
same facts), so a report can never disagree with an incident's postmortem. The share of
incidents with a change marked *Caused it* waits for the change-events issue.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.followups.models import FollowUpStatus
from bot.followups.service import Followups
from bot.models import FeatureState, Incident
from bot.postmortem.impact import Impact, measure
from bot.postmortem.service import Postmortems
from bot.store import tables
from bot.store.database import Database
from bot.time.clock import Clock
from bot.time.durations import total


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile (nearest rank) of some durations; None when there are none."""

    count: int
    median: timedelta | None
    p90: timedelta | None

    @classmethod
    def of(cls, values: Sequence[timedelta]) -> Spread:
        if not values:
            return cls(0, None, None)
        ordered = sorted(values)
        rank = max(math.ceil(0.9 * len(ordered)), 1)
        middle = len(ordered) // 2
        median = (
            ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        )
        return cls(len(ordered), median, ordered[rank - 1])


@dataclass(frozen=True)
class Downtime:
    """Time each feature was down, per period (`2025-04`, or a week's Monday `2025-04-28`);
    every period from the first to the last is listed, quiet ones too. An incident's downtime
    counts in the period it was declared in, as `by_month` counts the incident."""

    periods: list[str]
    down: dict[str, dict[str, timedelta]]  # period -> feature -> merged time down

    @property
    def features(self) -> list[str]:
        return sorted({name for period in self.down.values() for name in period})


@dataclass(frozen=True)
class Record:
    since: datetime
    until: datetime
    incidents: int
    by_month: dict[str, Counter[str]]  # "2025-04" -> severity -> count
    detect: Spread  # first symptom -> declared
    mitigate: Spread  # first symptom -> end of the first stretch of impact
    resolve: Spread  # first symptom -> resolved
    down: dict[str, timedelta]  # feature -> merged time down, summed over incidents
    degraded: dict[str, timedelta]
    offline: timedelta  # the app in (real) maintenance, summed over incidents
    followups: Counter[str] = field(default_factory=Counter)  # open, done, not_doing, overdue
    monthly: Downtime = field(default_factory=lambda: Downtime([], {}))
    detect_by_month: dict[str, Spread] = field(default_factory=dict)  # every month of `monthly`
    resolve_by_month: dict[str, Spread] = field(default_factory=dict)
    # Outage start -> found, by who found it: person | check | alert (the drafts' rows).
    detect_by: dict[str, Spread] = field(default_factory=dict)


class TeamRecord:
    def __init__(
        self, db: Database, clock: Clock, postmortems: Postmortems, followups: Followups,
        *, timezone: str,
    ) -> None:  # fmt: skip
        self.db, self.clock, self.postmortems, self.followups = db, clock, postmortems, followups
        self.timezone = timezone

    async def _incidents(self, since: datetime) -> list[Incident]:
        i = tables.incidents
        query = select(i).where(i.c.declared_at >= since).order_by(i.c.declared_at)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [Incident.model_validate(dict(row)) for row in rows]

    async def compute(self, since: datetime) -> Record:
        now, zone = self.clock.now(), ZoneInfo(self.timezone)
        incidents = await self._incidents(since)
        by_month: dict[str, Counter[str]] = {}
        detect: list[timedelta] = []
        mitigate: list[timedelta] = []
        resolve: list[timedelta] = []
        down: Counter[str] = Counter()
        degraded: Counter[str] = Counter()
        offline = timedelta()
        months = _months(since.astimezone(zone), now.astimezone(zone))
        monthly: dict[str, Counter[str]] = {month: Counter() for month in months}
        detect_in: dict[str, list[timedelta]] = {month: [] for month in months}
        resolve_in: dict[str, list[timedelta]] = {month: [] for month in months}
        found_by: dict[str, list[timedelta]] = {}
        for incident in incidents:
            month = incident.declared_at.astimezone(zone).strftime("%Y-%m")
            by_month.setdefault(month, Counter())[incident.severity.value] += 1
            facts = await self.postmortems.facts(incident, online=False)
            impact = measure(facts)
            first = impact.first_symptom
            detect.append(total([(first, incident.declared_at)], incident.declared_at))
            detect_in.setdefault(month, []).append(detect[-1])
            if impact.mitigated is not None:
                mitigate.append(total([(first, impact.mitigated)], impact.mitigated))
            if incident.resolved_at is not None:
                resolve.append(total([(first, incident.resolved_at)], incident.resolved_at))
                resolve_in.setdefault(month, []).append(resolve[-1])
            for outage in impact.outages:
                into = down if outage.state is FeatureState.down else degraded
                into[outage.feature] += _minutes(outage.total)
            monthly.setdefault(month, Counter()).update(_down(impact))
            offline += impact.offline or timedelta()
            for found in facts.changes.outages if facts.changes else []:
                delay = total([(found.start, found.found)], found.found)
                found_by.setdefault(found.by, []).append(delay)
        return Record(
            since=since,
            until=now,
            incidents=len(incidents),
            by_month=dict(sorted(by_month.items())),
            detect=Spread.of(detect),
            mitigate=Spread.of(mitigate),
            resolve=Spread.of(resolve),
            down={k: timedelta(minutes=v) for k, v in sorted(down.items())},
            degraded={k: timedelta(minutes=v) for k, v in sorted(degraded.items())},
            offline=offline,
            followups=await self._followups(incidents, now),
            monthly=_downtime(monthly),
            detect_by_month={m: Spread.of(v) for m, v in sorted(detect_in.items())},
            resolve_by_month={m: Spread.of(v) for m, v in sorted(resolve_in.items())},
            detect_by={by: Spread.of(found_by[by]) for by in sorted(found_by)},
        )

    async def weekly(self, weeks: int = 12) -> Downtime:
        """Downtime per feature in each of the last `weeks` weeks (Monday to Sunday in the
        team's zone), this one included: the picture the Monday digest attaches."""
        zone = ZoneInfo(self.timezone)
        today = self.clock.now().astimezone(zone).date()
        first = today - timedelta(days=today.weekday(), weeks=weeks - 1)
        periods = [(first + timedelta(weeks=n)).isoformat() for n in range(weeks)]
        by_week: dict[str, Counter[str]] = {period: Counter() for period in periods}
        for incident in await self._incidents(datetime.combine(first, time(), tzinfo=zone)):
            day = incident.declared_at.astimezone(zone).date()
            week = (day - timedelta(days=day.weekday())).isoformat()
            facts = await self.postmortems.facts(incident, online=False)
            by_week[week].update(_down(measure(facts)))
        return _downtime(by_week)

    async def _followups(self, incidents: Sequence[Incident], now: datetime) -> Counter[str]:
        counts: Counter[str] = Counter()
        found = await self.followups.for_incidents([i.id for i in incidents])
        zones = {i.id: ZoneInfo(i.timezone) for i in incidents}
        for incident_id, followups in found.items():
            today = now.astimezone(zones[incident_id]).date()
            for f in followups:
                counts[f.status.value] += 1
                if f.status is FollowUpStatus.open and f.days_overdue(today):
                    counts["overdue"] += 1
        return counts


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _down(impact: Impact) -> Counter[str]:
    """Whole minutes each feature was down (degraded is not down) in one incident."""
    return Counter(
        {o.feature: _minutes(o.total) for o in impact.outages if o.state is FeatureState.down}
    )


def _downtime(minutes: dict[str, Counter[str]]) -> Downtime:
    periods = sorted(minutes)
    down = {
        period: {name: timedelta(minutes=n) for name, n in sorted(minutes[period].items()) if n}
        for period in periods
    }
    return Downtime(periods, down)


def _months(since: datetime, until: datetime) -> list[str]:
    """`2025-04`, `2025-05`, ... from `since`'s month to `until`'s, both local."""
    year, month, months = since.year, since.month, []
    while (year, month) <= (until.year, until.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
