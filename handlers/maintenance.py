"""`/incident maintenance on|off|status [target]` and the Confirm button of `on`.

The deploy platform is called in the background: Slack gets its answer at once and the channel
sees "Turning maintenance on…" and then how it went.
"""

from __future__ import annotations

import json
import uuid

from pydantic import BaseModel, StrictStr, ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.errors import InputError
from bot.i18n import N_
from bot.maintenance import flows
from bot.maintenance.board import window_line
from bot.maintenance.service import DRY_RUN, off_command, state_label
from bot.models import Incident, Status
from bot.services import Services
from handlers.context import CommandContext, Reply, Subcommand, clicked
from handlers.payloads import BlockActions, RowId, payload
from handlers.views import confirm_blocks

CONFIRM_ON = "maintenance_on_confirm"
USAGE = N_("maintenance on|off|status [target]")
# The words an action may be typed as: the command keywords and their Italian aliases.
ACTIONS = {"on": "on", "attiva": "on", "off": "off", "disattiva": "off", "status": "status"}


async def maintenance(ctx: CommandContext) -> Reply:
    incident, t = ctx.require_incident(), ctx.services.texts
    typed, _, name = ctx.args.partition(" ")
    action = ACTIONS.get(typed.lower())
    if action == "status":
        return await _status(ctx, incident)
    if action is None:
        raise InputError(
            t._("Use `/incident {usage}`.").format(usage=t._(USAGE)),
            t._("For example `/incident maintenance on`."),
        )
    services, enabled = ctx.services, action == "on"
    target = services.maintenance.resolve(name, typed.lower())
    if enabled and incident.status is Status.closed:
        raise InputError(
            t._("{incident} is closed.").format(incident=incident.number),
            t._("Declare a new incident first."),
        )
    if enabled and (on := await flows.already_on(services, incident, target)):
        return Reply(on)
    if not enabled and (off := await flows.already_off(services, incident, target)):
        return Reply(off)
    if reason := await services.maintenance.refusal(incident, target, enabled, ctx.user_id):
        return Reply(flows.refused_text(t, target, enabled, reason))
    # Identifies this command: the webhook's Idempotency-Key, and the Confirm's one claim.
    request = ctx.trigger_id or uuid.uuid4().hex
    if not enabled:
        flows.start_switch(services, incident, target, False, ctx.user_id, request)
        return Reply("")
    fields = {"target": target, "provider": services.maintenance.provider(target)}
    if services.maintenance.is_dry_run(target):
        question = f":test_tube: *{t._(DRY_RUN)}.* " + t._(
            "Record maintenance *on* for *{target}* ({provider})? Nothing is sent anywhere;"
            " the board and the timeline show it as a dry run."
        ).format(**fields)
        label = t.pgettext("button", "Record dry run")
    else:
        question = t._(
            ":warning: Turn maintenance *on* for *{target}* ({provider})? Customers will see"
            " the maintenance page until {command}."
        ).format(command=off_command(t, target), **fields)
        label = t.pgettext("button", "Turn maintenance on")
    value = json.dumps({"incident": incident.id, "target": target, "request": request})
    return Reply(question, confirm_blocks(services.texts, question, CONFIRM_ON, value, label))


async def _status(ctx: CommandContext, incident: Incident) -> Reply:
    """The recorded state now; the live state follows, since platforms can be slow."""
    services, t = ctx.services, ctx.services.texts
    now = services.clock.now()
    windows = await services.maintenance.windows(incident.id)
    lines, recorded = [], {}
    targets = services.maintenance.gateway.targets
    for target, config in targets.items():
        on = next((w for w in windows if w.target == target and w.ended_at is None), None)
        recorded[target] = on is not None
        shown = window_line(t, on, incident.timezone, now) if on else state_label(t, False)
        line = t._("• *{target}* ({provider}): {state}")
        lines.append(line.format(target=target, provider=config.provider, state=shown))
    readable = {t: recorded[t] for t, config in targets.items() if config.provider != "dryrun"}
    if readable:
        live = flows.post_live_state(services, ctx.channel_id, ctx.user_id, readable)
        services.tasks.spawn(live, name="maintenance-live")
        lines.append(t._("_Asking the platforms for the live state…_"))
    return Reply(t._("*Maintenance, as recorded*") + "\n" + "\n".join(lines))


SUBCOMMANDS = [
    Subcommand(
        "maintenance",
        USAGE,
        N_("/incident maintenance on web"),
        N_("take the app offline (asks to confirm) and back, or show the state"),
        maintenance,
        aliases=("manutenzione",),
    )
]


class ConfirmValue(BaseModel):
    """What the Confirm button carries: checked, since any click body can be forged."""

    incident: RowId
    target: StrictStr
    request: StrictStr


def register(app: AsyncApp, services: Services) -> None:
    @app.action(CONFIRM_ON)
    async def confirmed(ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond) -> None:
        await ack()
        click = payload(context, BlockActions)
        user = click.user.id
        try:
            value = ConfirmValue.model_validate_json(click.value or "")
        except ValidationError:
            raise InputError(
                services.texts._("That button does not belong to a maintenance request.")
            ) from None
        incident = await clicked(services, click, value.incident)
        refused = await flows.confirm_on(services, incident, value.target, user, value.request)
        if refused:
            await respond(text=refused, replace_original=True)
            return
        await respond(delete_original=True)
