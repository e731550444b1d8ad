"""Follow-ups exported to the team's trackers (GitHub, Jira, Linear) and kept in step with them.

An export runs after the ack. It first stores its intent (the follow-up claimed for one
tracker, and a due row `<tracker>:<id>` in `schedules`), so one follow-up never gets two
tickets, however often Export is pressed, a call times out or the bot restarts: a create that
got no answer is looked up (Jira by the follow-up's label, Linear by the id chosen before the
call, GitHub by the marker hidden in the issue's body) before anything is tried again, and the
due row looks it up after a restart. The channel hears how it went; a failure is also recorded
in the timeline.

The state comes back two ways: the due row polls each exported ticket (claimed once across
replicas), and the tracker's signed webhook says it at once. A ticket done there marks its
follow-up done (canceled in Linear: dropped), reopened opens it again, a new due day moves it;
a due day or owner changed in Slack goes to the ticket.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.followups import render
from bot.followups.models import FollowUp, FollowUpStatus
from bot.followups.service import EXPORTING, Followups
from bot.followups.tracker import NewTicket, Ticket, TicketState, Tracker
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

# How soon an export whose outcome is unknown is looked up when the tracker is not polled.
RECHECK = timedelta(minutes=5)
# A ticket its tracker closed is still read this long: reopened there, the follow-up opens again.
REOPEN_WINDOW = timedelta(days=30)
_INTENTS = uuid.UUID("6f2b8a52-2c1e-4f4e-9d1a-0b7e5c3f8a10")


def poll_kind(tracker: str, followup_id: int) -> str:
    return f"{tracker}:{followup_id}"


class TrackerExport:
    def __init__(
        self,
        trackers: list[Tracker],
        followups: Followups,
        schedules: Schedules,
        timeline: Timeline,
        slack: SlackWeb,
        people: People,
        tasks: BackgroundTasks,
        clock: Clock,
        texts: Texts,
    ) -> None:
        self.trackers = {tracker.name: tracker for tracker in trackers}
        self.followups, self.schedules = followups, schedules
        self.timeline, self.slack, self.people, self.tasks = timeline, slack, people, tasks
        self.clock, self.texts = clock, texts
        for tracker in trackers:
            schedules.on(tracker.name, self.poll, self._every(tracker) or RECHECK)
        self.auto = next((t for t in trackers if t.settings.auto_export), None)
        if self.auto is not None:
            followups.on_added.append(self._export_all)
        if trackers:
            followups.on_changed.append(self._changed)

    @property
    def default(self) -> Tracker | None:
        """The tracker the Export button and `followup export N` use."""
        return next(iter(self.trackers.values()), None)

    @staticmethod
    def _every(tracker: Tracker) -> timedelta:
        return timedelta(minutes=tracker.settings.poll_minutes)

    def _export_all(self, incident: Incident, added: list[FollowUp]) -> None:
        for followup in added:
            self.start(followup, "auto", self.auto)

    def start(self, followup: FollowUp, actor: str, tracker: Tracker | None = None) -> None:
        """Export in the background; the channel hears the outcome."""
        self.tasks.spawn(self.export(followup, actor, tracker), name=f"export-{followup.id}")

    async def export(self, followup: FollowUp, actor: str, tracker: Tracker | None = None) -> bool:
        tracker = tracker or self.default
        if tracker is None or not await self.followups.claim_export(followup.id, tracker.name):
            return False
        incident = await self.followups.incidents.get(followup.incident_id)
        new = await self._new_ticket(followup, incident)
        # Should this process stop mid-call, this due row settles the intent.
        kind = poll_kind(tracker.name, followup.id)
        await self.schedules.set(incident.id, kind, self.clock.now() + RECHECK)
        try:
            ticket = await tracker.create(new)
        except CallFailed as exc:
            found = await self._settle(tracker, followup, incident, new, exc)
            if found is None:
                return False
            ticket = found
        await self._exported(tracker, followup, incident, ticket, actor)
        return True

    async def _settle(
        self,
        tracker: Tracker,
        followup: FollowUp,
        incident: Incident,
        new: NewTicket,
        exc: CallFailed,
    ) -> Ticket | None:
        """A create that failed: an answer means nothing was made; no answer after the request
        went out (a timeout, a cut connection) means look before anything is tried again."""
        if exc.status is None and exc.attempts > 0:
            try:
                found = await tracker.find(new)
            except CallFailed as lookup:
                log.warning("%s: lookup after a failed create failed: %s", followup.label, lookup)
                await self._failed(tracker, incident, followup, exc, pending=True)
                return None  # the intent stays; the due row looks again
            if found is not None:
                return found
        await self._release(tracker, followup)
        await self._failed(tracker, incident, followup, exc)
        return None

    async def _release(self, tracker: Tracker, followup: FollowUp) -> None:
        await self.followups.set_tracker(followup.id, None, None, None)
        await self.schedules.cancel(followup.incident_id, poll_kind(tracker.name, followup.id))

    async def _exported(
        self, tracker: Tracker, followup: FollowUp, incident: Incident, ticket: Ticket, actor: str
    ) -> None:
        await self.followups.set_tracker(followup.id, ticket.url, ticket.ref, ticket.etag)
        kind = poll_kind(tracker.name, followup.id)
        if every := self._every(tracker):
            await self.schedules.set(incident.id, kind, self.clock.now() + every)
        else:
            await self.schedules.cancel(incident.id, kind)
        text = self.texts._(":link: Follow-up #{seq} of {number} is now <{url}|{ref}>.").format(
            seq=followup.seq, number=incident.number, url=ticket.url, ref=ticket.ref
        )
        await self.timeline.record(
            incident.id,
            EntryKind.followup,
            f"follow-up #{followup.seq} exported: {ticket.ref}",
            actor=None if actor == "auto" else actor,
            is_key=False,
            data={"followup": followup.seq, "change": "exported", "tracker": ticket.ref},
        )
        await self._say(incident, text)

    async def _new_ticket(self, followup: FollowUp, incident: Incident) -> NewTicket:
        """The ticket's facts: the text, the incident and its channel, the owner, the day."""
        t = self.texts
        lines = [
            followup.text,
            "",
            t._("From {number}: {title}").format(number=incident.number, title=incident.title),
        ]
        link = None
        if incident.channel_id:
            link = f"https://slack.com/app_redirect?channel={incident.channel_id}"
            lines.append(t._("Incident channel: {link}").format(link=link))
        if followup.owner:
            owner = await self.people.name(followup.owner)
            lines.append(t._("Owner: {owner} (Slack)").format(owner=owner))
        if followup.due_on:
            lines.append(t._("Due: {day}").format(day=followup.due_on.isoformat()))
        lines += ["", t._("_Exported by outagebot; closing this issue marks the follow-up done._")]
        return NewTicket(
            key=followup.ticket_key,
            # The same follow-up always gets the same id: a second create is refused.
            intent=str(uuid.uuid5(_INTENTS, f"{followup.label}:{followup.id}:{followup.text}")),
            title=followup.text,
            lines=lines,
            link=link,
            incident=incident.number,
            due_on=followup.due_on,
            owner_email=await self._email(followup.owner),
            written_at=followup.created_at,
        )

    async def _email(self, user_id: str | None) -> str | None:
        """The Slack owner's email, which finds them in the tracker; None when unknown."""
        if user_id is None:
            return None
        try:
            return await self.slack.user_email(user_id)
        except SlackApiError as exc:
            log.warning("no email for %s: %s", user_id, error_code(exc))
            return None

    async def poll(self, due: Due) -> None:
        """Read one exported ticket's state (GitHub: a conditional GET, a 304 changes nothing)."""
        name, _, raw_id = due.kind.partition(":")
        tracker = self.trackers.get(name)
        followup = await self.followups.by_id(int(raw_id))
        ref = followup.tracker_ref if followup else None
        if tracker is None or followup is None or followup.tracker != name or not ref:
            await self.schedules.cancel(due.incident_id, due.kind)
            return
        if ref == EXPORTING:
            await self._recover(tracker, followup)
            return
        if not followup.is_open and not self._may_reopen(followup, tracker):
            await self.schedules.cancel(due.incident_id, due.kind)
            return
        try:
            ticket = await tracker.get(ref, followup.tracker_etag)
        except CallFailed as exc:
            log.warning("%s: %s state not read: %s", followup.label, tracker.service, exc)
            return
        if ticket is None:
            return
        await self.followups.set_tracker(followup.id, ticket.url, ref, ticket.etag)
        await self.apply(tracker, ticket)

    def _may_reopen(self, followup: FollowUp, tracker: Tracker) -> bool:
        """Closed by its tracker, lately: a ticket open again there is a reopening. (Closed in
        Slack, its ticket may well be open: that is no news.)"""
        closed = followup.closed_at
        return (
            followup.closed_by == tracker.name
            and closed is not None
            and self.clock.now() - closed < REOPEN_WINDOW
        )

    async def _recover(self, tracker: Tracker, followup: FollowUp) -> None:
        """An export whose outcome was never known (a timeout, a restart mid-call): the ticket
        it made, if any, becomes the follow-up's; else the intent is released."""
        incident = await self.followups.incidents.get(followup.incident_id)
        try:
            found = await tracker.find(await self._new_ticket(followup, incident))
        except CallFailed as exc:
            log.warning("%s: still not known whether exported: %s", followup.label, exc)
            return
        if found is not None:
            await self._exported(tracker, followup, incident, found, "auto")
            return
        await self._release(tracker, followup)
        text = self.texts._(
            ":warning: Follow-up #{seq} of {number} did not reach {tracker}: export it again."
        ).format(seq=followup.seq, number=incident.number, tracker=tracker.service)
        await self._say(incident, text)

    async def apply(self, tracker: Tracker, ticket: Ticket) -> None:
        """What the tracker says of a ticket, from a poll or a webhook: told once however often
        it is heard."""
        followup = await self.followups.by_tracker(tracker.name, ticket.ref)
        if followup is None:
            return
        incident = await self.followups.incidents.get(followup.incident_id)
        t, ref = self.texts, escape(ticket.ref)
        values = {"ref": ref, "tracker": tracker.service, "seq": followup.seq}
        values["number"] = incident.number
        if ticket.state is not TicketState.open:  # still read for a while: see `_may_reopen`
            if ticket.state is TicketState.done:
                status = FollowUpStatus.done
                text = t._(
                    ":white_check_mark: {ref} was closed on {tracker}:"
                    " follow-up #{seq} of {number} is done."
                )
            else:
                status = FollowUpStatus.not_doing
                text = t._(
                    ":heavy_minus_sign: {ref} was canceled in {tracker}:"
                    " follow-up #{seq} of {number} is dropped."
                )
            if await self.followups.finish(followup, status, tracker.name) is not None:
                await self._say(incident, text.format(**values))
            return
        if not followup.is_open:
            reopened = await self.followups.reopen(followup, tracker.name)
            if reopened is None:
                return
            followup = reopened
            if every := self._every(tracker):
                kind = poll_kind(tracker.name, followup.id)
                await self.schedules.set(incident.id, kind, self.clock.now() + every)
            text = t._(
                ":arrows_counterclockwise: {ref} was reopened in {tracker}:"
                " follow-up #{seq} of {number} is open again."
            )
            await self._say(incident, text.format(**values))
        moved = ticket.due_on is not None and ticket.due_on != followup.due_on
        if (
            moved
            and ticket.due_on
            and await self.followups.set_due(followup, ticket.due_on, tracker.name)
        ):
            text = t._(
                ":date: {ref} is now due {day} in {tracker}: so is follow-up #{seq} of {number}."
            )
            await self._say(incident, text.format(day=render.day(t, ticket.due_on), **values))
        if ticket.assignee_email:
            await self._assigned(tracker, followup, incident, ticket.assignee_email, values)

    async def _assigned(
        self,
        tracker: Tracker,
        followup: FollowUp,
        incident: Incident,
        email: str,
        values: dict[str, object],
    ) -> None:
        """The ticket's assignee becomes the owner, when Slack knows someone by that email."""
        try:
            owner = await self.slack.user_by_email(email)
        except SlackApiError as exc:
            log.warning("%s: assignee not looked up: %s", followup.label, error_code(exc))
            return
        if owner is None or owner == followup.owner:
            return
        if await self.followups.set_owner(followup, owner, tracker.name):
            text = self.texts._(
                ":bust_in_silhouette: {ref} is now assigned to <@{user}> in {tracker}:"
                " so is follow-up #{seq} of {number}."
            )
            await self._say(incident, text.format(user=owner, **values))

    def _changed(self, followup: FollowUp, what: str, actor: str) -> None:
        """A due day or owner changed in Slack goes to the ticket (not back to where it came)."""
        tracker = self.trackers.get(followup.tracker or "")
        ref = followup.tracker_ref
        if tracker is None or actor == tracker.name or not ref or ref == EXPORTING:
            return
        self.tasks.spawn(self._push(tracker, followup, ref), name=f"ticket-{what}-{followup.id}")

    async def _push(self, tracker: Tracker, followup: FollowUp, ref: str) -> None:
        try:
            await tracker.update(ref, followup.due_on, await self._email(followup.owner))
        except CallFailed as exc:
            incident = await self.followups.incidents.get(followup.incident_id)
            reason = self._reason(tracker, exc)
            await self.timeline.record(
                incident.id,
                EntryKind.error,
                f"{ref} not updated: {reason}",
                is_key=False,
                data={"error": "ticket_not_updated", "ref": ref, "reason": reason},
            )
            text = self.texts._(":x: {ref} was not updated in {tracker}: {reason}").format(
                ref=escape(ref), tracker=tracker.service, reason=escape(reason)
            )
            await self._say(incident, text)

    def _reason(self, tracker: Tracker, exc: CallFailed) -> str:
        """The failure and, for the statuses a person must act on, what to fix."""
        t, reason = self.texts, str(exc)
        if exc.status == 401:
            hint = t._("Check the credentials in {names}.").format(names=tracker.credentials)
        elif exc.status == 403 and not exc.rate_limited:
            hint = t._("The account behind {names} may not do this in {where}.").format(
                names=tracker.credentials, where=tracker.where
            )
        elif exc.status == 404:
            hint = t._("Check that {where} exists at the URL in the TOML file.").format(
                where=tracker.where
            )
        else:
            return reason
        return f"{reason}. {hint}"

    async def _failed(
        self,
        tracker: Tracker,
        incident: Incident,
        followup: FollowUp,
        exc: CallFailed,
        *,
        pending: bool = False,
    ) -> None:
        reason = self._reason(tracker, exc)
        await self.timeline.record(
            incident.id,
            EntryKind.error,
            f"follow-up #{followup.seq} not exported: {reason}",
            is_key=False,
            data={"error": "not_exported", "seq": followup.seq, "reason": reason},
        )
        text = self.texts._(
            ":x: Follow-up #{seq} of {number} was not exported to {tracker}: {reason}"
        ).format(
            seq=followup.seq, number=incident.number, tracker=tracker.service, reason=escape(reason)
        )
        if pending:
            text += " " + self.texts._(
                "It may have been made all the same: the next poll looks for it"
                " instead of creating another."
            )
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
