"""Closing through the close modal, and `/incident postmortem [en|it] [customer|internal]`.

The modal's answers are saved before the incident closes, so a draft can always be made again
from the record; rendering and uploading run after the ack.
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.errors import InputError
from bot.followups.models import Source
from bot.models import Incident, Status
from bot.postmortem.delivery import WHAT
from bot.postmortem.phrases import LANGUAGES
from bot.postmortem.service import AUDIENCES, Audience
from bot.services import Services
from bot.slackweb import error_code, escape
from handlers.close_form import CLOSE_BUTTON, CLOSE_CALLBACK, close_form, open_close_modal
from handlers.context import CommandContext, Reply, Subcommand, clicked_incident
from handlers.followups import close_form_followups
from handlers.lifecycle import close_now
from handlers.views import FormError

log = logging.getLogger(__name__)

USAGE = f"postmortem [{'|'.join(LANGUAGES)}] [{'|'.join(AUDIENCES)}]"


def _wanted(args: str, language: str) -> list[tuple[Audience, str]]:
    """Words in any order: a language, an audience, both or neither (both drafts)."""
    audiences: list[Audience] = []
    for word in args.lower().split():
        if word in LANGUAGES:
            language = word
        elif word in AUDIENCES:
            audiences.append(cast(Audience, word))
        else:
            raise InputError(
                f"`{escape(word[:20])}` is neither a language ({', '.join(LANGUAGES)})"
                f" nor a draft ({', '.join(AUDIENCES)}).",
                "For example `/incident postmortem it customer`.",
            )
    return [(audience, language) for audience in dict.fromkeys(audiences or AUDIENCES)]


async def postmortem(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    services = ctx.services
    wanted = _wanted(ctx.args, await services.postmortems.language_of(incident.id))
    services.tasks.spawn(services.drafts.deliver(incident, wanted), name=f"drafts-{incident.id}")
    drafts = " and ".join(f"{WHAT[audience]} ({language})" for audience, language in wanted)
    return Reply(
        f":memo: Drafting the {drafts} of {incident.number} from the current record;"
        " the files will appear in this channel."
    )


async def _closed_and_drafted(services: Services, incident: Incident, announcement: str) -> None:
    if incident.channel_id:
        try:
            await services.slack.post(incident.channel_id, announcement)
        except SlackApiError as exc:
            log.warning("%s: could not say it closed: %s", incident.number, error_code(exc))
    language = await services.postmortems.language_of(incident.id)
    await services.drafts.deliver(incident, [(audience, language) for audience in AUDIENCES])


SUBCOMMANDS = [
    Subcommand(
        "postmortem",
        USAGE,
        "/incident postmortem it customer",
        "draft the customer apology and the internal postmortem again from the current record",
        postmortem,
    ),
]


def register(app: AsyncApp, services: Services) -> None:
    @app.view(CLOSE_CALLBACK)
    async def close_submitted(ack: AsyncAck, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        form = close_form((view.get("state") or {}).get("values") or {})
        user = str((body.get("user") or {}).get("id") or "")
        try:
            incident = await services.incidents.get(
                int(json.loads(view.get("private_metadata") or "{}")["incident_id"])
            )
            if incident.status is Status.closed:
                raise InputError(
                    f"{incident.number} is already closed; `/incident postmortem` in its channel"
                    " drafts again."
                )
            # Issue 18: action items become follow-ups; checked before anything is written.
            items = await close_form_followups(services, incident, view, form.action_items)
            await services.postmortems.save_form(incident.id, form)
            reply = await close_now(services, incident, user)
            await services.followups.add(incident, items, user, Source.close_form)
            await services.similar.index(incident.id)
        except FormError as exc:
            await ack(response_action="errors", errors=exc.errors)
            return
        except InputError as exc:
            await ack(response_action="errors", errors={"root_cause": str(exc)[:150]})
            return
        await ack()
        closed = await services.incidents.get(incident.id)
        services.tasks.spawn(
            _closed_and_drafted(services, closed, reply.text), name=f"close-{incident.id}"
        )

    @app.action(CLOSE_BUTTON)
    async def close_clicked(ack: AsyncAck, body: dict[str, Any], respond: Any) -> None:
        await ack()
        incident = await clicked_incident(services, body)
        if incident.status is Status.closed:
            await respond(
                text=f"{incident.number} is already closed; `/incident postmortem` drafts again.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        await open_close_modal(services, incident, body.get("trigger_id"))
