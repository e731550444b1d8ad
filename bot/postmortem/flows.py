"""Close and draft: the answers of the close form saved, the incident closed, the drafts made.

The form is saved before the incident closes, so a draft can always be made again from the
record; posting and rendering run in the background, after Slack got its answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot.errors import InputError
from bot.followups.models import NewFollowUp, Source
from bot.i18n import Texts
from bot.incidents import flows as incident_flows
from bot.models import Incident, Status
from bot.postmortem.service import AUDIENCES, CloseForm
from bot.services import Services
from bot.slack.gateway import error_code

log = logging.getLogger(__name__)


async def close_and_draft(
    services: Services,
    incident_id: int,
    form: CloseForm,
    user_id: str,
    followups: Sequence[NewFollowUp] = (),
    *,
    seen_reopened: datetime | None = None,
) -> incident_flows.Changed:
    """Save the form, close, record the form's follow-ups (read and checked beforehand by
    `bot.followups.flows.close_form_followups`) and index the incident for the similar-incident
    search; then say so in the channel and deliver both drafts. A form opened before the
    incident was last reopened (`seen_reopened`: the reopening it knew of) closes nothing."""
    incident = await services.incidents.get(incident_id)
    if incident.status is Status.closed:
        raise InputError(
            services.texts._(
                "{incident} is already closed; `/incident postmortem` in its channel drafts again."
            ).format(incident=incident.number)
        )
    opened = seen_reopened or incident.declared_at
    nothing = services.texts._("nothing was closed")
    services.incidents.require_not_reopened_since(incident, opened, nothing)
    await services.postmortems.save_form(incident.id, form)
    closed = await incident_flows.close(services, incident, user_id)
    await services.followups.add(incident, followups, user_id, Source.close_form)
    await services.similar.index(incident.id)
    services.tasks.spawn(_said_and_drafted(services, closed), name=f"close-{incident.id}")
    return closed


async def _said_and_drafted(services: Services, closed: incident_flows.Changed) -> None:
    incident = await services.incidents.get(closed.incident.id)
    if incident.channel_id:
        try:
            await services.slack.post(incident.channel_id, closed.text)
        except SlackApiError as exc:
            log.warning("%s: could not say it closed: %s", incident.number, error_code(exc))
    language = await services.postmortems.language_of(incident.id)
    await services.drafts.deliver(incident, [(audience, language) for audience in AUDIENCES])


def ensure_not_closed(t: Texts, incident: Incident) -> None:
    """The "Close and draft" button of an incident closed meanwhile."""
    if incident.status is Status.closed:
        raise InputError(
            t._("{incident} is already closed; `/incident postmortem` drafts again.").format(
                incident=incident.number
            )
        )
