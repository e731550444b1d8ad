"""`/incident followup add|list|done|drop|owner|due`, `/incident followups [mine|all|overdue]`,
the Done and New date buttons (reminder DM, App Home) and the close form's follow-ups.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from pydantic import BaseModel
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.models.blocks import DatePickerElement, InputBlock, SectionBlock

from bot.errors import InputError
from bot.followups import flows, render
from bot.followups.models import FollowUp, FollowUpStatus
from bot.followups.service import EXPORTING
from bot.i18n import N_, Texts
from bot.models import Incident
from bot.services import Services
from bot.slack.gateway import escape
from handlers.context import CommandContext, Reply, Subcommand, clicked
from handlers.payloads import BlockActions, RowId, ViewSubmission, metadata, payload, row_id
from handlers.views import form

log = logging.getLogger(__name__)

FOLLOWUP_USAGE = "followup add|list|done|drop|owner|due|export"
FOLLOWUPS_USAGE = N_("followups [mine|all|overdue]")
# The words a scope may be typed as: the keywords and their Italian aliases.
SCOPES = {"mine": "mine", "mie": "mine", "all": "all", "tutte": "all"}
SCOPES |= {"overdue": "overdue", "scadute": "overdue"}
NEW_DATE_CALLBACK = "followup_new_date_modal"
_NUMBER = re.compile(r"#?([0-9]{1,6})$")


def _today(services: Services, tz: str) -> date:
    return flows.today(services, tz)


def _number(t: Texts, text: str, usage: str) -> int:
    if match := _NUMBER.fullmatch(text.strip()):
        return int(match[1])
    example = t._("For example `/incident {usage}`.").format(usage=usage)
    if not text.strip():
        raise InputError(t._("Say which follow-up, by its number."), example)
    raise InputError(
        t._("`{text}` is not a follow-up number.").format(text=escape(text[:20])), example
    )


async def _add(ctx: CommandContext, incident: Incident, rest: str) -> Reply:
    services, t = ctx.services, ctx.services.texts
    added = await flows.add(services, incident, rest, ctx.user_id)
    today = _today(services, incident.timezone)
    head = t._(":pushpin: <@{user}> added a follow-up to {number}:").format(
        user=ctx.user_id, number=incident.number
    )
    text = f"{head}\n{render.line(t, added, today)}"
    tracker = services.export.default
    if tracker is None or services.export.auto is not None:
        return Reply(text, in_channel=True)
    return Reply(text, render.with_export_button(t, text, added, tracker.service), in_channel=True)


async def _export(ctx: CommandContext, incident: Incident, rest: str) -> Reply:
    """`followup export N [github|jira|linear]`: the default tracker unless one is named."""
    services, t = ctx.services, ctx.services.texts
    trackers = services.export.trackers
    if not trackers:
        raise InputError(
            t._("No tracker is configured."),
            t._(
                "Add `[followups.github]`, `[followups.jira]` or `[followups.linear]`"
                " to the TOML file."
            ),
        )
    number, _, name = rest.strip().partition(" ")
    tracker = trackers.get(name.strip().lower()) if name.strip() else services.export.default
    if tracker is None:
        raise InputError(
            t._("`{name}` is not a configured tracker.").format(name=escape(name.strip()[:20])),
            t._("Configured: {names}.").format(names=", ".join(f"`{n}`" for n in trackers)),
        )
    followup = await services.followups.get(incident.id, _number(t, number, "followup export 2"))
    if followup.tracker_ref == EXPORTING:
        raise InputError(
            t._("Follow-up #{seq} is being exported already.").format(seq=followup.seq)
        )
    if followup.tracker_ref:
        raise InputError(
            t._("Follow-up #{seq} is already exported: {ref}.").format(
                seq=followup.seq, ref=escape(followup.tracker_ref)
            )
        )
    services.export.start(followup, ctx.user_id, tracker)
    return Reply(
        t._("Exporting follow-up #{seq} to {tracker}…").format(
            seq=followup.seq, tracker=tracker.service
        )
    )


async def _list(ctx: CommandContext, incident: Incident, rest: str) -> Reply:
    services, t = ctx.services, ctx.services.texts
    followups = await services.followups.for_incident(incident.id)
    if not followups:
        return Reply(
            t._(
                "{number} has no follow-ups yet: `/incident followup add TEXT [@owner] [by DATE]`."
            ).format(number=incident.number)
        )
    today = _today(services, incident.timezone)
    head = t._("*Follow-ups of {number}*").format(number=incident.number)
    return Reply(head + "\n" + render.listing(t, followups, today, with_incident=False))


async def _finish(
    ctx: CommandContext, incident: Incident, rest: str, status: FollowUpStatus
) -> Reply:
    services, t = ctx.services, ctx.services.texts
    verb = "done" if status is FollowUpStatus.done else "drop"
    number, _, reason = rest.strip().partition(" ")
    followup = await services.followups.get(incident.id, _number(t, number, f"followup {verb} 2"))
    changed = await services.followups.finish(followup, status, ctx.user_id, reason.strip() or None)
    if changed is None:
        if followup.status is FollowUpStatus.not_doing:
            said = t._("Follow-up #{seq} was already dropped.")
        else:
            said = t._("Follow-up #{seq} is already {status}.")
        raise InputError(
            said.format(seq=followup.seq, status=render.status_word(t, followup.status))
        )
    return Reply(flows.finished_text(t, ctx.user_id, changed, incident), in_channel=True)


async def _set_owner(ctx: CommandContext, incident: Incident, rest: str) -> Reply:
    services, t = ctx.services, ctx.services.texts
    number, _, who = rest.strip().partition(" ")
    followup = await services.followups.get(
        incident.id, _number(t, number, "followup owner 2 @bob")
    )
    changed, owner = await flows.set_owner(services, followup, who, ctx.user_id)
    return _changed(
        ctx,
        incident,
        changed,
        followup,
        t._(":bust_in_silhouette: <@{user}> gave follow-up #{seq} to <@{owner}>."),
        owner=owner,
    )


async def _set_due(ctx: CommandContext, incident: Incident, rest: str) -> Reply:
    services, t = ctx.services, ctx.services.texts
    number, _, when = rest.strip().partition(" ")
    followup = await services.followups.get(
        incident.id, _number(t, number, "followup due 2 friday")
    )
    changed, day = await flows.set_due(services, incident, followup, when, ctx.user_id)
    return _changed(
        ctx,
        incident,
        changed,
        followup,
        t._(":date: <@{user}> moved follow-up #{seq} to {day}."),
        day=render.day(t, day, _today(services, incident.timezone)),
    )


def _changed(
    ctx: CommandContext,
    incident: Incident,
    changed: FollowUp | None,
    before: FollowUp,
    pattern: str,
    **values: str,
) -> Reply:
    t = ctx.services.texts
    if changed is None:
        raise InputError(
            t._("Follow-up #{seq} is {status}; only open ones change.").format(
                seq=before.seq, status=render.status_word(t, before.status)
            )
        )
    today = _today(ctx.services, incident.timezone)
    head = pattern.format(user=ctx.user_id, seq=changed.seq, **values)
    return Reply(f"{head}\n{render.line(t, changed, today)}", in_channel=True)


Action = Callable[[CommandContext, Incident, str], Awaitable[Reply]]
ACTIONS: dict[str, Action] = {
    "add": _add,
    "list": _list,
    "done": lambda ctx, i, rest: _finish(ctx, i, rest, FollowUpStatus.done),
    "drop": lambda ctx, i, rest: _finish(ctx, i, rest, FollowUpStatus.not_doing),
    "owner": _set_owner,
    "due": _set_due,
    "export": _export,
}
# The Italian words for the same actions, as the Italian help shows them.
ACTIONS |= {
    "aggiungi": ACTIONS["add"],
    "elenco": ACTIONS["list"],
    "fatta": ACTIONS["done"],
    "scarta": ACTIONS["drop"],
    "responsabile": ACTIONS["owner"],
    "scadenza": ACTIONS["due"],
    "esporta": ACTIONS["export"],
}


async def followup(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    verb, _, rest = ctx.args.partition(" ")
    action = ACTIONS.get(verb.lower() or "list")
    if action is None:
        t = ctx.services.texts
        raise InputError(
            t._("`{verb}` is not a follow-up action.").format(verb=escape(verb[:20])),
            t._("Use `/incident {usage}`.").format(usage=FOLLOWUP_USAGE),
        )
    return await action(ctx, incident, rest.strip())


async def followups(ctx: CommandContext) -> Reply:
    """Open follow-ups across incidents, oldest due first."""
    services, t = ctx.services, ctx.services.texts
    typed = ctx.args.strip().lower() or "all"
    scope = SCOPES.get(typed)
    today = _today(services, services.settings.timezone)
    if scope == "mine":
        found = await services.followups.open_ones(owner=ctx.user_id)
        head = t._("*Your open follow-ups*")
    elif scope == "all":
        found = await services.followups.open_ones()
        head = t._("*Open follow-ups*")
    elif scope == "overdue":
        found = await services.followups.open_ones(overdue_on=today)
        head = t._("*Overdue follow-ups*")
    else:
        raise InputError(
            t._("`{scope}` is not mine, all or overdue.").format(scope=escape(typed[:20])),
            t._("For example `/incident followups mine`."),
        )
    if not found:
        return Reply(head + "\n" + t._("None. :tada:"))
    return Reply(head + "\n" + render.listing(t, found, today, with_incident=True))


SUBCOMMANDS = [
    Subcommand(
        "followup",
        N_(
            "followup add TEXT [@owner] [by DATE] | list | done N | drop N [reason]"
            " | owner N @user | due N DATE | export N [tracker]"
        ),
        N_("/incident followup add Check the deploy tool version @bob by friday"),
        N_("track what we change so it does not happen again"),
        followup,
    ),
    Subcommand(
        "followups",
        FOLLOWUPS_USAGE,
        N_("/incident followups overdue"),
        N_("open follow-ups across incidents, oldest due first"),
        followups,
        needs_incident=False,
    ),
]


# --- buttons ------------------------------------------------------------------------------


class NewDateMetadata(BaseModel):
    """What the new due day form carries: its follow-up."""

    followup: RowId


def new_date_modal(t: Texts, f: FollowUp, today: date) -> dict[str, Any]:
    return form(
        t,
        callback_id=NEW_DATE_CALLBACK,
        title=t._("New due day"),
        submit=t.pgettext("button", "Save"),
        private_metadata=NewDateMetadata(followup=f.id).model_dump_json(),
        blocks=[
            SectionBlock(text=render.line(t, f, today, with_incident=True)),
            InputBlock(
                block_id="due",
                label=t._("Due on"),
                element=DatePickerElement(
                    action_id="value", initial_date=(f.due_on or today).isoformat()
                ),
            ),
        ],
    )


async def _clicked(services: Services, click: BlockActions) -> FollowUp:
    number = row_id(click.value)
    found = await services.followups.by_id(number) if number is not None else None
    if found is None:
        raise InputError(services.texts._("That follow-up no longer exists."))
    await clicked(services, click, found.incident_id)
    return found


def register(app: AsyncApp, services: Services) -> None:
    t = services.texts

    @app.action(render.DONE_BUTTON)
    async def done_clicked(ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond) -> None:
        await ack()
        click = payload(context, BlockActions)
        followup = await _clicked(services, click)
        from_home = click.container is not None and click.container.type == "view"
        user = click.user.id
        text = await flows.done_clicked(services, followup, user, from_home=from_home)
        if not from_home:
            await respond(text=text, replace_original=True)

    @app.action(render.EXPORT_BUTTON)
    async def export_clicked(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        click = payload(context, BlockActions)
        services.export.start(await _clicked(services, click), click.user.id)

    @app.action(render.NEW_DATE_BUTTON)
    async def new_date_clicked(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        click = payload(context, BlockActions)
        followup = await _clicked(services, click)
        incident = await services.incidents.get(followup.incident_id)
        trigger = click.trigger_id
        if not trigger:
            raise InputError(t._("Slack sent no form for this click; try again."))
        view = new_date_modal(t, followup, _today(services, incident.timezone))
        await services.slack.open_view(trigger, view)

    @app.view(NEW_DATE_CALLBACK)
    async def new_date_submitted(ack: AsyncAck, context: AsyncBoltContext) -> None:
        submission = payload(context, ViewSubmission)
        view, user = submission.view, submission.user.id
        try:
            followup_id = metadata(view, NewDateMetadata, t).followup
        except InputError as exc:
            await ack(response_action="errors", errors={"due": exc.message})
            return
        picked = view.state.values.get("due", {}).get("value", {}).get("selected_date")
        followup = await services.followups.by_id(followup_id)
        if followup is None or not picked:
            await ack(response_action="errors", errors={"due": t._("Pick a day.")})
            return
        try:
            await flows.move_due(services, followup, date.fromisoformat(str(picked)), user)
        except InputError as exc:
            await ack(response_action="errors", errors={"due": exc.message[:150]})
            return
        await ack()
