"""`/incident page [@user|schedule] [message]` (asks first), its Page button, and
`/incident oncall` (anywhere)."""

from __future__ import annotations

from pydantic import BaseModel, StrictStr, ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.errors import Expired, InputError
from bot.i18n import N_
from bot.paging.models import Target
from bot.services import Services
from handlers.context import CommandContext, Reply, Subcommand, clicked
from handlers.payloads import BlockActions, RowId, payload
from handlers.views import confirm_blocks

PAGE_CONFIRM = "page_confirm"
MESSAGE_MAX = 1000


class PageValue(BaseModel):
    """What the Page button carries: checked, since any click body can be forged."""

    incident: RowId
    target: StrictStr
    message: StrictStr


async def page(ctx: CommandContext) -> Reply:
    """Ask first, naming whom; nothing is sent before the click."""
    incident, t = ctx.require_incident(), ctx.services.texts
    proposal = await ctx.services.paging.propose(incident, ctx.args, ctx.user_id)
    value = PageValue(
        incident=incident.id,
        target=proposal.target.stored,
        message=proposal.message[:MESSAGE_MAX],
    )
    label = t.pgettext("button", "Page")
    blocks = confirm_blocks(t, proposal.question, PAGE_CONFIRM, value.model_dump_json(), label)
    return Reply(proposal.question, blocks)


async def oncall(ctx: CommandContext) -> Reply:
    """The provider may be slow: answered through the response URL once it has said."""
    services = ctx.services
    services.paging.require_schedules()
    if ctx.response_url is None:
        return Reply(await services.paging.oncall_text())
    services.tasks.spawn(_answer_oncall(services, ctx.response_url), name="oncall")
    return Reply(services.texts._("Asking who is on call…"))


async def _answer_oncall(services: Services, response_url: str) -> None:
    text = await services.paging.oncall_text()
    await services.slack.respond(response_url, text, response_type="ephemeral")


SUBCOMMANDS = [
    Subcommand(
        "page",
        N_("page [@user|schedule] [message]"),
        N_("/incident page @giulia quotes are gone"),
        N_("page the person on call through PagerDuty or Opsgenie (asks to confirm)"),
        page,
        aliases=("chiama",),
    ),
    Subcommand(
        "oncall",
        N_("oncall"),
        N_("/incident oncall"),
        N_("who is on call now and next, for each schedule"),
        oncall,
        needs_incident=False,
        aliases=("reperibile",),
    ),
]


def register(app: AsyncApp, services: Services) -> None:
    t = services.texts

    @app.action(PAGE_CONFIRM)
    async def confirmed(ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond) -> None:
        await ack()
        click = payload(context, BlockActions)
        try:
            value = PageValue.model_validate_json(click.value or "")
        except ValidationError:
            raise InputError(t._("That button does not belong to a page.")) from None
        incident = await clicked(services, click, value.incident)
        try:
            said = await services.paging.confirm(
                incident, Target.parse(value.target), value.message, click.user.id
            )
        except Expired:
            raise
        except InputError as exc:
            await respond(text=f":warning: {exc}", replace_original=True)
            return
        await respond(text=said, replace_original=True)
