"""Paging workflows: page at declare (or when raised), on demand after a confirmation,
resolve with the incident, and the acknowledgements that come back (webhook or poll).

The declarer's "INC-n is open" never waits for the provider: every send runs in
`services.tasks`, with retries and backoff inside the HTTP session; a failure is shown in the
channel once and recorded. The claim row (see service.py) makes each page go out once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.errors import InputError
from bot.i18n import Texts
from bot.incidents.board import Board
from bot.incidents.service import Incidents
from bot.models import EntryKind, Incident
from bot.paging.config import PagingSettings
from bot.paging.models import PageEvent, PageOut, Pager, PageState, Person, Shift, Target
from bot.paging.service import OPEN, Page, Pages
from bot.plumbing.http import CallFailed
from bot.plumbing.schedules import Due, Schedules
from bot.plumbing.secrets import read_secret
from bot.plumbing.tasks import BackgroundTasks
from bot.slack.gateway import SlackWeb, escape
from bot.slack.people import resolve_user
from bot.slack.permissions import MaintenancePermissions
from bot.time import durations, formatting
from bot.timeline import Timeline
from bot.timeline.progress import SLACK_DOWN, say

log = logging.getLogger(__name__)

FAMILY = "paging"
POLL = f"{FAMILY}:poll"
# A page the provider would not resolve with its incident: asked again until it is.
RESOLVE_AGAIN = "unresolved-page"
RESOLVE_EVERY = timedelta(minutes=5)
PROVIDER_NAMES = {"pagerduty": "PagerDuty", "opsgenie": "Opsgenie"}


@dataclass(frozen=True)
class PageProposal:
    """What `/incident page` asks before anything is sent."""

    target: Target
    message: str
    question: str


class PagingFlows:
    def __init__(
        self,
        settings: PagingSettings | None,
        pager: Pager | None,
        pages: Pages,
        *,
        incidents: Incidents,
        timeline: Timeline,
        slack: SlackWeb,
        board: Board,
        schedules: Schedules,
        tasks: BackgroundTasks,
        permissions: MaintenancePermissions,
        texts: Texts,
        timezone: str,
        environ: Mapping[str, str],
    ) -> None:
        self.settings, self.pager, self.pages = settings, pager, pages
        self.incidents, self.timeline, self.slack, self.board = incidents, timeline, slack, board
        self.schedules, self.tasks, self.permissions, self.t = schedules, tasks, permissions, texts
        self.timezone, self.environ = timezone, environ
        if settings is not None:
            schedules.on(FAMILY, self.poll, timedelta(minutes=settings.poll_minutes))
            schedules.on(RESOLVE_AGAIN, self.resolve_again, RESOLVE_EVERY)

    @property
    def provider(self) -> str:
        return PROVIDER_NAMES[self.settings.provider] if self.settings else ""

    def _configured(self) -> tuple[PagingSettings, Pager]:
        if self.settings is None or self.pager is None:
            raise InputError(
                self.t._("Paging is not configured."),
                self.t._('Add a `[paging]` table with `provider = "pagerduty"` or "opsgenie".'),
            )
        return self.settings, self.pager

    @property
    def polling(self) -> bool:
        """Opsgenie has no webhook here, and PagerDuty's needs its secret: else poll."""
        if self.settings is None:
            return False
        if self.settings.provider == "opsgenie":
            return True
        return read_secret(self.environ, self.settings.webhook_secret_env) is None

    # --- who pages whom ------------------------------------------------------------------

    async def on_declared(self, incident: Incident) -> None:
        """Page once when an incident is declared at (or raised to) an `auto_page` severity."""
        if self.settings is None or incident.severity not in self.settings.auto_page:
            return
        if not incident.is_open:  # a severity set after the resolution pages nobody
            return
        await self.page(incident, Target("default"), reason="auto", user=incident.declared_by)

    def key(self, incident: Incident, target: Target) -> str:
        """Stable per incident and target: the provider deduplicates on it, we claim it."""
        base = f"outagebot-{incident.number}"
        return base if target.kind == "default" else f"{base}-{target.name}"[:255]

    async def page(
        self, incident: Incident, target: Target, *, reason: str, user: str, message: str = ""
    ) -> Page | None:
        """Claim the page and send it in the background; None when it was claimed before."""
        settings, _pager = self._configured()
        claimed = await self.pages.claim(
            incident.id,
            self.key(incident, target),
            provider=settings.provider,
            target=target,
            reason=reason,
            requested_by=user,
            message=message,
        )
        if claimed is not None:
            self.tasks.spawn(self.send(incident, claimed), name=f"page-{incident.id}")
        return claimed

    async def resume(self) -> None:
        """Send what a crash or restart left claimed; the provider deduplicates on the key."""
        if self.pager is None:
            return
        for page in await self.pages.unsent():
            await self.send(await self.incidents.get(page.incident_id), page)

    async def send(self, incident: Incident, page: Page) -> None:
        _settings, pager = self._configured()
        email = None
        try:
            if page.target.kind == "user":
                email = await self.slack.user_email(page.target.name)
                if email is None:
                    raise CallFailed(f"<@{page.target.name}> has no email the bot can read")
            await pager.trigger(self._out(incident, page, email))
        except (CallFailed, *SLACK_DOWN) as exc:  # type: ignore[misc]
            await self._failed(incident, page, exc)
            return
        oncall = await self._oncall_at_send(page.target)
        if not await self.pages.sent(page, oncall):
            return
        if oncall:
            text = self.t._("Paged {who} through {provider}: {oncall} is on call.")
        else:
            text = self.t._("Paged {who} through {provider}.")
        text = text.format(who=self._who(page.target), provider=self.provider, oncall=oncall)
        await self.timeline.record(
            incident.id,
            EntryKind.page,
            text,
            actor=page.requested_by,
            data={"page": page.key, "event": "sent", "reason": page.reason, "oncall": oncall},
        )
        await self._say(incident, f":rotating_light: {text}")
        if self.polling:
            now = self.pages.clock.now()
            await self.schedules.set(incident.id, POLL, now + self._every())
        await self.board.publish(await self.incidents.get(incident.id))

    def _every(self) -> timedelta:
        return timedelta(minutes=self.settings.poll_minutes if self.settings else 1)

    def _out(self, incident: Incident, page: Page, email: str | None) -> PageOut:
        summary = f"{incident.number} ({incident.severity.value}): {incident.title}"
        details = {"incident": incident.number, "severity": incident.severity.value}
        if incident.channel_name:
            details["channel"] = f"#{incident.channel_name}"
        if page.message:
            details["message"] = page.message
        return PageOut(
            key=page.key,
            summary=summary,
            severity=incident.severity,
            at=self.pages.clock.now(),
            link=f"https://slack.com/app_redirect?channel={incident.channel_id or ''}",
            details=details,
            target=page.target,
            email=email,
        )

    async def _failed(self, incident: Incident, page: Page, exc: Exception) -> None:
        error = str(exc) or type(exc).__name__
        attempts = exc.attempts if isinstance(exc, CallFailed) else 1
        if not await self.pages.failed(page, attempts, error):
            return
        text = self.t._(
            ":x: The page to {provider} failed: {error}. Nothing was sent; try again with"
            " `/incident page`."
        ).format(provider=self.provider, error=escape(error))
        recorded = f"page to {self.provider} failed: {error}"
        fact = {"error": "page_failed", "provider": self.provider, "detail": error}
        await self._refused(incident, page, recorded, text, fact)
        await self.board.publish(await self.incidents.get(incident.id))

    async def _refused(
        self, incident: Incident, page: Page, recorded: str, said: str, fact: dict[str, str]
    ) -> None:
        """A provider's refusal or outage: logged, an error entry, and said in the channel."""
        log.warning("%s page %s: %s", incident.number, page.key, recorded)
        await self.timeline.record(
            incident.id,
            EntryKind.error,
            recorded,
            is_key=False,
            data={"stage": FAMILY, "page": page.key} | fact,
        )
        await self._say(incident, said)

    def _who(self, target: Target) -> str:
        if target.kind == "user":
            return f"<@{target.name}>"
        schedule = target.name or (self.settings.schedules[0] if self.settings else "")
        if schedule:
            return self.t._("the on-call person of {schedule}").format(schedule=escape(schedule))
        return self.t._("the on-call person")

    async def _oncall_at_send(self, target: Target) -> str | None:
        """Who was on call as the page went out, as a mention (or name); None if unknown."""
        if target.kind == "user":
            return f"<@{target.name}>"
        schedule = target.name or (self.settings.schedules[0] if self.settings else "")
        if not schedule:
            return None
        current = await self._shifts(schedule)
        return await self.mention(current[0][0].person) if current and current[0] else None

    async def _shifts(self, schedule: str) -> tuple[list[Shift], list[Shift]] | None:
        _settings, pager = self._configured()
        try:
            return await pager.oncall(schedule, self.pages.clock.now())
        except CallFailed as exc:
            log.warning("on-call of %s not read: %s", schedule, exc)
            return None

    async def mention(self, person: Person) -> str:
        """`<@U…>` for someone whose email is in the workspace, else their name."""
        slack_id = await self._slack_id(person)
        return f"<@{slack_id}>" if slack_id else escape(person.name)

    async def _slack_id(self, person: Person) -> str | None:
        if not person.email:
            return None
        try:
            return await self.slack.user_by_email(person.email)
        except SlackApiError as exc:
            log.warning("users.lookupByEmail failed: %s", exc.response.get("error"))
            return None

    async def current_oncall_slack_user(self) -> str | None:
        """The Slack user on call now on the first schedule; None when paging is off, no
        schedule is configured, the provider cannot say, or their email is not in Slack.
        (The detection issue's `auto_declare` makes them the lead.)"""
        if self.settings is None or not self.settings.schedules:
            return None
        shifts = await self._shifts(self.settings.schedules[0])
        if not shifts or not shifts[0]:
            return None
        return await self._slack_id(shifts[0][0].person)

    # --- on demand: `/incident page [@user|schedule] [message]` --------------------------

    async def propose(self, incident: Incident, args: str, user: str) -> PageProposal:
        """The question to confirm; bad input, a closed incident or no permission refused."""
        settings, _pager = self._configured()
        self.incidents.require_open(incident)
        target, message = await self.parse(settings, args)
        await self._require_permission(incident, user)
        question = self.t._(":rotating_light: Page {who} through {provider} for {number}?").format(
            who=self._who(target), provider=self.provider, number=incident.number
        )
        if message:
            question += "\n> " + escape(message)
        return PageProposal(target, message, question)

    async def parse(self, settings: PagingSettings, args: str) -> tuple[Target, str]:
        first, _, rest = args.strip().partition(" ")
        if first.startswith(("<@", "@")):
            return Target("user", await resolve_user(self.slack, self.t, first)), rest.strip()
        schedules = {s.lower(): s for s in settings.schedules}
        if first.lower() in schedules:
            schedule = schedules[first.lower()]
            target = Target("default") if schedule == settings.schedules[0] else None
            return target or Target("schedule", schedule), rest.strip()
        return Target("default"), args.strip()

    async def _require_permission(self, incident: Incident, user: str) -> None:
        try:
            allowed = await self.permissions.permitted(user, incident.channel_id)
        except SlackApiError:
            allowed = False
        if allowed:
            return
        if self.permissions.allowed is None:
            reason = self.t._("only members of the incident channel may page")
        else:
            reason = self.t._("only the people listed under `[permissions] page` may page")
        raise InputError(self.t._("You can't page: {reason}.").format(reason=reason))

    async def confirm(self, incident: Incident, target: Target, message: str, user: str) -> str:
        """The Page click: checked again, then claimed and sent once; the line to show. Once
        the incident is resolved or closed, the question has expired."""
        self.incidents.require_current(incident, self.t._("nobody was paged"), open_only=True)
        await self._require_permission(incident, user)
        page = await self.page(incident, target, reason="manual", user=user, message=message)
        who = self._who(target)
        if page is None:
            earlier = await self.pages.by_key(self.key(incident, target))
            at = earlier.sent_at or earlier.claimed_at if earlier else self.pages.clock.now()
            now = self.pages.clock.now()
            return self.t._("{who} was already paged {time}.").format(
                who=who, time=formatting.when(self.t, at, incident.timezone, now, "at")
            )
        return self.t._(":rotating_light: Paging {who}… (asked by <@{user}>)").format(
            who=who, user=user
        )

    # --- the incident resolved: so is its page -------------------------------------------

    async def on_resolved(self, incident: Incident) -> None:
        if self.pager is None:
            return
        await self.schedules.cancel(incident.id, POLL)
        await self._resolve_pages(incident, first=True)

    async def resolve_again(self, due: Due) -> None:
        """Every few minutes, the pages a provider refused to resolve, quietly, until it does
        (or the incident is open again: then they are its pages again)."""
        incident = await self.incidents.get(due.incident_id)
        if incident.is_open or await self._resolve_pages(incident, first=False):
            await self.schedules.cancel(incident.id, due.kind)

    async def _resolve_pages(self, incident: Incident, *, first: bool) -> bool:
        """Resolve the incident's open pages; whether none is left open. The first failure
        is said in the channel and recorded; the retries are only logged."""
        assert self.pager is not None
        changed, left = False, False
        for page in await self.pages.of_incident(incident.id):
            if page.state not in OPEN:
                continue
            try:
                await self.pager.resolve(page.key)
            except CallFailed as exc:
                left = True
                if not first:
                    log.warning("%s page %s still not resolved: %s", incident.number, page.key, exc)
                    continue
                text = self.t._(
                    ":x: The page could not be resolved in {provider}: {error}. It is asked"
                    " again every few minutes."
                )
                said = text.format(provider=self.provider, error=escape(str(exc)))
                fact = {"error": "page_not_resolved", "provider": self.provider, "detail": str(exc)}
                await self._refused(
                    incident, page, f"page not resolved in {self.provider}: {exc}", said, fact
                )
                continue
            if await self.pages.resolved(page, self.pages.clock.now()):
                changed = True
                await self.timeline.record(
                    incident.id,
                    EntryKind.page,
                    self.t._("The page was resolved in {provider}.").format(provider=self.provider),
                    is_key=False,
                    data={"page": page.key, "event": "resolved"},
                )
        if changed:
            await self.board.publish(await self.incidents.get(incident.id))
        if left and first:
            due = self.pages.clock.now() + RESOLVE_EVERY
            await self.schedules.set(incident.id, RESOLVE_AGAIN, due)
        return not left

    async def on_reopened(self, incident: Incident) -> None:
        """Reopened: every page resolved with the incident is triggered again under its key
        (PagerDuty and Opsgenie open a new alert for it); at an `auto_page` severity with no
        page yet, the first one goes out."""
        if self.pager is None:
            return
        for page in await self.pages.of_incident(incident.id):
            if page.state is PageState.resolved and (again := await self.pages.reclaimed(page)):
                await self.send(incident, again)
        await self.on_declared(incident)

    # --- what comes back: webhook events and polls ---------------------------------------

    async def on_event(self, event: PageEvent) -> bool:
        """Record an acknowledgement, resolution or escalation once; False when not ours
        or already known."""
        page = await self.pages.by_key(event.key)
        if page is None:
            return False
        incident = await self.incidents.get(page.incident_id)
        who = await self.mention(event.person) if event.person else None
        t = self.t
        if event.kind == "acknowledged":
            if not await self.pages.acknowledged(page, event.at, who):
                return False
            after = durations.short(durations.between(page.sent_at or page.claimed_at, event.at))
            text = t._("{who} acknowledged the page, {duration} after it was sent.")
            text = text.format(who=who or t._("Someone"), duration=after)
            is_key, icon = True, ":ok_hand:"
        elif event.kind == "resolved":
            if not await self.pages.resolved(page, event.at):
                return False
            text = t._("The page was resolved in {provider}.").format(provider=self.provider)
            is_key, icon = False, ":white_check_mark:"
        else:
            if page.state is not PageState.sent:
                return False
            text = t._("The page was escalated to {who}.").format(who=who or t._("the next level"))
            is_key, icon = False, ":arrow_up:"
        await self.timeline.record(
            incident.id,
            EntryKind.page,
            text,
            occurred_at=event.at,
            is_key=is_key,
            data={"page": page.key, "event": event.kind, "by": who},
        )
        await self._say(incident, f"{icon} {text}")
        await self.board.publish(await self.incidents.get(incident.id))
        return True

    async def poll(self, due: Due) -> None:
        """Every minute while the incident is open and a page waits for its acknowledgement."""
        incident = await self.incidents.get(due.incident_id)
        waiting = [p for p in await self.pages.of_incident(incident.id) if p.state in OPEN]
        if not incident.is_open or not waiting or self.pager is None or not self.polling:
            await self.schedules.cancel(incident.id, due.kind)
            return
        for page in waiting:
            try:
                events = await self.pager.events(page.key, page.sent_at or page.claimed_at)
            except CallFailed as exc:
                log.warning("%s page %s not read: %s", incident.number, page.key, exc)
                continue
            for event in sorted(events, key=lambda e: e.at):
                await self.on_event(event)

    # --- who is on call ------------------------------------------------------------------

    def require_schedules(self) -> list[str]:
        """The configured schedules; InputError when paging is off or names none."""
        settings, _pager = self._configured()
        if not settings.schedules:
            raise InputError(
                self.t._("No on-call schedule is configured."),
                self.t._('List them under `[paging]`: `schedules = ["PABC123"]`.'),
            )
        return settings.schedules

    async def oncall_text(self) -> str:
        """`/incident oncall`: now and next for each schedule, as Slack mentions."""
        t = self.t
        schedules = self.require_schedules()
        lines = [t._("*Who is on call*")]
        for schedule in schedules:
            shifts = await self._shifts(schedule)
            if shifts is None:
                lines.append(
                    t._("• *{schedule}*: {provider} could not say.").format(
                        schedule=escape(schedule), provider=self.provider
                    )
                )
                continue
            current, upcoming = shifts
            now_people = ", ".join([await self.mention(s.person) for s in current])
            line = t._("• *{schedule}*: now {people}").format(
                schedule=escape(schedule), people=now_people or t._("nobody")
            )
            if upcoming:
                next_people = ", ".join([await self.mention(s.person) for s in upcoming])
                start = upcoming[0].start
                if start is not None:
                    line += t._(", next {people} {time}").format(
                        people=next_people, time=self._when(start, "from")
                    )
                else:
                    line += t._(", next {people}").format(people=next_people)
            lines.append(line)
        return "\n".join(lines)

    def _when(self, instant: datetime, form: formatting.Form = "bare") -> str:
        return formatting.when(self.t, instant, self.timezone, self.pages.clock.now(), form)

    async def _say(self, incident: Incident, text: str) -> None:
        await say(self.slack, self.timeline, incident, text, family=FAMILY)
