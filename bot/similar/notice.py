"""The "looks like" message in an incident channel: at declaration and when a feature goes down.

Each past incident is shown once per incident: the shown ones are kept in the timeline entry
the notice records, so a later feature change only adds what is new.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_date
from slack_sdk.errors import SlackApiError

from bot.followups import render
from bot.i18n import Texts
from bot.models import EntryKind, Incident
from bot.similar.service import Match, SimilarIncidents
from bot.slack.gateway import SlackWeb, error_code, escape
from bot.time import durations
from bot.time.clock import Clock
from bot.timeline import Timeline

log = logging.getLogger(__name__)

ROOT_CAUSE_SHOWN = 300


def _open_warning(t: Texts, match: Match, today: date) -> str | None:
    """The first thing to say about a match whose follow-ups are still open."""
    still = [f for f in match.followups if f.is_open]
    if not still:
        return None
    f = max(still, key=lambda f: f.days_overdue(today))
    owner = f"<@{f.owner}>" if f.owner else t._("no owner")
    late = f.days_overdue(today)
    if late:
        return t._(
            ":repeat: {number} looked the same: its follow-up “{text}” is still open,"
            " owner {owner}, {overdue}."
        ).format(
            number=match.incident.number,
            text=escape(f.text),
            owner=owner,
            overdue=render.overdue(t, late),
        )
    return t._(
        ":repeat: {number} looked the same: its follow-up “{text}” is still open, owner {owner}."
    ).format(number=match.incident.number, text=escape(f.text), owner=owner)


def describe(t: Texts, match: Match, today: date) -> str:
    """One past incident: date, downtime per feature, root cause, follow-ups with status."""
    incident = match.incident
    day = incident.declared_at.astimezone(ZoneInfo(incident.timezone)).date()
    parts = [
        f"*{incident.number}* {escape(incident.title)}",
        format_date(day, "EEE d MMM y", locale=t.locale),
    ]
    parts += [
        t._("{feature} out {duration}").format(feature=escape(name), duration=durations.short(took))
        for name, took in match.downtime.items()
    ]
    lines = ["• " + " · ".join(parts)]
    if match.root_cause:
        cause = match.root_cause[:ROOT_CAUSE_SHOWN]
        lines.append("   " + t._("Root cause: {cause}").format(cause=escape(cause)))
    if match.followups:
        lines.append("   " + t._("Follow-ups:"))
        lines += ["   " + render.line(t, f, today) for f in match.followups]
    return "\n".join(lines)


def notice(t: Texts, matches: Sequence[Match], today: date) -> str:
    warnings = [w for m in matches if (w := _open_warning(t, m, today))]
    head = t.ngettext(
        ":mag: This looks like a past incident:",
        ":mag: This looks like {n} past incidents:",
        len(matches),
    ).format(n=len(matches))
    return "\n".join([*warnings, head, *(describe(t, m, today) for m in matches)])


class SimilarNotice:
    def __init__(
        self,
        similar: SimilarIncidents,
        slack: SlackWeb,
        timeline: Timeline,
        clock: Clock,
        texts: Texts,
    ) -> None:
        self.similar, self.slack, self.timeline = similar, slack, timeline
        self.clock, self.texts = clock, texts

    async def _shown(self, incident_id: int) -> set[int]:
        entries = await self.timeline.entries(incident_id)
        return {
            int(n)
            for e in entries
            if e.kind is EntryKind.similar
            for n in e.data.get("incidents", [])
        }

    async def announce(self, incident: Incident) -> list[int]:
        """Post the past incidents not shown yet; their numbers."""
        if not incident.channel_id:
            return []
        shown = await self._shown(incident.id)
        matches = [m for m in await self.similar.find(incident) if m.incident.id not in shown]
        if not matches:
            return []
        today = self.clock.now().astimezone(ZoneInfo(incident.timezone)).date()
        text = notice(self.texts, matches, today)
        ids = [m.incident.id for m in matches]
        try:
            await self.slack.post(incident.channel_id, text)
        except SlackApiError as exc:
            log.warning("%s: similar incidents not posted: %s", incident.number, error_code(exc))
            return []
        summary = "similar past incidents: " + ", ".join(f"INC-{n}" for n in ids)
        await self.timeline.record(
            incident.id, EntryKind.similar, summary, is_key=False, data={"incidents": ids}
        )
        return ids
