"""Feature checks and signals in the database: due runs claimed once, probes, results, and the
failure episodes (signals) they and the alerts make.

A due run is a `check_runs` row. The schedule's row (`every:<feature>`) is moved to its next
time by a conditional UPDATE, an after-deploy row is deleted: in both cases only the replica
whose statement changed the row runs the probe. Probes run at most `[alerts] concurrency` at
once, each bounded by its own timeout, and never before a Slack acknowledgement (the schedule
loop and background tasks call this, no listener does).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Delete, Update, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.changes.models import ChangeEvent
from bot.checks.config import AlertsSettings, CheckConfig
from bot.checks.probe import Outcome, probe
from bot.config import FeatureConfig
from bot.store import tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database, inserted_id
from bot.time.clock import Clock

log = logging.getLogger(__name__)

# A check that fails again this soon after passing continues its signal (a flap).
FLAP_WINDOW = timedelta(minutes=15)
# After-deploy runs that would already be this late are not scheduled (an old release seen at
# the first poll after a restart).
STALE_AFTER = timedelta(minutes=10)
POLL_KEY = "poll:changes"
POLL_EVERY = timedelta(minutes=1)
# Probe results older than this are deleted once a later result of the other kind exists: the
# run a check is in now (and so its "since when") is kept whole, however long it lasts.
KEEP_RESULTS = timedelta(days=30)
PRUNE_EVERY = timedelta(hours=1)


class Source(StrEnum):
    check = "check"
    alert = "alert"


class Signal(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    source: Source
    fingerprint: str
    feature: str | None
    started_at: datetime
    detected_at: datetime
    ended_at: datetime | None = None
    flaps: int = 0
    reason: str = ""
    labels: dict[str, Any] = {}
    url: str | None = None
    incident_id: int | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    decision: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None
    muted_until: datetime | None = None


class CheckResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    feature: str
    at: datetime
    ok: bool
    status_code: int | None = None
    latency_ms: int | None = None
    reason: str = ""
    change_id: int | None = None


@dataclass(frozen=True)
class DueRun:
    feature: str
    change_id: int | None


class Turn(StrEnum):
    """What a new result or alert did to a feature's signal."""

    raised = "raised"
    recovered = "recovered"
    flapped = "flapped"


@dataclass(frozen=True)
class Transition:
    turn: Turn
    signal: Signal


@dataclass(frozen=True)
class CheckState:
    """`/incident checks`: a check's last result, since when it has been so, the last deploy."""

    feature: str
    check: CheckConfig
    last: CheckResult | None
    since: datetime | None
    deploy: ChangeEvent | None


def check_fingerprint(feature: str) -> str:
    return f"check:{feature}"


class Checks:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        features: Sequence[FeatureConfig],
        settings: AlertsSettings,
        *,
        environ: Mapping[str, str],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.db, self.clock, self.settings, self.environ = db, clock, settings, environ
        self.features = {f.name: f for f in features}
        self.checks = {f.name: f.check for f in features if f.check is not None}
        self.transport = transport
        self._limit = asyncio.Semaphore(settings.concurrency)
        self._pruned: datetime | None = None

    def __repr__(self) -> str:
        return f"Checks(features={sorted(self.checks)})"

    @property
    def after_deploys(self) -> bool:
        """Whether any check runs after deploys: then change sources are polled all the time."""
        return any(c.after_deploy_minutes for c in self.checks.values())

    def affected_by(self, feature: str, service: str) -> bool:
        services = self.features[feature].services
        return services is None or service in services

    # --- due runs ------------------------------------------------------------------------

    async def plan(self, *, poll: bool) -> None:
        """Make each scheduled check's row (due now) and, with `poll`, the changes poll's;
        idempotent."""
        now = self.clock.now()
        rows = [
            {"key": f"every:{name}", "feature": name, "due_at": now}
            for name, check in self.checks.items()
            if check.every_minutes > 0
        ]
        if poll:
            rows.append({"key": POLL_KEY, "feature": "", "due_at": now})
        if not rows:
            return
        async with self.db.begin() as conn:
            for row in rows:
                await conn.execute(insert_ignoring_conflicts(tables.check_runs, "key").values(row))

    async def claim(self) -> tuple[list[DueRun], bool]:
        """Claim what is due now: the probes to run, and whether to poll the change sources."""
        r, now = tables.check_runs, self.clock.now()
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(r).where(r.c.due_at <= now))).mappings().all()
        runs: list[DueRun] = []
        poll = False
        for row in rows:
            key, feature = row["key"], row["feature"]
            check = self.checks.get(feature)
            scheduled = key.startswith("every:")
            recurring = key == POLL_KEY or bool(scheduled and check and check.every_minutes)
            # A one-off (after a deploy) or a schedule no longer configured is deleted.
            statement: Update | Delete = delete(r).where(r.c.id == row["id"])
            if recurring:
                every = POLL_EVERY if check is None else timedelta(minutes=check.every_minutes)
                statement = (
                    update(r)
                    .where(r.c.id == row["id"], r.c.due_at == row["due_at"])
                    .values(due_at=now + every)
                )
            async with self.db.begin() as conn:
                won = (await conn.execute(statement)).rowcount == 1
            if won and key == POLL_KEY:
                poll = True
            elif won and check is not None and (recurring or not scheduled):
                runs.append(DueRun(feature, row["change_id"]))
        return runs, poll

    async def after_deploy(self, changes: Sequence[ChangeEvent]) -> int:
        """Schedule the after-deploy runs of every check the changes' services affect."""
        now = self.clock.now()
        rows = []
        for change in changes:
            for name, check in self.checks.items():
                if not self.affected_by(name, change.service):
                    continue
                for minutes in check.after_deploy_minutes:
                    due = change.deployed_at + timedelta(minutes=minutes)
                    if due < now - STALE_AFTER:
                        continue
                    key = f"deploy:{name}:{change.id}:{minutes}"
                    rows.append(
                        {"key": key, "feature": name, "due_at": due, "change_id": change.id}
                    )
        if rows:
            async with self.db.begin() as conn:
                for row in rows:
                    statement = insert_ignoring_conflicts(tables.check_runs, "key").values(row)
                    await conn.execute(statement)
        return len(rows)

    # --- probes and results --------------------------------------------------------------

    async def run(self, runs: Sequence[DueRun]) -> list[CheckResult]:
        """Probe each claimed run (bounded concurrency) and store every result."""
        if not runs:
            return []
        async with httpx.AsyncClient(transport=self.transport, verify=True) as client:
            outcomes = await asyncio.gather(*(self._probe(client, run) for run in runs))
        now = self.clock.now()
        stored: list[CheckResult] = []
        async with self.db.begin() as conn:
            for run, outcome in zip(runs, outcomes, strict=True):
                values = {
                    "feature": run.feature,
                    "at": now,
                    "ok": outcome.ok,
                    "status_code": outcome.status_code,
                    "latency_ms": outcome.latency_ms,
                    "reason": outcome.reason,
                    "change_id": run.change_id,
                }
                made = await conn.execute(tables.check_results.insert().values(values))
                stored.append(CheckResult.model_validate({"id": inserted_id(made), **values}))
        return stored

    async def _probe(self, client: httpx.AsyncClient, run: DueRun) -> Outcome:
        async with self._limit:
            try:
                return await probe(client, self.checks[run.feature], self.environ)
            except Exception as exc:  # a probe is never a crash: a failure with its kind
                log.exception("check of %s failed unexpectedly", run.feature)
                return Outcome(False, None, 0, f"error:{type(exc).__name__}"[:60])

    async def prune(self) -> int:
        """Delete old probe results that a later flip made history (a tick; at most hourly)."""
        now = self.clock.now()
        if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
            return 0
        self._pruned = now
        c = tables.check_results
        later = c.alias("later")
        flipped_since = (
            select(later.c.id)
            .where(later.c.feature == c.c.feature, later.c.ok != c.c.ok, later.c.at > c.c.at)
            .exists()
        )
        async with self.db.begin() as conn:
            gone = await conn.execute(delete(c).where(c.c.at < now - KEEP_RESULTS, flipped_since))
        if gone.rowcount:
            log.info("pruned %d probe results older than %s days", gone.rowcount, KEEP_RESULTS.days)
        return int(gone.rowcount)

    async def failing_streak(self, feature: str) -> list[CheckResult]:
        """The failures since the last passing probe, oldest first."""
        c = tables.check_results
        async with self.db.connect() as conn:
            last_ok = (
                await conn.execute(
                    select(func.max(c.c.at)).where(c.c.feature == feature, c.c.ok.is_(True))
                )
            ).scalar()
            query = select(c).where(c.c.feature == feature, c.c.ok.is_(False))
            if last_ok is not None:
                query = query.where(c.c.at > last_ok)
            rows = (await conn.execute(query.order_by(c.c.at, c.c.id))).mappings().all()
        return [CheckResult.model_validate(dict(row)) for row in rows]

    async def evaluate(self, result: CheckResult) -> Transition | None:
        """What `result` does to its feature's signal: raise, recover, flap, or nothing."""
        feature = result.feature
        latest = await self.latest_signal(Source.check, check_fingerprint(feature))
        if result.ok:
            if latest is not None and latest.ended_at is None:
                ended = await self.end(latest, result.at)
                return Transition(Turn.recovered, ended) if ended else None
            return None
        if latest is not None and latest.ended_at is None:
            return None  # still failing: one signal per episode
        if latest is not None and latest.ended_at and result.at - latest.ended_at <= FLAP_WINDOW:
            again = await self._reopen(latest)
            return Transition(Turn.flapped, again) if again else None
        streak = await self.failing_streak(feature)
        if len(streak) < self.checks[feature].failures:
            return None
        raised = await self.raise_signal(
            Source.check,
            check_fingerprint(feature),
            feature,
            started_at=streak[0].at,
            reason=result.reason,
            url=self.checks[feature].url,
        )
        return Transition(Turn.raised, raised) if raised else None

    async def states(self) -> list[CheckState]:
        """Every check's last result and since when it has been so, and the last deploy it
        checked; failing first. Three grouped queries, however many checks."""
        c, e = tables.check_results, tables.change_events
        other = c.alias("other")
        flip = (
            select(func.max(other.c.at))
            .where(other.c.feature == c.c.feature, other.c.ok != c.c.ok)
            .scalar_subquery()
        )
        newest = select(c.c.feature, func.max(c.c.id).label("id")).group_by(c.c.feature)
        runs = (
            select(c.c.feature, c.c.ok, func.min(c.c.at))
            .where(or_(flip.is_(None), c.c.at > flip))
            .group_by(c.c.feature, c.c.ok)
        )
        deployed = (
            select(c.c.feature, func.max(c.c.change_id))
            .where(c.c.change_id.is_not(None))
            .group_by(c.c.feature)
        )
        async with self.db.connect() as conn:
            ids = [row.id for row in await conn.execute(newest)]
            rows = (await conn.execute(select(c).where(c.c.id.in_(ids)))).mappings().all()
            since = {(f, ok): at for f, ok, at in await conn.execute(runs)}
            checked = dict((await conn.execute(deployed)).tuples().all())
            changes = (
                await conn.execute(select(e).where(e.c.id.in_(list(checked.values()))))
            ).mappings()
            by_id = {row["id"]: ChangeEvent.model_validate(dict(row)) for row in changes}
        last = {row["feature"]: CheckResult.model_validate(dict(row)) for row in rows}
        found = []
        for name, check in self.checks.items():
            result = last.get(name)
            began = since.get((name, result.ok)) if result is not None else None
            found.append(CheckState(name, check, result, began, by_id.get(checked.get(name, 0))))
        return sorted(found, key=lambda s: (s.last is None or s.last.ok, s.feature))

    # --- signals -------------------------------------------------------------------------

    async def raise_signal(
        self,
        source: Source,
        fingerprint: str,
        feature: str | None,
        *,
        started_at: datetime,
        reason: str,
        labels: dict[str, Any] | None = None,
        url: str | None = None,
    ) -> Signal | None:
        """A new episode; None when this one (same source, fingerprint, start) is known."""
        s = tables.signals
        values = {
            "source": source.value,
            "fingerprint": fingerprint,
            "feature": feature,
            "started_at": started_at,
            "detected_at": self.clock.now(),
            "flaps": 0,
            "reason": reason,
            "labels": labels or {},
            "url": url,
        }
        async with self.db.begin() as conn:
            made = await conn.execute(
                insert_ignoring_conflicts(s, "source", "fingerprint", "started_at").values(values)
            )
            if made.rowcount != 1:
                return None
            return await _signal(
                conn,
                (s.c.source == source.value)
                & (s.c.fingerprint == fingerprint)
                & (s.c.started_at == started_at),
            )

    async def latest_signal(self, source: Source, fingerprint: str) -> Signal | None:
        s = tables.signals
        async with self.db.connect() as conn:
            row = (
                (
                    await conn.execute(
                        select(s)
                        .where(s.c.source == source.value, s.c.fingerprint == fingerprint)
                        .order_by(s.c.started_at.desc(), s.c.id.desc())
                        .limit(1)
                    )
                )
                .mappings()
                .first()
            )
        return None if row is None else Signal.model_validate(dict(row))

    async def end(self, signal: Signal, at: datetime) -> Signal | None:
        """Passing again (resolved) at `at`; None if another replica ended it first."""
        return await self._change(
            signal, tables.signals.c.ended_at.is_(None), ended_at=max(at, signal.started_at)
        )

    async def _reopen(self, signal: Signal) -> Signal | None:
        return await self._change(
            signal,
            tables.signals.c.ended_at == signal.ended_at,
            ended_at=None,
            flaps=signal.flaps + 1,
        )

    async def _change(self, signal: Signal, guard: Any, **values: Any) -> Signal | None:
        s = tables.signals
        async with self.db.begin() as conn:
            done = await conn.execute(update(s).where(s.c.id == signal.id, guard).values(values))
            if done.rowcount != 1:
                return None
            return await _signal(conn, s.c.id == signal.id)

    async def get(self, signal_id: int) -> Signal | None:
        async with self.db.connect() as conn:
            return await _signal(conn, tables.signals.c.id == signal_id)

    async def update(self, signal_id: int, **values: Any) -> Signal:
        s = tables.signals
        async with self.db.begin() as conn:
            await conn.execute(update(s).where(s.c.id == signal_id).values(values))
            found = await _signal(conn, s.c.id == signal_id)
        assert found is not None
        return found

    async def decide(
        self, signal_id: int, decision: str, user: str, **values: Any
    ) -> Signal | None:
        """Record what a person did; None when a decision was already taken (a double click)."""
        s = tables.signals
        async with self.db.begin() as conn:
            done = await conn.execute(
                update(s)
                .where(s.c.id == signal_id, s.c.decision.is_(None))
                .values(decision=decision, decided_by=user, decided_at=self.clock.now(), **values)
            )
            if done.rowcount != 1:
                return None
            return await _signal(conn, s.c.id == signal_id)

    async def muted(self, feature: str | None) -> bool:
        """A person muted this feature's signals for a while."""
        s = tables.signals
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(s.c.id).where(s.c.feature == feature, s.c.muted_until > self.clock.now())
                )
            ).first()
        return row is not None

    async def of_incident(self, incident_id: int) -> list[Signal]:
        s = tables.signals
        async with self.db.connect() as conn:
            rows = (
                await conn.execute(
                    select(s).where(s.c.incident_id == incident_id).order_by(s.c.started_at)
                )
            ).mappings()
            return [Signal.model_validate(dict(row)) for row in rows]


async def _signal(conn: AsyncConnection, where: Any) -> Signal | None:
    row = (await conn.execute(select(tables.signals).where(where))).mappings().first()
    return None if row is None else Signal.model_validate(dict(row))
