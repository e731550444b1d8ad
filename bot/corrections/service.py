"""Correcting the record: move a recorded fact's time or text, checked, all or nothing.

A fact is one editable value: a feature interval's start or end, a maintenance window's start
or end, a note's or key moment's time or text, the declared and resolved moments. A
submission changes several at once; every check runs on the record as it would be after all
of them, inside the transaction that writes, so either every change is applied or none.

Each change leaves an audit row (who, when, which fact, from -> to, reason) and a timeline
entry. The form remembers a fingerprint of every value it showed: a value changed meanwhile
by someone else refuses the submission ("changed meanwhile by @…") instead of overwriting it.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.corrections.audit import history
from bot.errors import InputError
from bot.features.labels import state_label
from bot.i18n import Texts
from bot.models import EntryKind, FeatureState, Incident
from bot.slack.gateway import error_code
from bot.slack.permissions import MaintenancePermissions
from bot.store import tables
from bot.store.database import Database
from bot.time.clock import Clock
from bot.time.durations import floor_minute
from bot.time.formatting import when as local_when
from bot.timeline import Timeline


@dataclass(frozen=True)
class Fact:
    """One editable value of the record."""

    key: str  # "interval:12:start", "window:3:end", "entry:40:time", "incident:resolved"
    group: str  # feature | maintenance | note | incident (the form's filters)
    subject: str  # the feature, the target, the entry's text, the incident's number
    detail: str  # the interval's state, "dry run", the entry's kind; may be empty
    field: str  # start | end | time | text | declared | resolved
    value: datetime | str
    recorder: str | None  # who recorded it (may correct it besides the lead)
    row: int  # the interval's, window's or entry's id; the incident's for its moments

    @property
    def is_time(self) -> bool:
        return isinstance(self.value, datetime)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.value)


def field_label(t: Texts, fact: Fact) -> str:
    """What the value is, in words: "down since", "back at", "note", "declared"."""
    if fact.group == "feature":
        if fact.field == "end":
            return t._("back at")
        return t._("{state} since").format(state=state_label(t, FeatureState(fact.detail)))
    if fact.group == "maintenance":
        return t._("maintenance on at") if fact.field == "start" else t._("maintenance off at")
    if fact.group == "note":
        return t._("time") if fact.field == "time" else t._("text")
    return t._("declared at") if fact.field == "declared" else t._("resolved at")


def fingerprint(value: datetime | str) -> str:
    """A short digest of a value as the form showed it (times to the minute)."""
    shown = floor_minute(value).isoformat() if isinstance(value, datetime) else value
    return hashlib.sha256(shown.encode()).hexdigest()[:10]


def stored(value: datetime | str) -> str:
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Applied:
    fact: Fact  # as it was
    value: datetime | str  # what it is now


class CorrectionError(InputError):
    """A refused submission: `errors` maps fact keys to what is wrong with each."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(dict.fromkeys(errors.values())))
        self.errors = errors


class Corrections:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        timeline: Timeline,
        permissions: MaintenancePermissions | None,
        t: Texts,
    ) -> None:
        """`permissions`: the `[permissions] correct` list, None when it is not configured
        (then only the lead and whoever recorded a fact may correct it)."""
        self.db, self.clock, self.timeline = db, clock, timeline
        self.permissions, self.t = permissions, t

    async def facts(self, incident: Incident) -> list[Fact]:
        """Every editable value of the incident: its moments, then the features, maintenance
        windows and notes, each in the order they happened."""
        async with self.db.connect() as conn:
            return await _facts(conn, incident)

    async def entry_of(self, channel_id: str, ts: str) -> int | None:
        """The id of the timeline entry of a captured message (the *Correct time* shortcut)."""
        e = tables.timeline_entries
        query = select(e.c.id).where(e.c.channel_id == channel_id, e.c.ts == ts)
        async with self.db.connect() as conn:
            return await conn.scalar(query)

    async def refusal(self, incident: Incident, user: str, facts: Sequence[Fact]) -> str | None:
        """None when `user` may correct every one of `facts`; otherwise why not."""
        if user == incident.lead or all(f.recorder == user for f in facts):
            return None
        if self.permissions is not None:
            try:
                if await self.permissions.permitted(user, incident.channel_id):
                    return None
            except SlackApiError as exc:  # unsure is no, as for maintenance
                return self.t._("Slack could not say who may correct (`{error}`).").format(
                    error=error_code(exc)
                )
        return self.t._(
            "Only the incident's lead (<@{lead}>), whoever recorded a fact and the people listed"
            " under `[permissions] correct` may correct it."
        ).format(lead=incident.lead)

    def problems(
        self, incident: Incident, facts: Sequence[Fact], changes: Mapping[str, datetime | str]
    ) -> dict[str, str]:
        """What is wrong with `changes` against `facts` (the record as just read), writing
        nothing: so no question is asked for a correction that would then be refused."""
        return _check(self.t, incident, {f.key: f for f in facts}, changes, self.clock.now())

    async def apply(
        self,
        incident: Incident,
        user: str,
        changes: Mapping[str, datetime | str],
        reason: str,
        seen: Mapping[str, str],
    ) -> list[Applied]:
        """Apply `changes` (fact key -> new value) all together, or raise CorrectionError.

        `seen`: the fingerprint of each value as the form showed it. Values left as shown, or
        equal to the current ones (to the minute, for times), are left out; a value changed
        since it was shown refuses the lot; nothing left to change is an InputError.
        """
        t = self.t
        reason = reason.strip()
        if not reason:
            raise CorrectionError({"reason": t._("Say why: the reason is kept with the change.")})
        # Who may: asked before the transaction, since a user group is Slack's to say.
        before = {f.key: f for f in await self.facts(incident)}
        touched = [
            before[k] for k, v in changes.items() if k in before and fingerprint(v) != seen.get(k)
        ]
        if refused := await self.refusal(incident, user, touched):
            raise InputError(refused)
        now = self.clock.now()
        async with self.db.begin() as conn:
            incident = await _locked(conn, incident.id)
            facts = {f.key: f for f in await _facts(conn, incident)}
            errors: dict[str, str] = {}
            wanted: dict[str, datetime | str] = {}
            for key, value in changes.items():
                fact, shown = facts.get(key), seen.get(key)
                if fingerprint(value) == shown:
                    continue  # left as the form showed it
                if fact is None:
                    errors[key] = t._("This fact is no longer in the record; open the form again.")
                elif fact.fingerprint != (shown or fact.fingerprint):
                    errors[key] = await self._changed_meanwhile(conn, incident, fact)
                elif fingerprint(value) != fact.fingerprint:
                    wanted[key] = value
            if errors:
                raise CorrectionError(errors)
            if not wanted:
                raise InputError(
                    t._("Nothing to correct: every value is as recorded."),
                    t._("Change a time or a text, then submit."),
                )
            errors = _check(t, incident, facts, wanted, now)
            if errors:
                raise CorrectionError(errors)
            applied = [Applied(facts[key], value) for key, value in wanted.items()]
            for change in applied:
                await _write(conn, incident, change, now)
                await self._audit(conn, incident, user, change, reason, now)
            await conn.execute(
                update(tables.incidents)
                .where(tables.incidents.c.id == incident.id)
                .values(last_update_at=now)
            )
        return applied

    async def _changed_meanwhile(
        self, conn: AsyncConnection, incident: Incident, fact: Fact
    ) -> str:
        """Who changed a value since the form showed it: the last corrector, else its recorder."""
        last = [c for c in await history(conn, incident.id) if c.fact == fact.key]
        who = last[-1].actor if last else fact.recorder
        if who is None:
            return self.t._("Changed meanwhile; review and submit again.")
        return self.t._("Changed meanwhile by <@{user}>; review and submit again.").format(user=who)

    async def _audit(
        self,
        conn: AsyncConnection,
        incident: Incident,
        user: str,
        change: Applied,
        reason: str,
        now: datetime,
    ) -> None:
        fact = change.fact
        old, new = stored(fact.value), stored(change.value)
        await conn.execute(
            tables.corrections.insert().values(
                incident_id=incident.id,
                fact=fact.key,
                subject=fact.subject,
                old_value=old,
                new_value=new,
                reason=reason,
                actor=user,
                corrected_at=now,
            )
        )
        subject = " ".join(fact.subject.split())[:80]
        if fact.is_time:
            text = self.t._("Corrected: {subject}, {field} {old} → {new}. Reason: {reason}").format(
                subject=subject,
                field=field_label(self.t, fact),
                old=_clock(self.t, fact.value, incident),
                new=_clock(self.t, change.value, incident),
                reason=reason,
            )
        else:
            text = self.t._("Corrected the text of: {subject}. Reason: {reason}").format(
                subject=subject, reason=reason
            )
        await self.timeline.record(
            incident.id,
            EntryKind.correction,
            text,
            actor=user,
            is_key=False,
            data={"fact": fact.key, "field": fact.field, "from": old, "to": new, "reason": reason},
            conn=conn,
        )


def _clock(t: Texts, value: datetime | str, incident: Incident) -> str:
    """A corrected time, dated when it is not on the day the incident was declared."""
    assert isinstance(value, datetime)
    return local_when(t, value, incident.timezone, incident.declared_at)


async def _locked(conn: AsyncConnection, incident_id: int) -> Incident:
    """The incident row, locked (on PostgreSQL) like a feature change locks it: a correction
    and a change of the same incident take turns."""
    i = tables.incidents
    query = select(i).where(i.c.id == incident_id).with_for_update()
    return Incident.model_validate(dict((await conn.execute(query)).mappings().one()))


async def _facts(conn: AsyncConnection, incident: Incident) -> list[Fact]:
    f, w, e = tables.feature_intervals, tables.maintenance_windows, tables.timeline_entries
    facts: list[Fact] = []
    entries = (
        (
            await conn.execute(
                select(e)
                .where(e.c.incident_id == incident.id, e.c.deleted.is_(False))
                .order_by(e.c.occurred_at, e.c.id)
            )
        )
        .mappings()
        .all()
    )
    actor = {row["kind"]: row["actor"] for row in entries}
    number = incident.number
    facts.append(
        Fact("incident:declared", "incident", number, "", "declared", incident.declared_at,
             actor.get(EntryKind.declared.value) or incident.declared_by, incident.id)
    )  # fmt: skip
    if incident.resolved_at is not None:
        facts.append(
            Fact("incident:resolved", "incident", number, "", "resolved", incident.resolved_at,
                 actor.get(EntryKind.resolved.value), incident.id)
        )  # fmt: skip
    for row in (
        await conn.execute(
            select(f).where(f.c.incident_id == incident.id).order_by(f.c.started_at, f.c.id)
        )
    ).mappings():
        key, state = f"interval:{row['id']}", row["state"]
        facts.append(
            Fact(f"{key}:start", "feature", row["feature"], state, "start", row["started_at"],
                 row["started_by"], row["id"])
        )  # fmt: skip
        if row["ended_at"] is not None:
            facts.append(
                Fact(f"{key}:end", "feature", row["feature"], state, "end", row["ended_at"],
                     row["ended_by"], row["id"])
            )  # fmt: skip
    for row in (
        await conn.execute(
            select(w).where(w.c.incident_id == incident.id).order_by(w.c.started_at, w.c.id)
        )
    ).mappings():
        key, detail = f"window:{row['id']}", "dryrun" if row["dry_run"] else row["provider"]
        for field, column in (("start", "started_at"), ("end", "ended_at")):
            if row[column] is not None:
                # Who switched it may correct it, like the person who marked a feature.
                said = _switched(row["target"], on=field == "start")
                switched_by = next(
                    (
                        entry["actor"]
                        for entry in entries
                        if entry["kind"] == EntryKind.maintenance.value
                        and entry["occurred_at"] == row[column]
                        and _said(entry["data"], said)
                    ),
                    None,
                )
                facts.append(
                    Fact(f"{key}:{field}", "maintenance", row["target"], detail, field,
                         row[column], switched_by, row["id"])
                )  # fmt: skip
    for row in entries:
        if row["kind"] not in (EntryKind.note.value, EntryKind.message.value):
            continue
        if row["kind"] == EntryKind.message.value and not row["is_key"]:
            continue
        key, subject = f"entry:{row['id']}", row["text"]
        facts.append(
            Fact(f"{key}:time", "note", subject, row["kind"], "time", row["occurred_at"],
                 row["actor"], row["id"])
        )  # fmt: skip
        facts.append(
            Fact(f"{key}:text", "note", subject, row["kind"], "text", row["text"], row["actor"],
                 row["id"])
        )  # fmt: skip
    return facts


def _check(
    t: Texts,
    incident: Incident,
    facts: Mapping[str, Fact],
    wanted: Mapping[str, datetime | str],
    now: datetime,
) -> dict[str, str]:
    """What is wrong with the record as it would be after `wanted`: fact key -> why."""
    errors: dict[str, str] = {}
    after = {key: replace(fact, value=wanted.get(key, fact.value)) for key, fact in facts.items()}

    def when(instant: datetime) -> str:
        return local_when(t, instant, incident.timezone, now)

    closed = incident.closed_at
    for key, value in wanted.items():
        if isinstance(value, str):
            if not value.strip():
                errors[key] = t._("The text cannot be empty.")
        elif value > now:
            errors[key] = t._("{time} is in the future.").format(time=when(value))
        elif closed is not None and value > closed:
            errors[key] = t._("{time} is after the incident closed ({closed}).").format(
                time=when(value), closed=when(closed)
            )
    for key, fact in wanted_pairs(after, wanted):
        start, end = after[f"{fact}:start"].value, after[f"{fact}:end"].value
        assert isinstance(start, datetime)
        assert isinstance(end, datetime)
        if end <= start:
            errors.setdefault(
                key,
                t._("The end ({end}) must come after the start ({start}).").format(
                    end=when(end), start=when(start)
                ),
            )
    errors.update(_overlaps(t, after, wanted, when))
    errors.update(_past_switch(t, facts, wanted, when))
    for key, said in _resolution_order(t, incident, after, wanted, when).items():
        errors.setdefault(key, said)
    return errors


def _resolution_order(
    t: Texts,
    incident: Incident,
    after: Mapping[str, Fact],
    wanted: Mapping[str, datetime | str],
    when: Callable[[datetime], str],
) -> dict[str, str]:
    """The resolution comes after the declaration, and after the last reopening."""
    errors: dict[str, str] = {}
    declared, resolved = after["incident:declared"].value, after.get("incident:resolved")
    if resolved is not None and isinstance(declared, datetime):
        assert isinstance(resolved.value, datetime)
        if resolved.value < declared and {"incident:declared", "incident:resolved"} & set(wanted):
            key = "incident:resolved" if "incident:resolved" in wanted else "incident:declared"
            errors.setdefault(
                key,
                t._("Resolved ({resolved}) cannot come before declared ({declared}).").format(
                    resolved=when(resolved.value), declared=when(declared)
                ),
            )
    reopened = incident.reopened_at
    if "incident:resolved" in wanted and reopened is not None and resolved is not None:
        assert isinstance(resolved.value, datetime)
        if resolved.value < reopened:  # the earlier resolution is in the timeline, not here
            errors.setdefault(
                "incident:resolved",
                t._(
                    "Resolved ({resolved}) cannot come before it was reopened ({reopened})."
                ).format(resolved=when(resolved.value), reopened=when(reopened)),
            )
    return errors


def wanted_pairs(after: Mapping[str, Fact], wanted: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(the changed key, its interval or window) for each changed start or end with both."""
    pairs = []
    for key in wanted:
        row, _, field = key.rpartition(":")
        if field in ("start", "end") and f"{row}:start" in after and f"{row}:end" in after:
            pairs.append((key, row))
    return pairs


def _overlaps(
    t: Texts, after: Mapping[str, Fact], wanted: Mapping[str, Any], when: Any
) -> dict[str, str]:
    """Two intervals of one feature may not overlap (an open one lasts until now)."""
    spans: dict[str, list[tuple[datetime, datetime | None, str]]] = {}
    for fact in after.values():
        if fact.group == "feature" and fact.field == "start":
            row = fact.key.rpartition(":")[0]
            end_fact = after.get(f"{row}:end")
            assert isinstance(fact.value, datetime)
            stop = end_fact.value if end_fact is not None else None
            assert stop is None or isinstance(stop, datetime)
            spans.setdefault(fact.subject, []).append((fact.value, stop, row))
    errors: dict[str, str] = {}
    for feature, items in spans.items():
        items.sort(key=lambda s: s[0])
        for (start, end, row), (next_start, _, next_row) in itertools.pairwise(items):
            if end is not None and end <= next_start:
                continue
            key = next((k for k in wanted if k.startswith((f"{row}:", f"{next_row}:"))), None)
            if key is None:  # not this correction's doing
                continue
            errors[key] = t._(
                "{feature} would be out twice at once: the outage from {start} overlaps the one"
                " from {next}."
            ).format(feature=feature, start=when(start), next=when(next_start))
    return errors


def _past_switch(
    t: Texts, facts: Mapping[str, Fact], wanted: Mapping[str, Any], when: Any
) -> dict[str, str]:
    """A maintenance window began or ended at the latest when the platform confirmed the
    switch (the time recorded then): it may move earlier (switched by hand before), not later.
    A dry run confirmed nothing, so it moves freely."""
    errors: dict[str, str] = {}
    for key, value in wanted.items():
        fact = facts[key]
        if fact.group != "maintenance" or fact.detail == "dryrun":
            continue
        assert isinstance(fact.value, datetime)
        if floor_minute(value) > floor_minute(fact.value):
            switched = (
                t._("The platform confirmed maintenance on for {target} at {time}.")
                if fact.field == "start"
                else t._("The platform confirmed maintenance off for {target} at {time}.")
            )
            errors[key] = (
                switched.format(target=fact.subject, time=when(fact.value))
                + " "
                + t._("The window cannot move past that; an earlier time is possible.")
            )
    return errors


async def _write(conn: AsyncConnection, incident: Incident, change: Applied, now: datetime) -> None:
    """Move one value, and the timeline entry that said it, to its corrected time or text."""
    fact, value = change.fact, change.value
    e = tables.timeline_entries
    kind, _, field = fact.key.rpartition(":")
    group = kind.partition(":")[0]
    if group == "interval":
        f = tables.feature_intervals
        column = "started_at" if field == "start" else "ended_at"
        await conn.execute(update(f).where(f.c.id == fact.row).values({column: value}))
        state = fact.detail if field == "start" else FeatureState.up.value
        feature = {"feature": fact.subject, "state": state}
        await _move_entries(conn, incident, EntryKind.feature, fact.value, value, feature)
    elif group == "window":
        w = tables.maintenance_windows
        column = "started_at" if field == "start" else "ended_at"
        await conn.execute(update(w).where(w.c.id == fact.row).values({column: value}))
        switch = _switched(fact.subject, on=field == "start")
        await _move_entries(conn, incident, EntryKind.maintenance, fact.value, value, switch)
    elif group == "entry" and field == "time":
        await conn.execute(update(e).where(e.c.id == fact.row).values(occurred_at=value))
    elif group == "entry":
        await conn.execute(
            tables.entry_revisions.insert().values(
                entry_id=fact.row, text=fact.value, replaced_at=now
            )
        )
        await conn.execute(update(e).where(e.c.id == fact.row).values(text=value))
    else:  # the incident's declared or resolved moment
        i = tables.incidents
        column = "declared_at" if field == "declared" else "resolved_at"
        await conn.execute(update(i).where(i.c.id == incident.id).values({column: value}))
        entry_kind = EntryKind.declared if field == "declared" else EntryKind.resolved
        await _move_entries(conn, incident, entry_kind, fact.value, value, {})


def _switched(target: str, *, on: bool) -> dict[str, object]:
    """The data of the maintenance entry that opened (`on`) or closed a window of `target`."""
    return {"target": target, "enabled": on, "ok": True}


def _said(data: Mapping[str, object] | None, said: Mapping[str, object]) -> bool:
    return all((data or {}).get(key) == value for key, value in said.items())


async def _move_entries(
    conn: AsyncConnection,
    incident: Incident,
    kind: EntryKind,
    old: datetime | str,
    new: datetime | str,
    said: Mapping[str, object],
) -> None:
    """The entries of `kind` recorded at `old` whose data holds `said` move to `new`."""
    e = tables.timeline_entries
    where = and_(e.c.incident_id == incident.id, e.c.kind == kind.value, e.c.occurred_at == old)
    rows = (await conn.execute(select(e.c.id, e.c.data).where(where))).all()
    for entry_id, data in rows:
        if _said(data, said):
            await conn.execute(update(e).where(e.c.id == entry_id).values(occurred_at=new))
