"""Closing through the close modal, and `/incident postmortem [en|it] [customer|internal]`.

The save-close-draft sequence is `bot.postmortem.flows.close_and_draft`; this module parses
the modal and renders the answer.
"""

from __future__ import annotations

import logging

from babel.lists import format_list
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.errors import InputError
from bot.followups import flows as followup_flows
from bot.followups.blocks import close_form_blocks
from bot.i18n import N_, Texts
from bot.postmortem import flows
from bot.postmortem.delivery import what
from bot.postmortem.phrases import LANGUAGES
from bot.postmortem.service import AUDIENCES, Audience
from bot.services import Services
from bot.slack.gateway import escape
from handlers.context import CommandContext, Reply, Subcommand, clicked_incident
from handlers.payloads import BlockActions, ViewSubmission, metadata, payload
from handlers.views.close import (
    CLOSE_BUTTON,
    CLOSE_CALLBACK,
    CloseMetadata,
    close_form,
    closing_without_followups,
    open_close_modal,
)

log = logging.getLogger(__name__)

USAGE = N_("postmortem [en|it] [customer|internal]")
# The words a draft may be typed as: the audiences and their Italian aliases.
DRAFTS: dict[str, Audience] = {
    **{audience: audience for audience in AUDIENCES},
    "clienti": "customer",
    "interno": "internal",
}


def _wanted(t: Texts, args: str, language: str) -> list[tuple[Audience, str]]:
    """Words in any order: a language, an audience, both or neither (both drafts)."""
    audiences: list[Audience] = []
    for word in args.lower().split():
        if word in LANGUAGES:
            language = word
        elif word in DRAFTS:
            audiences.append(DRAFTS[word])
        else:
            raise InputError(
                t._("`{word}` is neither a language ({languages}) nor a draft ({drafts}).").format(
                    word=escape(word[:20]),
                    languages=", ".join(LANGUAGES),
                    drafts=", ".join(AUDIENCES),
                ),
                t._("For example `/incident postmortem it customer`."),
            )
    return [(audience, language) for audience in dict.fromkeys(audiences or AUDIENCES)]


async def postmortem(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    services, t = ctx.services, ctx.services.texts
    wanted = _wanted(t, ctx.args, await services.postmortems.language_of(incident.id))
    services.tasks.spawn(services.drafts.deliver(incident, wanted), name=f"drafts-{incident.id}")
    drafts = format_list(
        [f"{what(t, audience)} ({language})" for audience, language in wanted], locale=t.locale
    )
    return Reply(
        t._(
            ":memo: Drafting the {drafts} of {incident} from the current record;"
            " the files will appear in this channel."
        ).format(drafts=drafts, incident=incident.number)
    )


SUBCOMMANDS = [
    Subcommand(
        "postmortem",
        USAGE,
        N_("/incident postmortem it customer"),
        N_("draft the customer apology and the internal postmortem again from the current record"),
        postmortem,
        aliases=("bozza",),
    ),
]


def register(app: AsyncApp, services: Services) -> None:
    @app.view(CLOSE_CALLBACK)
    async def close_submitted(ack: AsyncAck, context: AsyncBoltContext) -> None:
        submission = payload(context, ViewSubmission)
        view, user = submission.view, submission.user.id
        values = view.state.values
        form = close_form(values)
        try:  # action items become follow-ups; checked before anything is written
            carried = metadata(view, CloseMetadata, services.texts)
            incident_id = carried.incident_id
            items = await followup_flows.close_form_followups(
                services, incident_id, form.action_items, closing_without_followups(values)
            )
        except InputError as exc:
            await ack(response_action="errors", errors={"action_items": str(exc)[:150]})
            return
        try:
            await flows.close_and_draft(
                services, incident_id, form, user, items, seen_reopened=carried.reopened_at
            )
        except InputError as exc:
            await ack(response_action="errors", errors={"root_cause": str(exc)[:150]})
            return
        await ack()

    @app.action(CLOSE_BUTTON)
    async def close_clicked(
        ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        await ack()
        click = payload(context, BlockActions)
        incident = await clicked_incident(services, click)
        try:
            flows.ensure_not_closed(services.texts, incident)
        except InputError as exc:
            await respond(text=exc.message, response_type="ephemeral", replace_original=False)
            return
        language = services.settings.language
        extra = close_form_blocks(services.texts, incident)
        await open_close_modal(services.slack, incident, click.trigger_id, language, extra)
