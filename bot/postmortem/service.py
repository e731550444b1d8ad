"""The record behind the drafts: what was typed at close, the facts, and saved draft versions.

Intervals and windows come from the features and maintenance services, which read only the
database, so the CLI can draft without Slack.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.changes.drafts import DraftChanges
from bot.changes.drafts import gather as gather_changes
from bot.changes.service import Changes
from bot.corrections.audit import history
from bot.features import Features
from bot.followups.service import Followups
from bot.maintenance.service import Maintenance
from bot.models import (
    EntryKind,
    FeatureInterval,
    Incident,
    TimelineEntry,
)
from bot.postmortem.facts import CloseInputs, PostmortemFacts, parse_action_items
from bot.postmortem.render import render
from bot.slack.gateway import SlackWeb
from bot.slack.people import People
from bot.store import tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database
from bot.time.clock import Clock
from bot.timeline import Timeline

Audience = Literal["customer", "internal"]
AUDIENCES: tuple[Audience, ...] = ("customer", "internal")

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)")
_VERSION_TRIES = 3


class CloseForm(BaseModel):
    """The close modal as submitted: text as typed, the signer as a Slack user id.

    The signer stays an id until a draft is made, so the draft shows their current name.
    """

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    root_cause: str = ""
    resolution: str = ""
    action_items: str = ""
    went_well: str = ""
    went_badly: str = ""
    language: str | None = None
    signer_id: str | None = None


def _mentioned(texts: list[str]) -> set[str]:
    return {user for text in texts for user in _MENTION.findall(text)}


def _channel_of(permalink: str) -> str:
    """`https://acme.slack.com/archives/C1/p123` -> `https://acme.slack.com/archives/C1`."""
    head, _, last = permalink.split("?")[0].rpartition("/")
    return head if last.startswith("p") else permalink


class Postmortems:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        timeline: Timeline,
        people: People,
        slack: SlackWeb,
        features: Features,
        maintenance: Maintenance,
        *,
        templates_dir: Path | None,
        commitment: str | None,
        language: str,
        changes: Changes | None = None,
        followups: Followups | None = None,
    ) -> None:
        self.db, self.clock, self.timeline = db, clock, timeline
        self.changes, self.followups = changes, followups
        self.people, self.slack = people, slack
        self.features, self.maintenance = features, maintenance
        self.templates_dir, self.commitment, self.language = templates_dir, commitment, language

    # --- what was typed at close ----------------------------------------------------------

    async def _stored(self, incident_id: int) -> dict[str, Any]:
        t = tables.postmortem_inputs
        async with self.db.connect() as conn:
            data = await conn.scalar(select(t.c.data).where(t.c.incident_id == incident_id))
        return dict(data or {})

    async def _store(self, incident_id: int, **changes: Any) -> None:
        """Merge `changes` into the incident's saved inputs (the row is made on first use)."""
        t, now = tables.postmortem_inputs, self.clock.now()
        async with self.db.begin() as conn:
            await conn.execute(
                insert_ignoring_conflicts(t, "incident_id").values(
                    incident_id=incident_id, data={}, updated_at=now
                )
            )
            data = await conn.scalar(select(t.c.data).where(t.c.incident_id == incident_id))
            await conn.execute(
                update(t)
                .where(t.c.incident_id == incident_id)
                .values(data={**(data or {}), **changes}, updated_at=now)
            )

    async def save_form(self, incident_id: int, form: CloseForm) -> None:
        await self._store(incident_id, **form.model_dump())

    async def form(self, incident_id: int) -> CloseForm:
        return CloseForm.model_validate(await self._stored(incident_id))

    async def language_of(self, incident_id: int) -> str:
        """The customer draft's language chosen at close, else the configured one."""
        return (await self.form(incident_id)).language or self.language

    # --- facts ------------------------------------------------------------------------------

    async def facts(self, incident: Incident, *, online: bool = True) -> PostmortemFacts:
        """Everything recorded about `incident`. Offline (the CLI) Slack is never called:
        names come from the cache and the channel link from the last online draft."""
        entries = await self.timeline.entries(incident.id)
        intervals = await self.features.intervals(incident.id)
        windows = await self.maintenance.windows(incident.id)
        form = await self.form(incident.id)
        followups = await self.followups.for_incident(incident.id) if self.followups else []
        owners = {f.owner for f in followups if f.owner}
        names = await self._names(incident, entries, form, owners, online=online)
        async with self.db.connect() as conn:
            corrections = tuple(await history(conn, incident.id))
        inputs = CloseInputs(
            root_cause=form.root_cause,
            resolution=form.resolution,
            action_items=parse_action_items(form.action_items),
            went_well=form.went_well,
            went_badly=form.went_badly,
            language=form.language,
            signer=names.get(form.signer_id or ""),
        )
        return PostmortemFacts(
            incident=incident,
            entries=entries,
            intervals=intervals,
            windows=windows,
            inputs=inputs,
            user_names=names,
            channel_url=await self._channel_url(incident, online=online),
            now=self.clock.now(),
            commitment=self.commitment,
            changes=await self._changes(incident, intervals, entries),
            followups=followups,
            corrections=corrections,
        )

    async def _changes(
        self, incident: Incident, intervals: list[FeatureInterval], entries: list[TimelineEntry]
    ) -> DraftChanges | None:
        """The deploys tied to the outages, when change events are tracked at all."""
        if self.changes is None:
            return None
        return await gather_changes(self.changes, incident, intervals, entries)

    async def _names(
        self,
        incident: Incident,
        entries: list[TimelineEntry],
        form: CloseForm,
        owners: set[str],
        *,
        online: bool,
    ) -> dict[str, str]:
        """Display names of everyone a draft may name: actors, lead, signer, follow-up owners,
        mentions."""
        ids = {incident.lead, incident.declared_by, form.signer_id or "", *owners}
        ids |= {e.actor for e in entries if e.actor}
        ids |= {e.text for e in entries if e.kind is EntryKind.lead}
        ids |= _mentioned([incident.title, form.action_items, form.root_cause, form.resolution])
        ids |= _mentioned([form.went_well, form.went_badly, *(e.text for e in entries)])
        ids.discard("")
        if online:
            names = await self.people.names(sorted(ids))
        else:
            u = tables.users
            async with self.db.connect() as conn:
                rows = await conn.execute(
                    select(u.c.user_id, u.c.display_name).where(u.c.user_id.in_(ids))
                )
                names = {row.user_id: row.display_name for row in rows}
        # People falls back to the bare id when Slack cannot say; a draft shows nothing then.
        return {user: name for user, name in names.items() if name != user}

    async def _channel_url(self, incident: Incident, *, online: bool) -> str | None:
        """The channel's link, from the status message's permalink; remembered for offline."""
        stored = (await self._stored(incident.id)).get("channel_url")
        if not online or not incident.channel_id or not incident.status_ts:
            return stored
        try:
            link = await self.slack.permalink(incident.channel_id, incident.status_ts)
        except SlackApiError:
            return stored
        url = _channel_of(link)
        if url != stored:
            await self._store(incident.id, channel_url=url)
        return url

    # --- drafts -----------------------------------------------------------------------------

    def render(self, facts: PostmortemFacts, audience: Audience, language: str) -> str:
        """The draft, through the configured template folder; raises DraftError."""
        return render(facts, audience=audience, language=language, template_dir=self.templates_dir)

    async def save_draft(
        self, incident_id: int, audience: Audience, language: str, body: str
    ) -> int:
        """Store a draft as the next version for its incident, audience and language."""
        d = tables.drafts
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self.db.begin() as conn:
                    latest = await conn.scalar(
                        select(func.max(d.c.version)).where(
                            d.c.incident_id == incident_id,
                            d.c.audience == audience,
                            d.c.language == language,
                        )
                    )
                    version = (latest or 0) + 1
                    await conn.execute(
                        d.insert().values(
                            incident_id=incident_id,
                            audience=audience,
                            language=language,
                            version=version,
                            body=body,
                            created_at=self.clock.now(),
                        )
                    )
                return version
            except IntegrityError:  # a concurrent redraw took this version number
                if attempt >= _VERSION_TRIES:
                    raise
