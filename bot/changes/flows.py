"""Multi-step work around change events: suspects after a declaration or a `feature down`,
the periodic poll while an incident is open, and the marks responders put on changes.

All of it runs after Slack's acknowledgement (in `services.tasks`) except `mark` and
`listing`, which only touch the database.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.changes import messages
from bot.changes.models import ChangeEvent, ChangeIn, Mark
from bot.changes.service import Changes, Poll
from bot.changes.suspects import Impact
from bot.errors import InputError
from bot.features import Features
from bot.i18n import Texts
from bot.incidents.service import Incidents
from bot.models import EntryKind, Incident
from bot.plumbing.schedules import Due, Schedules
from bot.plumbing.tasks import BackgroundTasks
from bot.slack.gateway import SlackWeb
from bot.timeline import Timeline
from bot.timeline.progress import say

log = logging.getLogger(__name__)

FAMILY = "changes"
"""Schedule family of the periodic poll: one `changes:poll` per open incident."""
POLL = f"{FAMILY}:poll"


class ChangeFlows:
    def __init__(
        self,
        changes: Changes,
        features: Features,
        incidents: Incidents,
        timeline: Timeline,
        slack: SlackWeb,
        schedules: Schedules,
        texts: Texts,
        tasks: BackgroundTasks,
    ) -> None:
        self.changes, self.features, self.incidents = changes, features, incidents
        self.tasks = tasks
        self.timeline, self.slack, self.schedules, self.t = timeline, slack, schedules, texts
        self.every = timedelta(minutes=changes.settings.poll_minutes)
        schedules.on(FAMILY, self.periodic, self.every)

    # --- hooks: after a declaration, after a feature went down ---------------------------

    async def on_declared(self, incident: Incident) -> None:
        """Read the sources, then name the changes before the declaration; once per incident,
        however often its set-up is retried or resumed."""
        if not await self.changes.claim(f"declared:{incident.id}"):
            return
        if self.changes.pollers:
            await self.schedules.set(incident.id, POLL, self.changes.clock.now() + self.every)
        await self._suspects(incident, Impact(None, incident.declared_at))

    async def on_feature_down(
        self, incident: Incident, feature: str, at: datetime, *, degraded: bool = False
    ) -> None:
        await self._suspects(incident, Impact(feature, at, degraded))

    async def _suspects(self, incident: Incident, impact: Impact) -> None:
        incident = await self.incidents.get(incident.id)
        await self._poll(incident)
        seen = await self.changes.for_incident(incident, await self.features.intervals(incident.id))
        if not self.changes.settings.sources and not seen.changes:
            return  # deploys are not tracked here: "no change recorded" would only be noise
        text, blocks = messages.suspects_message(
            self.t,
            incident.id,
            impact,
            seen,
            incident.timezone,
            self.changes.clock.now(),
            self.changes.settings.window_hours,
        )
        await self._say(incident, text, blocks)

    async def periodic(self, due: Due) -> None:
        """Poll while the incident is open; new changes are shown as they arrive."""
        incident = await self.incidents.get(due.incident_id)
        if not incident.is_open:
            await self.schedules.cancel(incident.id, due.kind)
            return
        poll = await self._poll(incident)
        if poll.new:
            now = self.changes.clock.now()
            await self._say(
                incident, messages.arrived_text(self.t, poll.new, incident.timezone, now)
            )

    async def _poll(self, incident: Incident) -> Poll:
        poll = await self.changes.poll()
        for source, reason in (await self.changes.failures_to_show(incident.id, poll)).items():
            await self.timeline.record(
                incident.id,
                EntryKind.error,
                f"change source {source} could not be read: {reason}",
                is_key=False,
                data={
                    "stage": FAMILY,
                    "source": source,
                    "error": "source_unreadable",
                    "reason": reason,
                },
            )
            await self._say(incident, messages.failure_text(self.t, source, reason))
        return poll

    # --- marks and the list --------------------------------------------------------------

    async def mark(self, incident: Incident, change_id: int, mark: Mark, user: str) -> str | None:
        """Record a mark; the channel's line, or None when nothing changed (a repeat click).
        A closed incident's record is final: its buttons have expired."""
        self.incidents.require_current(incident, self.t._("nothing was marked"))
        change = await self.changes.store.get(change_id)
        if change is None:
            raise InputError(self.t._("That change is no longer recorded."))
        if not await self.changes.store.set_mark(incident.id, change_id, mark, user):
            return None
        await self.timeline.record(
            incident.id,
            EntryKind.change,
            f"{change.version} {change.service} marked {mark.value}",
            actor=user,
            is_key=mark is Mark.caused,
            data={"change_id": change.id, "mark": mark.value, "version": change.version},
        )
        return messages.marked_text(self.t, user, change, mark)

    async def listing(self, incident: Incident) -> str:
        seen = await self.changes.for_incident(incident, await self.features.intervals(incident.id))
        now = self.changes.clock.now()
        return messages.listing(self.t, incident.number, seen, incident.timezone, now)

    async def record_incoming(self, changes: list[ChangeIn]) -> list[ChangeEvent]:
        """Record changes pushed by webhook or CLI; open incidents hear of new ones."""
        new = await self.changes.record(changes)
        if new:
            self.tasks.spawn(self.announce(new), name="changes-announce")
        return new

    async def announce(self, changes: list[ChangeEvent]) -> None:
        """Changes that came in by webhook or CLI, shown in every open incident's channel."""
        if not changes:
            return
        for incident in await self.incidents.list(open_only=True):
            now = self.changes.clock.now()
            await self._say(
                incident, messages.arrived_text(self.t, changes, incident.timezone, now)
            )

    async def _say(
        self, incident: Incident, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Post in the channel; a Slack failure is logged and recorded, never raised."""
        await say(self.slack, self.timeline, incident, text, family=FAMILY, blocks=blocks)
