"""`/incident public TEXT` and the Publish / Edit and publish / Skip buttons of a proposal."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import RootModel
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.errors import InputError
from bot.i18n import N_
from bot.services import Services
from bot.statuspage.blocks import (
    EDIT,
    EDIT_ACTION,
    EDIT_BLOCK,
    EDIT_CALLBACK,
    PUBLISH,
    SKIP,
    edit_modal,
)
from bot.statuspage.flows import PUBLIC_STATUS
from handlers.context import CommandContext, Reply, Subcommand, clicked
from handlers.payloads import BlockActions, RowId, ViewSubmission, metadata, payload, row_id

USAGE = N_("public TEXT")
# What the edit form carries: its proposal's id, a plain number (`edit_modal`).
EditMetadata = RootModel[RowId]


def _flows_or_refuse(services: Services) -> Any:
    if services.status_flows is None or not services.status_page.enabled:
        t = services.texts
        raise InputError(
            t._("The status page is off."),
            t._("Turn it on with `[status_page] enabled = true` in the config file."),
        )
    return services.status_flows


async def public(ctx: CommandContext) -> Reply:
    """Propose a custom update; someone allowed publishes it with the button."""
    services, t = ctx.services, ctx.services.texts
    incident = ctx.require_incident()
    flows = _flows_or_refuse(services)
    text = ctx.args.strip()
    if not text:
        raise InputError(
            t._("Write the update customers should read."),
            t._("For example `/incident public We are restoring quotes.`"),
        )
    status = PUBLIC_STATUS.get(incident.status)
    if status is None:
        raise InputError(t._("{number} is closed.").format(number=incident.number))
    key = f"command:{ctx.trigger_id or uuid.uuid4().hex}"
    services.tasks.spawn(
        flows.propose(incident, status, key=key, by=ctx.user_id, text=text[:2900]),
        name=f"status-propose-{incident.id}",
    )
    return Reply(t._("Proposed. It goes public when someone presses *Publish*."))


SUBCOMMANDS = [
    Subcommand(
        "public",
        USAGE,
        N_("/incident public We are restoring quotes."),
        N_("propose an update for the status page"),
        public,
    )
]


def _update_id(click: BlockActions, services: Services) -> int:
    number = row_id(click.value)
    if number is None:
        raise InputError(services.texts._("That button does not belong to a status update."))
    return number


def register(app: AsyncApp, services: Services) -> None:
    # Refusals (InputError, Expired) are answered by handlers/errors.py.
    async def decide(click: BlockActions, *, publish: bool) -> None:
        flows = _flows_or_refuse(services)
        update_id = _update_id(click, services)
        await clicked(services, click, (await services.status_page.get(update_id)).incident_id)
        await flows.decide(update_id, click.user.id, publish=publish)

    @app.action(PUBLISH)
    async def published(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        await decide(payload(context, BlockActions), publish=True)

    @app.action(SKIP)
    async def skipped(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        await decide(payload(context, BlockActions), publish=False)

    @app.action(EDIT)
    async def edit(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        click = payload(context, BlockActions)
        flows = _flows_or_refuse(services)
        proposal = await services.status_page.get(_update_id(click, services))
        incident = await clicked(services, click, proposal.incident_id)
        if reason := await flows.refusal(click.user.id, incident):
            raise InputError(reason)
        flows.require_current(proposal, incident)
        await services.slack.open_view(str(click.trigger_id), edit_modal(services.texts, proposal))

    @app.view(EDIT_CALLBACK)
    async def edited(ack: AsyncAck, context: AsyncBoltContext) -> None:
        submission = payload(context, ViewSubmission)
        view = submission.view
        text = view.state.values.get(EDIT_BLOCK, {}).get(EDIT_ACTION, {}).get("value") or ""
        try:
            flows = _flows_or_refuse(services)
            update_id = metadata(view, EditMetadata, services.texts).root
            await flows.decide(update_id, submission.user.id, publish=True, body=str(text))
        except InputError as exc:
            await ack(response_action="errors", errors={EDIT_BLOCK: exc.message[:150]})
            return
        await ack()
