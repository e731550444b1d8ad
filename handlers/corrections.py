"""`/incident correct [features|maintenance|notes]` (`correggi`): the correction form; its
filter and paging; its submission; the confirmation of a typed shortcut (`feature down NAME at
TIME` on a feature already down); and the *Correct time* message shortcut."""

from __future__ import annotations

import json
from datetime import datetime

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.corrections import flows
from bot.corrections.service import CorrectionError, Fact
from bot.errors import InputError
from bot.i18n import N_
from bot.models import Incident
from bot.services import Services
from bot.slack.gateway import escape
from bot.slack.mrkdwn import plain
from bot.timeline.render import mentioned, names_for
from handlers.context import CommandContext, Reply, Subcommand, clicked
from handlers.payloads import BlockActions, MessageShortcut, ViewSubmission, payload
from handlers.views.correct import (
    CONFIRM,
    CORRECT_CALLBACK,
    FILTER,
    FILTER_WORDS,
    PAGE,
    REASON,
    FormState,
    block_for,
    correction_modal,
    page_of,
    submitted,
)

SHORTCUT = "correct_time"


async def correct(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    services, t = ctx.services, ctx.services.texts
    word = ctx.args.strip().lower()
    group = FILTER_WORDS.get(word) if word else "all"
    if group is None:
        raise InputError(
            t._("`{word}` is not a kind of fact.").format(word=escape(word[:20])),
            t._("`/incident correct`, or `/incident correct features|maintenance|notes`."),
        )
    await open_form(services, incident, ctx.trigger_id, FormState(incident.id, group))
    return Reply("")


async def open_form(
    services: Services, incident: Incident, trigger_id: str | None, state: FormState
) -> None:
    if not trigger_id:
        raise InputError(services.texts._("Slack sent no trigger to open the form with."))
    facts = await services.corrections.facts(incident)
    await services.slack.open_view(
        trigger_id, correction_modal(services.texts, incident, facts, state)
    )


SUBCOMMANDS = [
    Subcommand(
        "correct",
        N_("correct [features|maintenance|notes]"),
        N_("/incident correct features"),
        N_("correct a recorded time or text (a form, with the reason kept)"),
        correct,
        aliases=("correggi", "correzione"),
    ),
]


def register(app: AsyncApp, services: Services) -> None:
    t = services.texts

    @app.view(CORRECT_CALLBACK)
    async def submitted_form(ack: AsyncAck, context: AsyncBoltContext) -> None:
        submission = payload(context, ViewSubmission)
        view, user = submission.view, submission.user.id
        state = FormState.load(view, t)
        seen = state.seen or {}
        incident = await services.incidents.get(state.incident_id)
        changes, reason, unreadable = submitted(view.state.values, incident.timezone, seen)
        if unreadable:
            unread = t._("This value could not be read; enter it again.")
            await ack(response_action="errors", errors=dict.fromkeys(unreadable, unread))
            return
        try:
            await flows.correct(services, incident, user, changes, reason, seen)
        except CorrectionError as exc:
            texts = {k for k, v in changes.items() if isinstance(v, str)}
            errors = {block_for(k, k in texts): v for k, v in exc.errors.items()}
            await ack(response_action="errors", errors=await _readable(services, errors))
            return
        except InputError as exc:
            errors = {REASON: exc.message}
            await ack(response_action="errors", errors=await _readable(services, errors))
            return
        await ack()

    async def redraw(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        click = payload(context, BlockActions)
        if click.view is None or not click.view.id:
            return
        state = FormState.load(click.view, t)
        action = click.actions[0]
        if action.action_id == FILTER:
            chosen = (action.selected_option or {}).get("value", "all")
            state = FormState(state.incident_id, str(chosen), 0)
        else:
            page = action.value or "0"
            if not (page.isascii() and page.isdigit() and len(page) < 6):
                raise InputError(t._("Slack sent something I could not read; nothing changed."))
            state = FormState(state.incident_id, state.filter, int(page))
        incident = await services.incidents.get(state.incident_id)
        facts = await services.corrections.facts(incident)
        await services.slack.update_view(click.view.id, correction_modal(t, incident, facts, state))

    app.action(FILTER)(redraw)
    app.action(PAGE)(redraw)
    app.action(f"{PAGE}_next")(redraw)

    @app.action(CONFIRM)
    async def confirmed(ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond) -> None:
        await ack()
        click = payload(context, BlockActions)
        incident, key, value, seen = await _confirmation(services, click)
        reason = t._("typed again with a corrected time")
        try:
            changed = await flows.correct(
                services, incident, click.user.id, {key: value}, reason, {key: seen}
            )
        except InputError as exc:
            await respond(text=f":warning: {exc.message}", replace_original=True)
            return
        await respond(delete_original=True)
        await respond(text=changed.text, response_type="in_channel")

    @app.shortcut(SHORTCUT)
    async def correct_time(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        shortcut = payload(context, MessageShortcut)
        incident, facts, state = await _at_message(services, shortcut)
        await services.slack.open_view(
            shortcut.trigger_id or "", correction_modal(t, incident, facts, state)
        )


async def _confirmation(
    services: Services, click: BlockActions
) -> tuple[Incident, str, datetime, str]:
    """The confirm button's incident (if clicked where it lives), fact, new time and
    fingerprint, checked like input."""
    try:
        data = json.loads(click.value or "")
        incident_id, key, seen = int(data["i"]), str(data["k"]), str(data["s"])
        at = datetime.fromisoformat(str(data["v"]))
    except (ValueError, KeyError, TypeError):
        raise InputError(services.texts._("That button does not belong to an incident.")) from None
    return await clicked(services, click, incident_id), key, at, seen


async def _at_message(
    services: Services, shortcut: MessageShortcut
) -> tuple[Incident, list[Fact], FormState]:
    """The incident and the form's page that show the message's entry (*Correct time*)."""
    t = services.texts
    channel = (shortcut.channel.id if shortcut.channel else None) or ""
    ts = shortcut.message.ts if shortcut.message else None
    incident = await services.incidents.by_channel(channel)
    if incident is None or ts is None:
        raise InputError(t._("*Correct time* works on messages in an incident channel."))
    facts = await services.corrections.facts(incident)
    entry = await services.corrections.entry_of(channel, ts)
    key = f"entry:{entry}:time" if entry is not None else ""
    if not any(f.key == key for f in facts):
        raise InputError(
            t._(
                "That message is not a note or key moment of {incident}: mark it key first"
                " (pin it or react), then correct its time."
            ).format(incident=incident.number)
        )
    return incident, facts, FormState(incident.id, "note", page_of(facts, "note", key))


async def _readable(services: Services, errors: dict[str, str]) -> dict[str, str]:
    """Modal errors are plain text: people by name ("changed meanwhile by Giulia")."""
    ids = sorted({user for text in errors.values() for user in mentioned(text)})
    names = await names_for(services.people, ids) if ids else {}
    return {block: plain(text, names)[:150] for block, text in errors.items()}
