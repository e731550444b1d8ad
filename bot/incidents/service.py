"""The incident record: declare, change, resolve, close; every change also a timeline entry."""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from bot.errors import Expired, InputError
from bot.i18n import Texts, texts
from bot.incidents.labels import severity_label, status_label
from bot.models import EntryKind, Incident, Severity, Status
from bot.plumbing.schedules import Schedules
from bot.store import tables
from bot.store.database import Database, inserted_id
from bot.time import durations, formatting
from bot.time.clock import Clock
from bot.timeline import Timeline

TITLE_MAX = 150
NUDGE = "nudge"
ARCHIVE = "archive"
OPEN_STATUSES = (Status.investigating, Status.identified, Status.monitoring)


def check_title(t: Texts, title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise InputError(
            t._("An incident needs a title."), t._("Try `/incident declare Quotes page is down`.")
        )
    if len(title) > TITLE_MAX:
        raise InputError(
            t._("That title has {count} characters; the limit is {limit}.").format(
                count=len(title), limit=TITLE_MAX
            ),
            t._("Shorten it; put the details in the channel or the declare form's description."),
        )
    return title


class Incidents:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        timeline: Timeline,
        schedules: Schedules,
        *,
        timezone: str,
        language: str,
        nudge_every: timedelta,
        archive_after: timedelta | None = None,
    ) -> None:
        self.db, self.clock, self.timeline, self.schedules = db, clock, timeline, schedules
        self.timezone, self.language, self.nudge_every = timezone, language, nudge_every
        self.archive_after = archive_after
        # The workspace's language is also the one its refusals are written in.
        self.texts = texts(language)

    async def declare(
        self,
        title: str,
        *,
        severity: Severity,
        declared_by: str,
        description: str = "",
        request_key: str | None = None,
    ) -> Incident:
        """Write the incident first; Slack set-up follows and can be retried from this row."""
        title = check_title(self.texts, title)
        now = self.clock.now()
        if request_key is not None:
            existing = await self._find(tables.incidents.c.request_key == request_key)
            if existing is not None:
                return existing
        try:
            async with self.db.begin() as conn:
                result = await conn.execute(
                    tables.incidents.insert().values(
                        title=title,
                        severity=severity.value,
                        status=Status.investigating.value,
                        declared_at=now,
                        declared_by=declared_by,
                        lead=declared_by,
                        timezone=self.timezone,
                        language=self.language,
                        description=description.strip(),
                        last_update_at=now,
                        request_key=request_key,
                    )
                )
                incident_id = inserted_id(result)
                await self.schedules.set(incident_id, NUDGE, now + self.nudge_every, conn=conn)
                await self.timeline.record(
                    incident_id,
                    EntryKind.declared,
                    title,
                    actor=declared_by,
                    data={"severity": severity.value},
                    conn=conn,
                )
        except IntegrityError:
            # A concurrent delivery of the same request won the race: use its incident.
            existing = await self._find(tables.incidents.c.request_key == request_key)
            if existing is None:
                raise
            return existing
        return await self.get(incident_id)

    async def _find(self, condition: Any) -> Incident | None:
        # Every command in an incident channel starts here: one trip to the database.
        statement = select(tables.incidents).where(condition)
        row = await self.db.run_read(lambda conn: conn.execute(statement).mappings().first())
        return Incident.model_validate(dict(row)) if row else None

    async def get(self, incident_id: int) -> Incident:
        # A number no database column holds (a forged button value) is simply not there.
        fits = 0 < incident_id < 2**63
        incident = await self._find(tables.incidents.c.id == incident_id) if fits else None
        if incident is None:
            raise InputError(self.texts._("There is no incident INC-{id}.").format(id=incident_id))
        return incident

    async def by_channel(self, channel_id: str) -> Incident | None:
        return await self._find(tables.incidents.c.channel_id == channel_id)

    async def by_number(self, text: str) -> Incident:
        """Accepts `INC-3`, `inc-3` or `3`."""
        digits = text.strip().upper().removeprefix("INC-")
        if not digits.isdigit():
            raise InputError(
                self.texts._("{text} is not an incident number.").format(text=repr(text)),
                self.texts._("Use the form `INC-3`."),
            )
        return await self.get(int(digits))

    # Annotations below say `builtins.list`: inside the class, `list` is this method.
    async def list(
        self, *, open_only: bool = False, closed_limit: int | None = None
    ) -> builtins.list[Incident]:
        i = tables.incidents
        query = select(i)
        if open_only:
            query = query.where(i.c.status.in_([s.value for s in OPEN_STATUSES])).order_by(i.c.id)
        elif closed_limit is not None:
            query = query.where(i.c.status == Status.closed.value)
            query = query.order_by(i.c.closed_at.desc()).limit(closed_limit)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [Incident.model_validate(dict(row)) for row in rows]

    async def unfinished_setup(self) -> builtins.list[Incident]:
        """Incidents whose Slack set-up a failure interrupted; start-up finishes them."""
        i = tables.incidents
        query = select(i).where(
            i.c.closed_at.is_(None),
            (i.c.channel_id.is_(None)) | (i.c.status_ts.is_(None)) | (i.c.announce_ts.is_(None)),
        )
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [Incident.model_validate(dict(row)) for row in rows]

    async def save_slack_refs(self, incident_id: int, **refs: str) -> Incident:
        async with self.db.begin() as conn:
            await conn.execute(
                update(tables.incidents).where(tables.incidents.c.id == incident_id).values(**refs)
            )
        return await self.get(incident_id)

    async def _change(
        self,
        incident: Incident,
        actor: str,
        kind: EntryKind,
        text: str,
        data: dict[str, Any],
        **values: Any,
    ) -> Incident:
        now = self.clock.now()
        async with self.db.begin() as conn:
            await conn.execute(
                update(tables.incidents)
                .where(tables.incidents.c.id == incident.id)
                .values(last_update_at=now, **values)
            )
            await self.timeline.record(incident.id, kind, text, actor=actor, data=data, conn=conn)
            if values.get("status", incident.status.value) in OPEN_STATUSES:
                await self.schedules.set(incident.id, NUDGE, now + self.nudge_every, conn=conn)
            else:
                await self.schedules.cancel(incident.id, NUDGE, conn=conn)
            if values.get("status") == Status.closed.value and self.archive_after is not None:
                await self.schedules.set(incident.id, ARCHIVE, now + self.archive_after, conn=conn)
        return await self.get(incident.id)

    async def note(
        self, incident: Incident, text: str, *, actor: str, at: datetime, data: dict[str, Any]
    ) -> None:
        """A typed note: a key timeline entry, and an update as far as nudges are concerned."""
        entry = self.timeline.entry(
            incident.id, EntryKind.note, text, actor=actor, occurred_at=at, data=data
        )
        touch = (
            update(tables.incidents)
            .where(tables.incidents.c.id == incident.id)
            .values(last_update_at=self.clock.now())
        )

        def write(conn: Connection) -> None:
            conn.execute(tables.timeline_entries.insert(), entry)
            conn.execute(touch)

        # Notes come in bursts while people type: one trip to the database each.
        await self.db.run_transaction(write)

    async def set_status(self, incident: Incident, status: Status, actor: str) -> Incident:
        if status is Status.resolved:
            return await self.resolve(incident, actor)
        if status is Status.closed:
            raise InputError(self.texts._("Use `/incident close` to close an incident."))
        self.require_open(incident)
        return await self._change(
            incident,
            actor,
            EntryKind.status,
            status.value,
            {"from": incident.status.value, "to": status.value},
            status=status.value,
        )

    async def set_severity(self, incident: Incident, severity: Severity, actor: str) -> Incident:
        if severity is incident.severity:  # nothing to announce or record
            raise InputError(
                self.texts._("{number} is already {severity}.").format(
                    number=incident.number, severity=severity_label(self.texts, severity)
                )
            )
        return await self._change(
            incident,
            actor,
            EntryKind.severity,
            severity.value,
            {"from": incident.severity.value, "to": severity.value},
            severity=severity.value,
        )

    async def set_lead(self, incident: Incident, lead: str, actor: str) -> Incident:
        return await self._change(
            incident, actor, EntryKind.lead, lead, {"from": incident.lead, "to": lead}, lead=lead
        )

    async def rename(self, incident: Incident, title: str, actor: str) -> Incident:
        title = check_title(self.texts, title)
        return await self._change(
            incident, actor, EntryKind.rename, title, {"from": incident.title}, title=title
        )

    async def resolve(self, incident: Incident, actor: str) -> Incident:
        self.require_open(incident)
        now = self.clock.now()
        return await self._change(
            incident,
            actor,
            EntryKind.resolved,
            "",
            {"from": incident.status.value},
            status=Status.resolved.value,
            resolved_at=now,
        )

    async def close(self, incident: Incident, actor: str) -> Incident:
        self.require_closable(incident)
        now = self.clock.now()
        return await self._change(
            incident,
            actor,
            EntryKind.closed,
            "",
            {"from": incident.status.value},
            status=Status.closed.value,
            closed_at=now,
            resolved_at=incident.resolved_at or now,
        )

    async def reopen(self, incident: Incident, actor: str, reason: str) -> Incident:
        """A resolved incident is investigated again: its resolution stays in the timeline,
        its resolved time is cleared until the next one. A closed incident stays closed (its
        channel is archived and its drafts written): a recurrence is a new incident."""
        t = self.texts
        if incident.status is Status.closed:
            raise InputError(
                t._("{number} is closed, and a closed incident stays closed.").format(
                    number=incident.number
                ),
                t._("If it happens again, declare a new incident with `/incident declare`."),
            )
        if incident.status is not Status.resolved:
            raise InputError(
                t._("{number} is not resolved: there is nothing to reopen.").format(
                    number=incident.number
                )
            )
        return await self._change(
            incident,
            actor,
            EntryKind.reopened,
            reason,
            {"from": Status.resolved.value, "to": Status.investigating.value},
            status=Status.investigating.value,
            resolved_at=None,
            reopened_at=self.clock.now(),
        )

    def require_open(self, incident: Incident) -> None:
        """The one guard every way to resolve or change passes: resolved or closed stays so."""
        if not incident.is_open:
            raise self._already(incident)

    def require_closable(self, incident: Incident) -> None:
        if incident.status is Status.closed:
            raise self._already(incident)

    def require_current(self, incident: Incident, nothing: str, *, open_only: bool = False) -> None:
        """The guard of a click that acts on `incident`: once it is closed (or, `open_only`,
        resolved) the question the button asked is stale. Raises Expired, "INC-3 was closed
        at 18:05; nothing was switched" (`nothing`: what did not happen)."""
        t = self.texts
        if incident.status is Status.closed:
            raise self._stale(t._("{number} was closed {time}; {nothing}."), incident, nothing)
        if open_only and incident.status is Status.resolved:
            raise self._stale(t._("{number} was resolved {time}; {nothing}."), incident, nothing)

    def require_resolved(self, incident: Incident, nothing: str) -> None:
        """The guard of a click that says the incident is over: once it was reopened, the
        question is stale. Raises Expired, "INC-3 was reopened at 18:02; nothing was …"."""
        if incident.is_open:
            raise self._stale(
                self.texts._("{number} was reopened {time}; {nothing}."), incident, nothing
            )

    def require_not_reopened_since(
        self, incident: Incident, asked_at: datetime | None, nothing: str
    ) -> None:
        """The guard of a question asked (a button posted, a form opened) about an incident
        that was reopened after it: whatever it offered was about the earlier resolution."""
        reopened = incident.reopened_at
        if asked_at is not None and reopened is not None and asked_at < reopened:
            said = self.texts._("{number} was reopened {time}; {nothing}.")
            raise self._stale(said, incident, nothing, at=reopened)

    def _stale(
        self, said: str, incident: Incident, nothing: str, *, at: datetime | None = None
    ) -> Expired:
        """`said` of the moment the incident last changed state (or `at`): "at 18:05", or
        "at 18:05 on 4 Dec" for a button pressed on another day."""
        at = at or {
            Status.closed: incident.closed_at,
            Status.resolved: incident.resolved_at,
        }.get(incident.status, incident.reopened_at)
        time = formatting.when(
            self.texts, at or incident.last_update_at, incident.timezone, self.clock.now(), "at"
        )
        return Expired(said.format(number=incident.number, time=time, nothing=nothing))

    def _already(self, incident: Incident) -> InputError:
        t = self.texts
        said = t._("{number} is already {status}.").format(
            number=incident.number, status=status_label(t, incident.status)
        )
        if incident.status is Status.resolved:
            return InputError(said, t._("`/incident reopen <why>` opens it again."))
        return InputError(said)


def open_for(incident: Incident, now: datetime) -> timedelta:
    return durations.between(
        incident.declared_at, incident.resolved_at or incident.closed_at or now
    )
