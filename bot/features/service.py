"""Feature intervals: `/incident feature down|degraded|up NAME [at TIME]` and what it adds up to.

A feature has at most one open interval (down or degraded). Switching between down and degraded
closes one interval and opens the other at the same instant; `up` closes the open one. Every
check runs inside the transaction that writes, so two people typing at once cannot interleave.

`summarize` is the one computation of state, since-when and totals: the board, `feature list`,
App Home and exports all go through it, so their numbers never disagree.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import InputError
from bot.features.catalog import Catalog
from bot.features.labels import state_label
from bot.i18n import Texts
from bot.models import EntryKind, FeatureInterval, FeatureState, Incident, Status
from bot.slack.gateway import escape
from bot.store import tables
from bot.store.database import Database
from bot.time import durations
from bot.time.clock import Clock
from bot.time.formatting import Form
from bot.time.formatting import when as local_when
from bot.timeline import Timeline

log = logging.getLogger(__name__)

# A change recorded this long after it took effect is marked backdated (the drafts then say
# when it was noticed); a time typed within the current minute is not.
BACKDATED_AFTER = timedelta(minutes=1)
WORDS = {FeatureState.down: "down", FeatureState.degraded: "degraded", FeatureState.up: "restored"}


def measured_until(incident: Incident, now: datetime) -> datetime:
    """Impact is measured up to the resolution (then the close), like the postmortem's."""
    return incident.resolved_at or incident.closed_at or now


@dataclass(frozen=True)
class FeatureStatus:
    feature: str
    state: FeatureState  # `up` = restored
    since: datetime  # start of the open interval, or when it was restored
    down: timedelta  # merged time spent down
    degraded: timedelta  # merged time spent degraded
    intervals: tuple[FeatureInterval, ...]

    @property
    def is_out(self) -> bool:
        return self.state is not FeatureState.up


@dataclass(frozen=True)
class FeatureChange:
    feature: str
    state: FeatureState
    at: datetime  # when it took effect
    backdated: bool
    previous: FeatureState | None  # the open state it replaced (down <-> degraded)
    status: FeatureStatus  # the feature after the change


@dataclass(frozen=True)
class AffectedFeature:
    """A feature still out in some incident: what App Home lists."""

    incident: Incident
    status: FeatureStatus


def summarize(intervals: Iterable[FeatureInterval], until: datetime) -> list[FeatureStatus]:
    """Per feature, in order of first impact: current state, since when, merged totals."""
    by_feature: dict[str, list[FeatureInterval]] = {}
    for interval in sorted(intervals, key=lambda i: (i.started_at, i.id)):
        by_feature.setdefault(interval.feature, []).append(interval)
    statuses = []
    for feature, spans in by_feature.items():
        open_ = next((i for i in spans if i.ended_at is None), None)
        totals = {
            state: durations.total(
                ((i.started_at, i.ended_at) for i in spans if i.state is state), until
            )
            for state in (FeatureState.down, FeatureState.degraded)
        }
        statuses.append(
            FeatureStatus(
                feature=feature,
                state=open_.state if open_ else FeatureState.up,
                since=open_.started_at if open_ else max(i.ended_at or until for i in spans),
                down=totals[FeatureState.down],
                degraded=totals[FeatureState.degraded],
                intervals=tuple(spans),
            )
        )
    return statuses


class Features:
    def __init__(self, db: Database, clock: Clock, timeline: Timeline, catalog: Catalog) -> None:
        self.db, self.clock, self.timeline, self.catalog = db, clock, timeline, catalog
        # Refusals speak the catalog's language, the workspace's.
        self.t = catalog.t

    async def intervals(self, incident_id: int) -> list[FeatureInterval]:
        """The incident's recorded intervals in start order (the drafts read them raw)."""
        async with self.db.connect() as conn:
            return await _intervals(conn, [incident_id])

    async def known(self, incident: Incident, name: str) -> bool:
        """Whether `name` is a configured feature or one already recorded in `incident`."""
        recorded = {i.feature for i in await self.intervals(incident.id)}
        return self.catalog.find(name, known=recorded) is not None

    async def statuses(self, incident: Incident) -> list[FeatureStatus]:
        intervals = await self.intervals(incident.id)
        return summarize(intervals, measured_until(incident, self.clock.now()))

    async def down_across(self, incidents: Sequence[Incident]) -> list[AffectedFeature]:
        """Features down or degraded in any of `incidents`, in the incidents' order."""
        async with self.db.connect() as conn:
            intervals = await _intervals(conn, [i.id for i in incidents])
        now = self.clock.now()
        return [
            AffectedFeature(incident, status)
            for incident in incidents
            for status in summarize(
                (i for i in intervals if i.incident_id == incident.id),
                measured_until(incident, now),
            )
            if status.is_out
        ]

    async def set_state(
        self,
        incident: Incident,
        name: str,
        state: FeatureState,
        actor: str,
        *,
        at: datetime | None = None,
    ) -> FeatureChange:
        """Record that `name` went down/degraded or came back `at` (default now).

        Raises InputError, with nothing written, for a sequence that cannot have happened.
        """
        now = self.clock.now()
        at = at or now
        async with self.db.begin() as conn:
            incident = await _lock(conn, incident.id)
            if incident.status is Status.closed or (
                state is not FeatureState.up and not incident.is_open
            ):
                raise InputError(
                    (
                        self.t._(
                            "{incident} is closed: features can be marked down only while it is"
                            " open (and restored until it is closed)."
                        )
                        if incident.status is Status.closed
                        else self.t._(
                            "{incident} is resolved: features can be marked down only while it"
                            " is open (and restored until it is closed)."
                        )
                    ).format(incident=incident.number)
                )
            everything = await _intervals(conn, [incident.id])
            feature = self.catalog.resolve(name, known={i.feature for i in everything})
            mine = [i for i in everything if i.feature == feature]
            open_ = next((i for i in mine if i.ended_at is None), None)
            _check(self.t, feature, state, at, open_, mine, incident.timezone, now)
            if open_ is not None:
                await conn.execute(
                    update(tables.feature_intervals)
                    .where(tables.feature_intervals.c.id == open_.id)
                    .values(ended_at=at, ended_by=actor)
                )
            if state is not FeatureState.up:
                await conn.execute(
                    tables.feature_intervals.insert().values(
                        incident_id=incident.id,
                        feature=feature,
                        state=state.value,
                        started_at=at,
                        started_by=actor,
                    )
                )
            backdated = now - at >= BACKDATED_AFTER
            await self.timeline.record(
                incident.id,
                EntryKind.feature,
                f"{feature} {WORDS[state]}",
                actor=actor,
                occurred_at=at,
                data={"feature": feature, "state": state.value, "backdated": backdated},
                conn=conn,
            )
            await conn.execute(
                update(tables.incidents)
                .where(tables.incidents.c.id == incident.id)
                .values(last_update_at=now)
            )
            after = await _intervals(conn, [incident.id], feature)
        (status,) = summarize(after, measured_until(incident, now))
        previous = open_.state if open_ is not None and state is not FeatureState.up else None
        return FeatureChange(feature, state, at, backdated, previous, status)

    async def restore_all(self, incident: Incident, actor: str) -> list[FeatureChange]:
        """Mark every feature still out restored now (the resolve guard's first choice)."""
        return [
            await self.set_state(incident, status.feature, FeatureState.up, actor)
            for status in await self.statuses(incident)
            if status.is_out
        ]

    async def on_declare(self, incident: Incident, actor: str, names: list[str]) -> None:
        """Declare hook: features chosen in the modal went down when the incident was declared."""
        for name in names:
            try:
                await self.set_state(
                    incident, name, FeatureState.down, actor, at=incident.declared_at
                )
            except InputError as exc:  # the catalog changed while the modal was open
                log.warning("%s: feature %r from the declare form: %s", incident.number, name, exc)


def _check(
    t: Texts,
    feature: str,
    state: FeatureState,
    at: datetime,
    open_: FeatureInterval | None,
    mine: list[FeatureInterval],
    tz: str,
    now: datetime,
) -> None:
    """Refuse a change that contradicts what is recorded for the feature."""

    def when(instant: datetime, form: Form = "at") -> str:
        return local_when(t, instant, tz, now, form)

    name = f"*{escape(feature)}*"

    def usage(verb: str) -> str:
        return f"`/incident feature {verb} {escape(feature)}`"

    last = max((i.ended_at for i in mine if i.ended_at), default=None)
    if state is FeatureState.up:
        if open_ is None:
            said = t._("{feature} is not marked down.")
            if last:
                said = t._("{feature} is not marked down (restored {time}).")
            raise InputError(
                said.format(feature=name, time=when(last) if last else ""),
                t._("Mark it down first: {command}.").format(command=usage("down")),
            )
        if at < open_.started_at:
            raise InputError(
                t._(
                    "{feature} went {state} {since}: it cannot be back up {time}, before that."
                ).format(
                    feature=name,
                    state=state_label(t, open_.state),
                    since=when(open_.started_at),
                    time=when(at),
                ),
                t._("Give a time {time}.").format(time=when(open_.started_at, "after")),
            )
        return
    if open_ is not None:
        if open_.state is state:
            raise InputError(
                t._("{feature} is already {state}, {time}.").format(
                    feature=name, state=state_label(t, state), time=when(open_.started_at, "since")
                ),
                t._("When it is back, say so with {command}.").format(command=usage("up")),
            )
        if at < open_.started_at:
            raise InputError(
                t._(
                    "{feature} is {state} {since}: it can turn {new} only after that, not {time}."
                ).format(
                    feature=name,
                    state=state_label(t, open_.state),
                    since=when(open_.started_at, "since"),
                    new=state_label(t, state),
                    time=when(at),
                ),
            )
        return
    if last is not None and at < last:
        raise InputError(
            t._(
                "{feature} is recorded as out {until}: a new outage cannot start"
                " {time}, inside that one."
            ).format(feature=name, until=when(last, "until"), time=when(at)),
            t._("Give a time from then on ({time} or later).").format(time=when(last, "bare")),
        )


async def _lock(conn: AsyncConnection, incident_id: int) -> Incident:
    """The incident row, locked (on PostgreSQL) for the rest of the transaction."""
    query = select(tables.incidents).where(tables.incidents.c.id == incident_id).with_for_update()
    row = (await conn.execute(query)).mappings().one()
    return Incident.model_validate(dict(row))


async def _intervals(
    conn: AsyncConnection, incident_ids: list[int], feature: str | None = None
) -> list[FeatureInterval]:
    f = tables.feature_intervals
    query = select(f).where(f.c.incident_id.in_(incident_ids))
    if feature is not None:
        query = query.where(f.c.feature == feature)
    rows = (await conn.execute(query.order_by(f.c.started_at, f.c.id))).mappings().all()
    return [FeatureInterval.model_validate(dict(row)) for row in rows]
