"""The status page's record: proposals, publications, and the public snapshot read from them.

Only `publish` makes text public, and only for the person who pressed the button; component
states follow the record live when `auto_components` is on, else they move only with a
published update (each update carries the states it was published with). The snapshot is
computed in one trip to the database and kept in memory for `max_age` seconds, or until a
change of the record, so a crowd refreshing the page during an outage costs one query.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import FeatureConfig, StatusPageSettings
from bot.errors import Expired, InputError
from bot.i18n import Texts
from bot.models import (
    EntryKind,
    FeatureInterval,
    FeatureState,
    Incident,
    MaintenanceWindow,
    Status,
)
from bot.statuspage import components as comp
from bot.statuspage.models import (
    SEVERITY,
    Component,
    ComponentState,
    Indicator,
    PublicIncident,
    PublicStatus,
    PublicUpdate,
    Snapshot,
    StatusUpdate,
    UpdateState,
    worst,
)
from bot.store import tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database
from bot.time.clock import Clock
from bot.timeline import Timeline

OPEN = [s.value for s in (Status.investigating, Status.identified, Status.monitoring)]


@dataclass(frozen=True)
class Record:
    """What one read of the database gives the snapshot."""

    incidents: dict[int, Incident]
    intervals: list[FeatureInterval]
    windows: list[MaintenanceWindow]
    published: list[StatusUpdate]


def indicator(components: Sequence[Component], open_incidents: int) -> Indicator:
    states = [c.state for c in components]
    if ComponentState.under_maintenance in states:
        return Indicator.maintenance
    app = next((c.state for c in components if c.key == comp.APP), ComponentState.operational)
    if app is ComponentState.major_outage:
        return Indicator.critical
    level = SEVERITY[worst(states)]
    if level >= SEVERITY[ComponentState.partial_outage]:
        return Indicator.major
    if level or open_incidents:
        return Indicator.minor
    return Indicator.none


class StatusPage:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        timeline: Timeline,
        settings: StatusPageSettings,
        features: Sequence[FeatureConfig],
        texts: Texts,
    ) -> None:
        self.db, self.clock, self.timeline, self.settings = db, clock, timeline, settings
        self.texts = texts
        app_remote = settings.atlassian.app_component if settings.atlassian else None
        self.catalogued = comp.public_components(features, texts, settings.app_name, app_remote)
        self._snapshot: Snapshot | None = None
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Task[None] | None = None
        self._generation = 0  # bumped by invalidate: a refresh begun before is not kept

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    # --- the public snapshot --------------------------------------------------------------

    def invalidate(self) -> None:
        """The record changed: the next reader computes a fresh snapshot."""
        self._snapshot = None
        self._generation += 1

    async def snapshot(self) -> Snapshot:
        """The page now. After a change of the record the next reader computes it (the others
        wait for that one computation); when it merely aged past `max_age`, readers get the
        aged one at once while one refresh runs behind them, so no reader queues behind the
        database's writes during a burst of ingest."""
        cached = self._snapshot
        if cached is not None:
            age = self.clock.now() - cached.at
            if age >= timedelta(seconds=self.settings.max_age) and self._refresh is None:
                self._refresh = asyncio.create_task(self._recompute())
            return cached
        async with self._lock:
            return self._snapshot or await self._compute()

    async def _recompute(self) -> None:
        try:
            async with self._lock:
                await self._compute()
        finally:
            self._refresh = None

    async def _compute(self) -> Snapshot:
        now, generation = self.clock.now(), self._generation
        since = now - timedelta(days=self.settings.history_days)
        record = await self.db.run_read(lambda conn: _read(conn, since))
        snapshot = self._build(record, now, since)
        if generation == self._generation:
            self._snapshot = snapshot
        return snapshot

    async def live_components(self) -> list[Component]:
        """Component states as the record says now, published or not (for proposals, sync)."""
        now = self.clock.now()
        record = await self.db.run_read(lambda conn: _read(conn, now))
        return comp.build(self.catalogued, self._derived(record))

    def _derived(self, record: Record) -> dict[str, ComponentState]:
        open_ids = {i.id for i in record.incidents.values() if i.status.value in OPEN}
        intervals = [i for i in record.intervals if i.incident_id in open_ids]
        windows = [
            w for w in record.windows if record.incidents[w.incident_id].status is not Status.closed
        ]
        return comp.derive(self.catalogued, intervals, windows)

    def _build(self, record: Record, now: datetime, since: datetime) -> Snapshot:
        incidents = _public_incidents(record, self.catalogued, since)
        if self.settings.auto_components:
            states = self._derived(record)
        else:
            states = _published_states(record, incidents)
        components = comp.build(self.catalogued, states)
        open_incidents = sum(1 for i in incidents if i.is_open)
        windows = [
            w
            for w in record.windows
            if w.ended_at is None and record.incidents[w.incident_id].status is not Status.closed
        ]
        maintenance = any(c.state is ComponentState.under_maintenance for c in components)
        body: dict[str, Any] = {
            "indicator": indicator(components, open_incidents),
            "components": components,
            "maintenance": maintenance,
            "maintenance_since": min((w.started_at for w in windows), default=None)
            if maintenance
            else None,
            "incidents": incidents,
        }
        digest = hashlib.sha256(repr(sorted(body.items())).encode()).hexdigest()[:20]
        return Snapshot(at=now, etag=digest, **body)

    async def impact_start(self, incident: Incident) -> datetime:
        """The first recorded impact: a feature found down late counts from its real start."""
        f = tables.feature_intervals
        query = select(func.min(f.c.started_at)).where(f.c.incident_id == incident.id)
        async with self.db.connect() as conn:
            first = (await conn.execute(query)).scalar_one_or_none()
        return min(incident.declared_at, first) if first else incident.declared_at

    async def impact_record(
        self, incident_id: int
    ) -> tuple[list[FeatureInterval], list[MaintenanceWindow]]:
        """The incident's feature intervals and maintenance windows, as the drafts read them."""
        f, w = tables.feature_intervals, tables.maintenance_windows
        async with self.db.connect() as conn:
            intervals = (
                await conn.execute(select(f).where(f.c.incident_id == incident_id))
            ).mappings()
            found = [FeatureInterval.model_validate(dict(row)) for row in intervals]
            windows = (
                await conn.execute(select(w).where(w.c.incident_id == incident_id))
            ).mappings()
            return found, [MaintenanceWindow.model_validate(dict(row)) for row in windows]

    # --- proposals and publications -------------------------------------------------------

    async def propose(
        self,
        incident: Incident,
        status: PublicStatus,
        title: str,
        body: str,
        components: dict[str, ComponentState],
        *,
        key: str,
        by: str | None = None,
    ) -> StatusUpdate | None:
        """Record a proposal once per `key`; None when that cause was already proposed."""
        row = {
            "incident_id": incident.id,
            "state": UpdateState.proposed.value,
            "status": status.value,
            "title": title[:200],
            "body": body,
            "components": {k: v.value for k, v in components.items()},
            "proposed_at": self.clock.now(),
            "proposed_by": by,
            "request_key": key[:128],
        }
        u = tables.status_updates
        async with self.db.begin() as conn:
            inserted = await conn.execute(insert_ignoring_conflicts(u, "request_key").values(row))
            if not inserted.rowcount:
                return None
            found = (await conn.execute(select(u).where(u.c.request_key == key[:128]))).one()
        return StatusUpdate.model_validate(dict(found._mapping))

    async def get(self, update_id: int) -> StatusUpdate:
        u = tables.status_updates
        async with self.db.connect() as conn:
            row = (await conn.execute(select(u).where(u.c.id == update_id))).mappings().first()
        if row is None:
            raise InputError(self.texts._("That status update no longer exists."))
        return StatusUpdate.model_validate(dict(row))

    async def updates(self, incident_id: int) -> list[StatusUpdate]:
        u = tables.status_updates
        query = select(u).where(u.c.incident_id == incident_id).order_by(u.c.id)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [StatusUpdate.model_validate(dict(row)) for row in rows]

    async def set_message(self, update_id: int, channel_id: str, ts: str) -> None:
        u = tables.status_updates
        async with self.db.begin() as conn:
            await conn.execute(
                update(u).where(u.c.id == update_id).values(channel_id=channel_id, message_ts=ts)
            )

    async def decide(
        self,
        update_id: int,
        user: str,
        *,
        publish: bool,
        body: str | None = None,
        components: dict[str, ComponentState] | None = None,
    ) -> StatusUpdate:
        """Publish or skip a proposal, once: a second click (or Slack's retry) changes nothing
        and raises InputError saying who decided first. A publication is a timeline entry."""
        u = tables.status_updates
        now = self.clock.now()
        state = UpdateState.published if publish else UpdateState.skipped
        values: dict[str, Any] = {"state": state.value, "decided_at": now, "decided_by": user}
        if body is not None:
            values["body"] = body
        if components is not None:
            values["components"] = {k: v.value for k, v in components.items()}
        async with self.db.begin() as conn:
            if publish:
                await self._not_superseded(conn, update_id)
            changed = await conn.execute(
                update(u)
                .where(u.c.id == update_id, u.c.state == UpdateState.proposed.value)
                .values(values)
            )
            row = (await conn.execute(select(u).where(u.c.id == update_id))).mappings().first()
            if row is None:
                raise InputError(self.texts._("That status update no longer exists."))
            decided = StatusUpdate.model_validate(dict(row))
            if not changed.rowcount:
                raise InputError(self._already(decided))
            if publish:
                await self.timeline.record(
                    decided.incident_id,
                    EntryKind.public,
                    decided.body,
                    actor=user,
                    data={"update": decided.id, "status": decided.status.value},
                    conn=conn,
                )
        self.invalidate()
        return decided

    async def _not_superseded(self, conn: AsyncConnection, update_id: int) -> None:
        """A proposal older than a published update of its incident has expired: publishing
        it would move the public history backwards."""
        u, older = tables.status_updates, tables.status_updates.alias("older")
        later = (
            select(u.c.id)
            .join(older, older.c.incident_id == u.c.incident_id)
            .where(
                older.c.id == update_id,
                u.c.id > update_id,
                u.c.state == UpdateState.published.value,
            )
            .limit(1)
        )
        if (await conn.execute(later)).first() is not None:
            t = self.texts
            raise Expired(t._("A later update is already public; nothing was published."))

    def _already(self, update_: StatusUpdate) -> str:
        t = self.texts
        if update_.state is UpdateState.published:
            return t._("<@{user}> already published this update.").format(user=update_.decided_by)
        return t._("<@{user}> already skipped this update.").format(user=update_.decided_by)

    async def unsynced(self) -> list[StatusUpdate]:
        """Published updates the hosted page has not confirmed, oldest first."""
        u = tables.status_updates
        query = (
            select(u)
            .where(u.c.state == UpdateState.published.value, u.c.synced_at.is_(None))
            .order_by(u.c.decided_at, u.c.id)
        )
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [StatusUpdate.model_validate(dict(row)) for row in rows]

    async def mark_synced(self, update_id: int) -> None:
        u = tables.status_updates
        async with self.db.begin() as conn:
            await conn.execute(
                update(u).where(u.c.id == update_id).values(synced_at=self.clock.now())
            )

    async def remote_id(self, incident_id: int) -> str | None:
        link = tables.status_links
        async with self.db.connect() as conn:
            query = select(link.c.remote_id).where(link.c.incident_id == incident_id)
            return (await conn.execute(query)).scalar_one_or_none()

    async def save_remote_id(self, incident_id: int, remote_id: str) -> None:
        row = {"incident_id": incident_id, "remote_id": remote_id, "created_at": self.clock.now()}
        async with self.db.begin() as conn:
            await conn.execute(
                insert_ignoring_conflicts(tables.status_links, "incident_id").values(row)
            )


def _read(conn: Connection, since: datetime) -> Record:
    """Incidents not closed or closed since `since`, with their intervals, windows and
    published updates: one connection, one trip to the SQLite thread."""
    i, f, w, u = (
        tables.incidents,
        tables.feature_intervals,
        tables.maintenance_windows,
        tables.status_updates,
    )
    recent = or_(i.c.status != Status.closed.value, i.c.closed_at >= since)
    rows = conn.execute(select(i).where(recent)).mappings().all()
    incidents = {row["id"]: Incident.model_validate(dict(row)) for row in rows}
    ids = list(incidents)
    intervals = [
        FeatureInterval.model_validate(dict(row))
        for row in conn.execute(select(f).where(f.c.incident_id.in_(ids))).mappings()
    ]
    windows = [
        MaintenanceWindow.model_validate(dict(row))
        for row in conn.execute(select(w).where(w.c.incident_id.in_(ids))).mappings()
    ]
    published = [
        StatusUpdate.model_validate(dict(row))
        for row in conn.execute(
            select(u)
            .where(u.c.incident_id.in_(ids), u.c.state == UpdateState.published.value)
            .order_by(u.c.decided_at, u.c.id)
        ).mappings()
    ]
    return Record(incidents, intervals, windows, published)


def _public_incidents(
    record: Record, catalogued: Sequence[comp.Catalogued], since: datetime
) -> list[PublicIncident]:
    """Incidents with a published update: unresolved first, then resolved since `since`."""
    ids = {c.key: c.id for c in catalogued}
    by_incident: dict[int, list[StatusUpdate]] = {}
    for published in record.published:
        by_incident.setdefault(published.incident_id, []).append(published)
    out = []
    for incident_id, updates in by_incident.items():
        latest = updates[-1]
        incident = record.incidents[incident_id]
        starts = [i.started_at for i in record.intervals if i.incident_id == incident_id]
        # What was published as affected, and what the record says was (a feature found
        # down after the last publication still counts).
        affected = {k for u in updates for k, s in u.components.items() if SEVERITY[s] > 0}
        impact = _recorded_impact(record, incident_id)
        affected |= {
            i.feature
            for i in record.intervals
            if i.incident_id == incident_id and i.state is not FeatureState.up
        }
        if impact is Indicator.critical:
            affected.add(comp.APP)
        resolved_at = (
            latest.decided_at if latest.status is PublicStatus.resolved else None
        ) or None
        if resolved_at is not None:
            resolved_at = incident.resolved_at or resolved_at
            if resolved_at < since:
                continue
        out.append(
            PublicIncident(
                id=incident_id,
                title=latest.title,
                status=latest.status,
                started_at=min([incident.declared_at, *starts]),
                updated_at=latest.decided_at or latest.proposed_at,
                resolved_at=resolved_at,
                components=[ids[k] for k in ids if k in affected],
                impact=impact,
                updates=[
                    PublicUpdate(
                        id=u.id, status=u.status, body=u.body, at=u.decided_at or u.proposed_at
                    )
                    for u in reversed(updates)
                ],
            )
        )
    out.sort(key=lambda p: (not p.is_open, -p.updated_at.timestamp()))
    return out


def _recorded_impact(record: Record, incident_id: int) -> Indicator:
    """The app offline (a real maintenance window) is critical, a feature down major, one
    degraded minor; else none."""
    if any(w.incident_id == incident_id and not w.dry_run for w in record.windows):
        return Indicator.critical
    states = {i.state for i in record.intervals if i.incident_id == incident_id}
    if FeatureState.down in states:
        return Indicator.major
    return Indicator.minor if FeatureState.degraded in states else Indicator.none


def _published_states(
    record: Record, incidents: Sequence[PublicIncident]
) -> dict[str, ComponentState]:
    """Without auto_components: the states of each unresolved incident's latest publication."""
    latest = {u.incident_id: u for u in record.published}
    found: dict[str, list[ComponentState]] = {}
    for incident in incidents:
        if incident.is_open and record.incidents[incident.id].status is not Status.closed:
            for key, state in latest[incident.id].components.items():
                found.setdefault(key, []).append(state)
    return {key: worst(states) for key, states in found.items()}
