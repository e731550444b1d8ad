"""Change events: polling the sources, recording what comes in, and what an incident saw.

Polling runs in the background (at declare, at every `feature down`, and on a schedule while
an incident is open), never before a Slack acknowledgement. A failing source is reported in an
incident's channel once, until it works again: a claim in the database says it was shown.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

import httpx
from sqlalchemy import delete

from bot.changes.models import ChangeEvent, ChangeIn, ChangeMark, Mark
from bot.changes.providers.github import GithubDeployments
from bot.changes.providers.heroku import HerokuReleases
from bot.changes.sources import ChangesSettings, GithubSource, HerokuSource, Source
from bot.changes.store import ChangeStore
from bot.changes.suspects import Impact, Suspicion, impacts_of, suspects
from bot.models import FeatureInterval, Incident
from bot.plumbing.http import CallFailed
from bot.plumbing.retry import RetryPolicy
from bot.store import tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database
from bot.time.clock import Clock

log = logging.getLogger(__name__)


# Told of every change recorded for the first time (the feature checks after a deploy).
Listener = Callable[[list[ChangeEvent]], Awaitable[None]]


class Pollable(Protocol):
    async def changes(self, limit: int) -> list[ChangeIn]: ...


@dataclass(frozen=True)
class Poll:
    new: list[ChangeEvent] = field(default_factory=list)
    # source name -> why it could not be read
    failures: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IncidentChanges:
    """What `/incident changes`, the drafts and the suspects message read."""

    changes: list[ChangeEvent]  # newest first
    suspicions: list[Suspicion]
    marks: dict[int, ChangeMark]
    impacts: list[Impact]

    def suspected_for(self, change_id: int) -> list[Impact]:
        return [s.impact for s in self.suspicions if s.change_id == change_id]


def _claim_key(incident_id: int, source: str) -> str:
    digest = hashlib.sha256(f"{incident_id}:{source}".encode()).hexdigest()[:40]
    return f"changes-fail:{digest}"


class Changes:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: ChangesSettings,
        *,
        environ: Mapping[str, str],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.db, self.clock, self.settings = db, clock, settings
        self.store = ChangeStore(db, clock)
        self.window = timedelta(hours=settings.window_hours)
        self.policy = RetryPolicy(backoff_base=settings.backoff_seconds)
        self.environ = environ
        self.pollers: dict[str, Pollable] = {
            name: poller
            for name, source in settings.sources.items()
            if (poller := self._poller(name, source, transport)) is not None
        }
        self.heroku: dict[str, HerokuReleases] = {
            n: p for n, p in self.pollers.items() if isinstance(p, HerokuReleases)
        }
        self.listeners: list[Listener] = []

    def __repr__(self) -> str:
        return f"Changes(sources={sorted(self.settings.sources)})"

    def _poller(
        self, name: str, source: Source, transport: httpx.AsyncBaseTransport | None
    ) -> Pollable | None:
        match source:
            case HerokuSource():
                return HerokuReleases(
                    name, source, environ=self.environ, policy=self.policy, transport=transport
                )
            case GithubSource():
                return GithubDeployments(
                    name, source, environ=self.environ, policy=self.policy, transport=transport
                )
        return None

    async def record(self, changes: list[ChangeIn]) -> list[ChangeEvent]:
        """Store what is new; the listeners hear of it."""
        new = await self.store.record(changes)
        if new:
            for listener in self.listeners:
                await listener(new)
        return new

    async def poll(self) -> Poll:
        """Read every pollable source at once; a failing one never hides the others."""
        names = list(self.pollers)
        results = await asyncio.gather(
            *(self.pollers[n].changes(self.settings.max_releases) for n in names),
            return_exceptions=True,
        )
        found: list[ChangeIn] = []
        failures: dict[str, str] = {}
        for name, result in zip(names, results, strict=True):
            if isinstance(result, CallFailed):
                failures[name] = str(result)
            elif isinstance(result, BaseException):
                log.error("change source %s failed", name, exc_info=result)
                failures[name] = type(result).__name__
            else:
                found.extend(result)
        return Poll(await self.record(found) if found else [], failures)

    async def failures_to_show(self, incident_id: int, poll: Poll) -> dict[str, str]:
        """The failures not yet shown in this incident; sources that answered are re-armed."""
        shown: dict[str, str] = {}
        async with self.db.begin() as conn:
            for name in self.pollers:
                key = _claim_key(incident_id, name)
                if name not in poll.failures:
                    await conn.execute(
                        delete(tables.processed_events).where(
                            tables.processed_events.c.event_id == key
                        )
                    )
                    continue
                claimed = await conn.execute(
                    insert_ignoring_conflicts(tables.processed_events, "event_id").values(
                        event_id=key, received_at=self.clock.now()
                    )
                )
                if claimed.rowcount == 1:
                    shown[name] = poll.failures[name]
        return shown

    async def for_incident(
        self, incident: Incident, intervals: list[FeatureInterval]
    ) -> IncidentChanges:
        """Changes from the window before the first impact up to now, with their marks."""
        impacts = impacts_of(intervals) or [Impact(None, incident.declared_at)]
        earliest = min([incident.declared_at, *(i.start for i in impacts)])
        changes = await self.store.between(earliest - self.window, self.clock.now())
        marks = await self.store.marks(incident.id)
        unrelated = {i for i, m in marks.items() if m.mark is Mark.not_related}
        found = suspects(changes, impacts, self.window, not_related=unrelated)
        return IncidentChanges(changes, found, marks, impacts)

    async def claim(self, what: str) -> bool:
        """True the first time `what` is claimed, in any replica: work done once."""
        key = "changes:" + hashlib.sha256(what.encode()).hexdigest()[:48]
        async with self.db.begin() as conn:
            claimed = await conn.execute(
                insert_ignoring_conflicts(tables.processed_events, "event_id").values(
                    event_id=key, received_at=self.clock.now()
                )
            )
        return claimed.rowcount == 1
