"""The status page's workflows: propose on each change, publish by a person, keep in sync.

`on_change` is the board's listener: every recorded change (declare, status, feature,
maintenance, resolve) reaches it in the background. It refreshes the public snapshot, pushes
component states when `auto_components` is on, and proposes an update once per status the
incident reaches. Text becomes public only through `decide`, by someone allowed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot.errors import InputError
from bot.i18n import Texts
from bot.incidents.service import Incidents
from bot.models import EntryKind, Incident, Status
from bot.plumbing.http import CallFailed
from bot.plumbing.tasks import BackgroundTasks
from bot.slack.gateway import SlackWeb, error_code, escape
from bot.slack.mrkdwn import public_text
from bot.slack.permissions import MaintenancePermissions
from bot.statuspage import drafting
from bot.statuspage.atlassian import Atlassian
from bot.statuspage.blocks import proposal_blocks
from bot.statuspage.models import Component, PublicStatus, StatusUpdate
from bot.statuspage.service import StatusPage
from bot.time import formatting
from bot.timeline import Timeline

log = logging.getLogger(__name__)

PUBLIC_STATUS: Mapping[Status, PublicStatus] = {
    Status.investigating: PublicStatus.investigating,
    Status.identified: PublicStatus.identified,
    Status.monitoring: PublicStatus.monitoring,
    Status.resolved: PublicStatus.resolved,
}


class StatusFlows:
    def __init__(
        self,
        page: StatusPage,
        incidents: Incidents,
        slack: SlackWeb,
        timeline: Timeline,
        tasks: BackgroundTasks,
        permissions: MaintenancePermissions,
        texts: Texts,
        atlassian: Atlassian | None,
    ) -> None:
        self.page, self.incidents, self.slack, self.timeline = page, incidents, slack, timeline
        self.tasks, self.permissions, self.texts, self.atlassian = (
            tasks,
            permissions,
            texts,
            atlassian,
        )

    async def on_change(self, incident: Incident) -> None:
        """Board listener: the record of `incident` changed."""
        self.page.invalidate()
        if not self.page.enabled:
            return
        incident = await self.incidents.get(incident.id)
        if self.atlassian is not None and self.page.settings.auto_components:
            await self._push_components(incident)
        status = PUBLIC_STATUS.get(incident.status)
        if status is not None and incident.channel_id:
            key = f"status:{incident.id}:{status.value}"
            if incident.reopened_at is not None:  # each reopening proposes its statuses anew
                key += f":{incident.reopened_at.timestamp():.0f}"
            await self.propose(incident, status, key=key)

    async def propose(
        self,
        incident: Incident,
        status: PublicStatus,
        *,
        key: str,
        by: str | None = None,
        text: str | None = None,
    ) -> StatusUpdate | None:
        """Draft (or take `text`), record once per `key`, and post it with its buttons."""
        components = await self.page.live_components()
        now = self.page.clock.now()
        intervals, windows = await self.page.impact_record(incident.id)
        facts = drafting.Facts(
            start=await self._since(incident),
            intervals=intervals,
            windows=windows,
            end=incident.resolved_at or now,
        )
        body = text or drafting.body(
            self.texts, status, components, facts, timezone=incident.timezone, now=now
        )
        title = drafting.title(self.texts, components, facts)
        states = {c.key: c.state for c in components}
        proposal = await self.page.propose(incident, status, title, body, states, key=key, by=by)
        if proposal is None or not incident.channel_id:
            return proposal
        text_, blocks = proposal_blocks(self.texts, proposal, "")
        try:
            ts = await self.slack.post(incident.channel_id, text_, blocks)
        except SlackApiError as exc:
            code = error_code(exc)
            fact = {"error": "proposal_not_posted", "code": code}
            await self._failed(incident, f"posting the proposal: {code}", fact)
            return proposal
        await self.page.set_message(proposal.id, incident.channel_id, ts)
        return proposal

    async def _since(self, incident: Incident) -> datetime:
        return await self.page.impact_start(incident)

    async def refusal(self, user: str, incident: Incident) -> str | None:
        """None when `user` may publish; otherwise why not, in the team's language."""
        t = self.texts
        try:
            if await self.permissions.permitted(user, incident.channel_id):
                return None
        except SlackApiError as exc:
            return t._("Slack could not say who may publish (`{code}`).").format(
                code=error_code(exc)
            )
        if self.permissions.allowed is None:
            return t._("Only members of the incident channel may publish status updates.")
        return t._(
            "Only the people listed under `[permissions] status_page` may publish status updates."
        )

    def require_current(self, proposal: StatusUpdate, incident: Incident) -> None:
        """Once the incident is resolved, only its "Resolved" update may still go public:
        an older proposal has expired (public history never moves backwards); once it is
        reopened, its "Resolved" has. A later publication supersedes a proposal too;
        `StatusPage.decide` checks that one."""
        nothing = self.texts._("nothing was published")
        if proposal.status is not PublicStatus.resolved:
            self.incidents.require_current(incident, nothing, open_only=True)
        else:  # resolved, then reopened: that resolution is no longer true
            self.incidents.require_resolved(incident, nothing)

    async def decide(
        self, update_id: int, user: str, *, publish: bool, body: str | None = None
    ) -> StatusUpdate:
        """Publish or skip, if `user` may; the channel's message shows the outcome."""
        proposal = await self.page.get(update_id)
        incident = await self.incidents.get(proposal.incident_id)
        if reason := await self.refusal(user, incident):
            raise InputError(reason)
        if publish:
            self.require_current(proposal, incident)
        if publish:  # what goes public is plain text, whoever wrote it and however
            body = public_text(proposal.body if body is None else body)
        if body is not None and not body.strip():
            raise InputError(self.texts._("An update needs some text for customers."))
        # The states published are the record's at this moment, not at the proposal's.
        live = {c.key: c.state for c in await self.page.live_components()} if publish else None
        decided = await self.page.decide(
            update_id, user, publish=publish, body=body, components=live
        )
        self.tasks.spawn(self._show(incident, decided), name=f"status-update-{decided.id}")
        if publish and self.atlassian is not None:
            self.tasks.spawn(self.sync(), name="statuspage-sync")
        return decided

    async def _show(self, incident: Incident, decided: StatusUpdate) -> None:
        if not (decided.channel_id and decided.message_ts and decided.decided_at):
            return
        when = formatting.when(
            self.texts, decided.decided_at, incident.timezone, self.page.clock.now(), "at"
        )
        text, blocks = proposal_blocks(self.texts, decided, when)
        try:
            await self.slack.update(decided.channel_id, decided.message_ts, text, blocks)
        except SlackApiError as exc:
            code = error_code(exc)
            fact = {"error": "proposal_not_updated", "code": code}
            await self._failed(incident, f"updating the proposal: {code}", fact)

    async def sync(self) -> None:
        """Send every published update the hosted page has not confirmed, in order."""
        if self.atlassian is None:
            return
        components = await self.page.live_components()
        for pending in await self.page.unsynced():
            incident = await self.incidents.get(pending.incident_id)
            remote = await self.page.remote_id(incident.id)
            try:
                remote = await self.atlassian.push_update(
                    pending, remote, components, await self._since(incident)
                )
            except CallFailed as exc:
                await self._failed(incident, str(exc), hosted=True)
                return
            await self.page.save_remote_id(incident.id, remote)
            await self.page.mark_synced(pending.id)

    async def _push_components(self, incident: Incident) -> None:
        assert self.atlassian is not None
        components: list[Component] = await self.page.live_components()
        try:
            await self.atlassian.push_components(components)
        except CallFailed as exc:
            await self._failed(incident, str(exc), hosted=True)

    async def _failed(
        self,
        incident: Incident,
        problem: str,
        fact: dict[str, str] | None = None,
        *,
        hosted: bool = False,
    ) -> None:
        """Shown in the channel and recorded: the public page may now disagree with Slack."""
        t = self.texts
        text = (
            t._(":warning: The hosted status page was not updated: {problem}")
            if hosted
            else t._(":warning: Status page: {problem}")
        ).format(problem=escape(problem))
        if hosted:
            fact = {"error": "hosted_page", "detail": problem}
        await self.timeline.record(
            incident.id,
            EntryKind.error,
            problem,
            is_key=False,
            data={"stage": "status_page"} | (fact or {}),
        )
        if incident.channel_id:
            try:
                await self.slack.post(incident.channel_id, text)
            except SlackApiError as exc:
                log.warning("%s status page failure not shown: %s", incident.number, exc)
