"""The incident lifecycle's multi-step workflows: set-up, changes, resolve, close.

Plain values in, a result out that the Slack edge renders; Slack-heavy follow-ups (board,
topic, announcement, App Home) are handed to the background tasks here, so every entry point
(command, button, modal, a future API) gets the same sequence. No Bolt and no payloads here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.checks import messages as checks_render
from bot.errors import InputError
from bot.followups import render as followup_render
from bot.incidents.blocks import CLOSED_SHOWN, RECORD_DAYS, home_view
from bot.incidents.labels import severity_label, status_label
from bot.incidents.service import open_for
from bot.incidents.setup import SetupResult
from bot.models import EntryKind, Incident, Severity, Status
from bot.record import render as record_render
from bot.services import Services
from bot.slack.gateway import error_code, escape
from bot.time import durations

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Changed:
    """A recorded change and the line that announces it (in the channel, board thread)."""

    incident: Incident
    text: str


@dataclass(frozen=True)
class Resolution:
    """The outcome of asking to resolve: resolved (`change` set), or a question first."""

    incident: Incident
    change: str | None = None
    open_items: list[str] = field(default_factory=list)
    features_out: bool = False

    @property
    def resolved(self) -> bool:
        return self.change is not None


async def set_up(
    services: Services, incident: Incident, *, declarer: str = "", features: list[str] | None = None
) -> SetupResult:
    """Slack set-up; after a modal declaration (`features` given) the declare hooks run too,
    since they need the channel, and the board shows what they recorded. A complete set-up
    ends with the suspect changes (in the background) and the similar past incidents, if
    any, in the new channel."""
    result = await services.setup.run(incident)
    if features is not None:
        for hook in services.declare_hooks:
            await hook(incident, declarer, features)
        if services.declare_hooks:
            await services.board.publish(await services.incidents.get(incident.id))
    # Issue 25: page the on-call person when declared at an `auto_page` severity, even when
    # Slack interrupted the set-up (a resumed set-up finds the page claimed: sent once).
    services.tasks.spawn(services.paging.on_declared(result.incident), name="auto-page")
    if result.complete:
        # Deploys before the declaration: read after the set-up, in a task of their own so
        # the declarer's "INC-n is open" never waits for a deploy API.
        suspects = services.change_flows.on_declared(result.incident)
        services.tasks.spawn(suspects, name=f"suspects-{incident.id}")
        # Closed incidents that look like this one, in its channel.
        await services.similar_notice.announce(await services.incidents.get(incident.id))
    return result


async def refresh_home(services: Services, user_id: str) -> None:
    """Re-render the App Home of one person (their follow-ups and the team's record under the
    incidents); a failure only costs a stale tab."""
    now = services.clock.now()
    open_ = await services.incidents.list(open_only=True)
    closed = await services.incidents.list(closed_limit=CLOSED_SHOWN)
    today = now.astimezone(ZoneInfo(services.settings.timezone)).date()
    mine = await services.followups.open_ones(owner=user_id)
    record = await services.record.compute(now - RECORD_DAYS)
    extra = [
        *followup_render.home_blocks(services.texts, mine, today),
        *record_render.home_blocks(services.texts, record, RECORD_DAYS.days),
    ]
    failing = checks_render.home_blocks(
        services.texts, await services.checks.states(), services.settings.timezone, now
    )
    sections = services.board.sections
    view = await home_view(services.texts, open_, closed, sections, now, extra, failing)
    try:
        await services.slack.publish_home(user_id, view)
    except SlackApiError as exc:
        log.warning("App Home for %s not published: %s", user_id, error_code(exc))


async def publish_change(services: Services, incident: Incident, change: str, user_id: str) -> None:
    """Board, topic and announcement, then the App Home of whoever made the change.

    A set-up that Slack interrupted earlier is finished first, so the next change repairs it.
    """
    if not (incident.channel_id and incident.status_ts and incident.announce_ts):
        incident = (await services.setup.run(incident)).incident
    await services.board.publish(incident, change)
    await refresh_home(services, user_id)


def _announced(services: Services, incident: Incident, change: str, user_id: str) -> Changed:
    services.tasks.spawn(publish_change(services, incident, change, user_id), name="publish")
    return Changed(incident, change)


async def set_status(services: Services, incident: Incident, new: Status, user_id: str) -> Changed:
    """Any status but resolved (that one goes through `resolve` and its guard)."""
    t = services.texts
    incident = await services.incidents.set_status(incident, new, user_id)
    change = t._("{user} set the status to *{status}*.").format(
        user=f"<@{user_id}>", status=status_label(t, new)
    )
    return _announced(services, incident, change, user_id)


async def set_severity(
    services: Services, incident: Incident, new: Severity, user_id: str
) -> Changed:
    t = services.texts
    incident = await services.incidents.set_severity(incident, new, user_id)
    # Raised to an `auto_page` severity: page once (the claim ignores a second time).
    services.tasks.spawn(services.paging.on_declared(incident), name="auto-page")
    change = t._("{user} set the severity to *{severity}*.").format(
        user=f"<@{user_id}>", severity=severity_label(t, new)
    )
    return _announced(services, incident, change, user_id)


async def set_lead(services: Services, incident: Incident, lead: str, user_id: str) -> Changed:
    """Hand over the lead, to someone Slack knows, and bring them into the channel."""
    t = services.texts
    try:
        await services.slack.user_name(lead)
    except SlackApiError as exc:
        raise InputError(
            t._("Slack does not know the user `{user}` (`{code}`): the lead is unchanged.").format(
                user=escape(lead), code=error_code(exc)
            ),
            t._("Mention someone in this workspace: `/incident lead @giulia`."),
        ) from None
    incident = await services.incidents.set_lead(incident, lead, user_id)
    services.tasks.spawn(_invite_lead(services, incident, lead), name=f"invite-lead-{incident.id}")
    change = services.texts._("{user} made {lead} the incident lead.").format(
        user=f"<@{user_id}>", lead=f"<@{lead}>"
    )
    return _announced(services, incident, change, user_id)


async def _invite_lead(services: Services, incident: Incident, lead: str) -> None:
    """The new lead waits to be in the channel: a refusal is said there and recorded."""
    if not incident.channel_id:
        return
    try:
        refused = await services.slack.invite(incident.channel_id, [lead])
    except SlackApiError as exc:
        refused = {lead: error_code(exc)}
    if not refused:
        return
    code = ", ".join(refused.values())
    log.warning("conversations.invite refused the lead of %s: %s", incident.number, code)
    text = services.texts._(
        ":warning: Slack did not add {lead} to this channel (`{code}`): invite them by hand."
    ).format(lead=f"<@{lead}>", code=escape(code))
    await services.timeline.record(
        incident.id,
        EntryKind.error,
        f"lead not invited: {code}",
        is_key=False,
        data={"stage": "lead", "not_invited": refused},
    )
    try:
        await services.slack.post(incident.channel_id, text)
    except SlackApiError as exc:
        log.warning(
            "%s: the refused invitation was not shown: %s", incident.number, error_code(exc)
        )


async def rename(services: Services, incident: Incident, title: str, user_id: str) -> Changed:
    incident = await services.incidents.rename(incident, title, user_id)
    change = services.texts._("{user} renamed the incident to *{title}*.").format(
        user=f"<@{user_id}>", title=escape(incident.title)
    )
    return _announced(services, incident, change, user_id)


async def still_open(services: Services, incident: Incident) -> Resolution:
    """The guard of resolve and close: what a domain still shows open (maintenance on,
    features down), named for the question; no items when there is nothing to ask."""
    items = await services.board.open_items(incident)
    out = bool(items) and any(s.is_out for s in await services.features.statuses(incident))
    return Resolution(incident, open_items=items, features_out=out)


def ensure_open(services: Services, incident: Incident) -> None:
    """The one guard every way to resolve passes: a resolved or closed incident stays so."""
    services.incidents.require_open(incident)


async def resolve(
    services: Services,
    incident: Incident,
    user_id: str,
    *,
    anyway: bool = False,
    asked_at: datetime | None = None,
) -> Resolution:
    """Resolve, unless a domain still shows something open and nobody said "anyway" yet:
    then the answer is the list, for the edge to ask with. `anyway` is a click on that
    question (asked at `asked_at`): once the incident is resolved or closed, or reopened
    since the question, the click has expired."""
    if anyway:
        nothing = services.texts._("nothing changed")
        services.incidents.require_current(incident, nothing, open_only=True)
        services.incidents.require_not_reopened_since(incident, asked_at, nothing)
    ensure_open(services, incident)
    if not anyway and (open_ := await still_open(services, incident)).open_items:
        return open_
    incident = await services.incidents.resolve(incident, user_id)
    took = durations.short(open_for(incident, services.clock.now()))
    change = services.texts._(":white_check_mark: {user} resolved {number} after {duration}.")
    change = change.format(user=f"<@{user_id}>", number=incident.number, duration=took)
    services.tasks.spawn(services.board.publish(incident, change), name="publish")
    services.tasks.spawn(services.paging.on_resolved(incident), name="resolve-page")
    return Resolution(incident, change)


async def reopen(services: Services, incident: Incident, user_id: str, reason: str) -> Changed:
    """Open a resolved incident again: announced like any change, and the page that was
    resolved with it goes out again."""
    t = services.texts
    incident = await services.incidents.reopen(incident, user_id, reason.strip())
    if reason.strip():
        change = t._(":repeat: {user} reopened {number}: {reason}").format(
            user=f"<@{user_id}>", number=incident.number, reason=escape(reason.strip())
        )
    else:
        change = t._(":repeat: {user} reopened {number}.").format(
            user=f"<@{user_id}>", number=incident.number
        )
    services.tasks.spawn(services.paging.on_reopened(incident), name="reopen-page")
    return _announced(services, incident, change, user_id)


def ensure_closable(services: Services, incident: Incident) -> None:
    services.incidents.require_closable(incident)


async def close(services: Services, incident: Incident, user_id: str) -> Changed:
    """Record the close and publish it; the drafts are the postmortem flow's part."""
    incident = await services.incidents.close(incident, user_id)
    services.tasks.spawn(services.paging.on_resolved(incident), name="resolve-page")
    change = services.texts._(":lock: {user} closed {number}.").format(
        user=f"<@{user_id}>", number=incident.number
    )
    return _announced(services, incident, change, user_id)
