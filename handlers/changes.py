"""`/incident changes`, `/incident rollback [target] [to VERSION]`, and the buttons on changes:
Caused it, Not related, and the rollback's confirmation."""

from __future__ import annotations

import uuid
from typing import TypeVar

from pydantic import BaseModel, StrictStr, ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.changes.messages import CAUSED, NOT_RELATED, ROLLBACK_CONFIRM
from bot.changes.models import Mark
from bot.errors import Expired, InputError
from bot.i18n import N_, Texts
from bot.services import Services
from handlers.context import CommandContext, Reply, Subcommand, clicked
from handlers.payloads import BlockActions, RowId, payload
from handlers.views import confirm_blocks


async def changes(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    return Reply(await ctx.services.change_flows.listing(incident))


def _refused(t: Texts, reason: str) -> str:
    return t._(
        ":no_entry: You can't roll back: {reason}. The attempt is recorded in the timeline."
    ).format(reason=reason)


async def rollback(ctx: CommandContext) -> Reply:
    """Ask, with both versions named; nothing is sent to the platform before the click."""
    incident, t = ctx.require_incident(), ctx.services.texts
    proposal = await ctx.services.rollbacks.propose(incident, ctx.args, ctx.user_id)
    if proposal.refusal:
        return Reply(_refused(t, proposal.refusal))
    plan = proposal.plan
    value = RollbackValue(
        incident=incident.id,
        target=plan.target,
        current=plan.current.version,
        to=plan.to.version,
        request=ctx.trigger_id or uuid.uuid4().hex,
    )
    label = t.pgettext("button", "Roll back")
    question = proposal.question
    blocks = confirm_blocks(t, question, ROLLBACK_CONFIRM, value.model_dump_json(), label)
    return Reply(question, blocks)


SUBCOMMANDS = [
    Subcommand(
        "changes",
        N_("changes"),
        N_("/incident changes"),
        N_("the deploys before the impact, suspects and marks"),
        changes,
        aliases=("rilasci",),
    ),
    Subcommand(
        "rollback",
        N_("rollback [target] [to VERSION]"),
        N_("/incident rollback web to v120"),
        N_("roll the app back to the release before the suspect (asks to confirm)"),
        rollback,
    ),
]


class MarkValue(BaseModel):
    incident: RowId
    change: RowId


class RollbackValue(BaseModel):
    """What the Roll back button carries: checked, since any click body can be forged."""

    incident: RowId
    target: StrictStr
    current: StrictStr
    to: StrictStr
    request: StrictStr


V = TypeVar("V", MarkValue, RollbackValue)


def _value(click: BlockActions, model: type[V], t: Texts) -> V:
    try:
        return model.model_validate_json(click.value or "")
    except ValidationError:
        raise InputError(t._("That button does not belong to a change.")) from None


def register(app: AsyncApp, services: Services) -> None:
    t = services.texts

    async def marked(context: AsyncBoltContext, respond: AsyncRespond, mark: Mark) -> None:
        click = payload(context, BlockActions)
        value = _value(click, MarkValue, t)
        user = click.user.id
        incident = await clicked(services, click, value.incident)
        said = await services.change_flows.mark(incident, value.change, mark, user)
        if said is not None:
            await respond(text=said, response_type="in_channel", replace_original=False)

    @app.action(CAUSED)
    async def caused(ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond) -> None:
        await ack()
        await marked(context, respond, Mark.caused)

    @app.action(NOT_RELATED)
    async def not_related(ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond) -> None:
        await ack()
        await marked(context, respond, Mark.not_related)

    @app.action(ROLLBACK_CONFIRM)
    async def confirmed(ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond) -> None:
        await ack()
        click = payload(context, BlockActions)
        value = _value(click, RollbackValue, t)
        incident = await clicked(services, click, value.incident)
        try:
            refused = await services.rollbacks.confirm(
                incident, value.target, value.to, value.current, click.user.id, value.request
            )
        except Expired:
            raise
        except InputError as exc:
            await respond(text=f":warning: {exc}", replace_original=True)
            return
        if refused is None:
            await respond(delete_original=True)
        elif refused.refusal:
            await respond(text=_refused(t, refused.refusal), replace_original=True)
        else:
            await respond(text=refused.said or "", replace_original=True)
