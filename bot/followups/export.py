"""Follow-ups exported to the team's tracker (GitHub Issues) and kept in step with it.

An export runs after the ack, claims the follow-up first (one issue per follow-up however
often Export is pressed), and says in the incident channel how it went; a failure is also
recorded in the timeline. The state comes back two ways: a poll per exported follow-up (a due
row `github:<id>` in `schedules`, claimed once across replicas, each a conditional GET), and
the signed `POST /github` webhook when it is configured. An issue closed on GitHub marks its
follow-up done.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.followups.github import GithubIssues
from bot.followups.models import FollowUp, FollowUpStatus
from bot.followups.service import EXPORTING, Followups
from bot.i18n import Texts
from bot.models import EntryKind, Incident
from bot.plumbing.http import CallFailed
from bot.plumbing.schedules import Due, Schedules
from bot.plumbing.tasks import BackgroundTasks
from bot.slack.gateway import SlackWeb, error_code, escape
from bot.slack.people import People
from bot.time.clock import Clock
from bot.timeline import Timeline

log = logging.getLogger(__name__)

POLL = "github"
GITHUB_ACTOR = "github"


def poll_kind(followup_id: int) -> str:
    return f"{POLL}:{followup_id}"


class TrackerExport:
    def __init__(
        self,
        github: GithubIssues | None,
        followups: Followups,
        schedules: Schedules,
        timeline: Timeline,
        slack: SlackWeb,
        people: People,
        tasks: BackgroundTasks,
        clock: Clock,
        texts: Texts,
    ) -> None:
        self.github, self.followups, self.schedules = github, followups, schedules
        self.timeline, self.slack, self.people, self.tasks = timeline, slack, people, tasks
        self.clock, self.texts = clock, texts
        self.poll_every = timedelta(minutes=github.settings.poll_minutes if github else 0)
        if github is not None:
            if self.poll_every:
                schedules.on(POLL, self.poll, self.poll_every)
            if github.settings.auto_export:
                followups.on_added.append(self._export_all)

    @property
    def enabled(self) -> bool:
        return self.github is not None

    def _export_all(self, incident: Incident, added: list[FollowUp]) -> None:
        for followup in added:
            self.start(followup, "auto")

    def start(self, followup: FollowUp, actor: str) -> None:
        """Export in the background; the channel hears the outcome."""
        self.tasks.spawn(self.export(followup, actor), name=f"export-{followup.id}")

    async def export(self, followup: FollowUp, actor: str) -> bool:
        if self.github is None or not await self.followups.claim_export(followup.id):
            return False
        incident = await self.followups.incidents.get(followup.incident_id)
        try:
            issue = await self.github.create(followup.text, await self._body(followup, incident))
        except CallFailed as exc:
            await self.followups.set_tracker(followup.id, None, None, None)
            await self._failed(incident, followup, str(exc))
            return False
        ref = self.github.ref(issue.number)
        await self.followups.set_tracker(followup.id, issue.url, ref, issue.etag)
        if self.poll_every:
            due = self.clock.now() + self.poll_every
            await self.schedules.set(incident.id, poll_kind(followup.id), due)
        text = self.texts._(":link: Follow-up #{seq} of {number} is now <{url}|{ref}>.").format(
            seq=followup.seq, number=incident.number, url=issue.url, ref=ref
        )
        await self.timeline.record(
            incident.id,
            EntryKind.followup,
            f"follow-up #{followup.seq} exported: {ref}",
            actor=None if actor == "auto" else actor,
            is_key=False,
            data={"followup": followup.seq, "change": "exported", "tracker": ref},
        )
        await self._say(incident, text)
        return True

    async def _body(self, followup: FollowUp, incident: Incident) -> str:
        """The issue's Markdown: the text, the incident and its channel, the owner, the day."""
        t = self.texts
        lines = [
            followup.text,
            "",
            t._("From {number}: {title}").format(number=incident.number, title=incident.title),
        ]
        if incident.channel_id:
            link = f"https://slack.com/app_redirect?channel={incident.channel_id}"
            lines.append(t._("Incident channel: {link}").format(link=link))
        if followup.owner:
            owner = await self.people.name(followup.owner)
            lines.append(t._("Owner: {owner} (Slack)").format(owner=owner))
        if followup.due_on:
            lines.append(t._("Due: {day}").format(day=followup.due_on.isoformat()))
        lines += ["", t._("_Exported by outagebot; closing this issue marks the follow-up done._")]
        return "\n".join(lines)

    async def poll(self, due: Due) -> None:
        """One conditional GET: a 304 changes nothing and costs no rate limit."""
        followup = await self.followups.by_id(int(due.kind.split(":", 1)[1]))
        ref = followup.tracker_ref if followup else None
        if followup is None or not followup.is_open or not ref or ref == EXPORTING:
            await self.schedules.cancel(due.incident_id, due.kind)
            return
        assert self.github is not None
        try:
            issue = await self.github.get(int(ref.rsplit("#", 1)[1]), followup.tracker_etag)
        except CallFailed as exc:
            log.warning("%s: GitHub state not read: %s", followup.label, exc)
            return
        if issue is None:
            return
        await self.followups.set_tracker(followup.id, issue.url, ref, issue.etag)
        if issue.state == "closed":
            await self.closed_on_github(ref)

    async def closed_on_github(self, ref: str) -> bool:
        """The issue `ref` was closed: its follow-up is done (once, however often we hear it)."""
        followup = await self.followups.by_tracker(ref)
        if followup is None:
            return False
        changed = await self.followups.finish(followup, FollowUpStatus.done, GITHUB_ACTOR)
        await self.schedules.cancel(followup.incident_id, poll_kind(followup.id))
        if changed is None:
            return False
        incident = await self.followups.incidents.get(followup.incident_id)
        text = self.texts._(
            ":white_check_mark: {ref} was closed on GitHub: follow-up #{seq} of {number} is done."
        ).format(ref=escape(ref), seq=followup.seq, number=incident.number)
        await self._say(incident, text)
        return True

    async def _failed(self, incident: Incident, followup: FollowUp, reason: str) -> None:
        await self.timeline.record(
            incident.id,
            EntryKind.error,
            f"follow-up #{followup.seq} not exported: {reason}",
            is_key=False,
        )
        text = self.texts._(
            ":x: Follow-up #{seq} of {number} was not exported to GitHub: {reason}"
        ).format(seq=followup.seq, number=incident.number, reason=escape(reason))
        await self._say(incident, text)

    async def _say(self, incident: Incident, text: str) -> None:
        await tell_channel(self.slack, incident, text, what="export message")


async def tell_channel(slack: SlackWeb, incident: Incident, text: str, *, what: str) -> None:
    """Post `text` in the incident's channel, if it has one; a failure is logged, not raised:
    the follow-up change it reports has happened either way."""
    if not incident.channel_id:
        return
    try:
        await slack.post(incident.channel_id, text)
    except SlackApiError as exc:
        log.warning("%s: %s not posted: %s", incident.number, what, error_code(exc))
