"""Declare, change, resolve, close and list incidents."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import durations
from bot.errors import InputError
from bot.features.board import restore_and_resolve_button
from bot.incidents.service import open_for
from bot.models import Incident, Severity, Status
from bot.services import Services
from bot.slackweb import escape
from handlers.close_form import open_close_modal, with_close_button
from handlers.context import CommandContext, Reply, Subcommand, clicked_incident
from handlers.home import publish_home
from handlers.mentions import resolve_user
from handlers.views import (
    DECLARE_CALLBACK,
    DeclareForm,
    FormError,
    confirm_blocks,
    declare_modal,
    list_lines,
)

log = logging.getLogger(__name__)


def _choice(enum: type[Status] | type[Severity], text: str, what: str, allowed: list[str]) -> Any:
    try:
        return enum(text.strip().lower())
    except ValueError:
        raise InputError(
            f"`{text[:40]}` is not a {what}.", f"Use one of: {', '.join(allowed)}."
        ) from None


async def _setup_and_report(
    services: Services, incident: Incident, response_url: str | None
) -> None:
    """Slack set-up in the background; the declarer learns the outcome either way."""
    result = await services.setup.run(incident)
    if result.incident.channel_id:  # deploys before the declaration: read after, not before
        suspects = services.change_flows.on_declared(result.incident)
        services.tasks.spawn(suspects, name=f"suspects-{incident.id}")
    if not response_url:
        return
    webhook = AsyncWebhookClient(response_url)
    number = result.incident.number
    if result.complete:
        await webhook.send(
            text=f":rotating_light: {number} is open in <#{result.incident.channel_id}>."
        )
        return
    blocks = confirm_blocks(
        f":x: {number} is recorded but its Slack set-up stopped: {'; '.join(result.failures)}.",
        "incident_retry_setup",
        str(incident.id),
        "Retry set-up",
    )
    await webhook.send(text=f"{number} set-up failed", blocks=blocks)


async def declare(ctx: CommandContext) -> Reply:
    services = ctx.services
    if not ctx.args:
        if not ctx.trigger_id:
            raise InputError(
                "Give the incident a title.", "`/incident declare Quotes page is down`"
            )
        features = [f.name for f in services.settings.features]
        view = declare_modal(
            services.settings.default_severity, features, channel_id=ctx.channel_id
        )
        await services.slack.client.views_open(trigger_id=ctx.trigger_id, view=view)
        return Reply("")
    incident = await services.incidents.declare(
        ctx.args, severity=services.settings.default_severity, declared_by=ctx.user_id
    )
    services.tasks.spawn(
        _setup_and_report(services, incident, ctx.response_url),
        name=f"setup-{incident.id}",
    )
    return Reply(f"{incident.number} declared: *{escape(incident.title)}*. Opening its channel…")


async def _changed(ctx: CommandContext, incident: Incident, change: str) -> Reply:
    ctx.services.tasks.spawn(_publish(ctx.services, incident, change, ctx.user_id), name="publish")
    return Reply(change, in_channel=True)


async def _publish(services: Services, incident: Incident, change: str, user_id: str) -> None:
    """Board, topic and announcement, then the App Home of whoever made the change.

    A set-up that Slack interrupted earlier is finished first, so the next change repairs it.
    """
    if not (incident.channel_id and incident.status_ts and incident.announce_ts):
        incident = (await services.setup.run(incident)).incident
    await services.board.publish(incident, change)
    await publish_home(services, user_id)


async def status(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    new = _choice(
        Status, ctx.args, "status", ["investigating", "identified", "monitoring", "resolved"]
    )
    if new is Status.resolved:
        return await resolve(ctx)
    incident = await ctx.services.incidents.set_status(incident, new, ctx.user_id)
    return await _changed(ctx, incident, f"<@{ctx.user_id}> set the status to *{new.value}*.")


async def severity(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    new = _choice(Severity, ctx.args, "severity", [s.value for s in Severity])
    incident = await ctx.services.incidents.set_severity(incident, new, ctx.user_id)
    return await _changed(
        ctx, incident, f"<@{ctx.user_id}> set the severity to *{new.value.upper()}*."
    )


async def lead(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    if not ctx.args:
        raise InputError("Say who leads.", "`/incident lead @giulia`")
    user = await resolve_user(ctx.services.slack, ctx.args)
    incident = await ctx.services.incidents.set_lead(incident, user, ctx.user_id)
    ctx.services.tasks.spawn(ctx.services.slack.invite(incident.channel_id or "", [user]))
    return await _changed(ctx, incident, f"<@{ctx.user_id}> made <@{user}> the incident lead.")


async def rename(ctx: CommandContext) -> Reply:
    incident = await ctx.services.incidents.rename(ctx.require_incident(), ctx.args, ctx.user_id)
    return await _changed(
        ctx, incident, f"<@{ctx.user_id}> renamed the incident to *{escape(incident.title)}*."
    )


async def resolve(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    if not incident.is_open:
        raise InputError(f"{incident.number} is already {incident.status.value}.")
    items = await ctx.services.board.open_items(incident)
    if items:
        question = (
            f"Resolve {incident.number} anyway? Still open: "
            + "; ".join(items)
            + ". They stay open in the record and the drafts say so."
        )
        blocks = confirm_blocks(
            question, "incident_resolve_confirm", str(incident.id), "Resolve anyway"
        )
        if any(s.is_out for s in await ctx.services.features.statuses(incident)):
            blocks[-1]["elements"].insert(0, restore_and_resolve_button(incident.id))
        return Reply(question, blocks)
    return await resolve_now(ctx.services, incident, ctx.user_id)


async def resolve_now(services: Services, incident: Incident, user_id: str) -> Reply:
    incident = await services.incidents.resolve(incident, user_id)
    took = durations.short(open_for(incident, services.clock.now()))
    change = f":white_check_mark: <@{user_id}> resolved {incident.number} after {took}."
    services.tasks.spawn(services.board.publish(incident, change), name="publish")
    text = change + " Close it to draft the postmortem: the button or `/incident close`."
    return Reply(text, with_close_button(text, incident), in_channel=True)


async def close(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    if incident.status is Status.closed:
        raise InputError(f"{incident.number} is already closed.")
    if incident.status is not Status.resolved:
        question = f"{incident.number} is not resolved yet. Resolve and close it now?"
        return Reply(
            question, confirm_blocks(question, "incident_close_confirm", str(incident.id), "Close")
        )
    await open_close_modal(ctx.services, incident, ctx.trigger_id)
    return Reply("")


async def close_now(services: Services, incident: Incident, user_id: str) -> Reply:
    incident = await services.incidents.close(incident, user_id)
    change = f":lock: <@{user_id}> closed {incident.number}."
    services.tasks.spawn(_publish(services, incident, change, user_id), name="publish")
    return Reply(change, in_channel=True)


async def list_incidents(ctx: CommandContext) -> Reply:
    incidents = await ctx.services.incidents.list(open_only=True)
    if not incidents:
        return Reply("No open incidents. :tada:")
    lines = list_lines(incidents, ctx.services.clock.now())
    return Reply("*Open incidents*\n" + "\n".join(lines))


SUBCOMMANDS = [
    Subcommand(
        "declare",
        "declare [title]",
        "/incident declare Quotes page is down",
        "open an incident (no title: a form)",
        declare,
        needs_incident=False,
    ),
    Subcommand(
        "status",
        "status investigating|identified|monitoring|resolved",
        "/incident status identified",
        "set the status",
        status,
    ),
    Subcommand(
        "severity", "severity sev1..sev4", "/incident severity sev1", "set the severity", severity
    ),
    Subcommand("lead", "lead @user", "/incident lead @giulia", "hand over the lead", lead),
    Subcommand(
        "rename",
        "rename <title>",
        "/incident rename Quotes and Purchases down",
        "change the title",
        rename,
    ),
    Subcommand("resolve", "resolve", "/incident resolve", "mark it resolved", resolve),
    Subcommand("close", "close", "/incident close", "close it and draft the postmortem", close),
    Subcommand(
        "list", "list", "/incident list", "open incidents", list_incidents, needs_incident=False
    ),
]


def register(app: AsyncApp, services: Services) -> None:
    @app.view(DECLARE_CALLBACK)
    async def declare_submitted(ack: AsyncAck, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        user = str((body.get("user") or {}).get("id") or "")
        try:
            form = DeclareForm.from_view(view, services.settings.default_severity)
            incident = await services.incidents.declare(
                form.title,
                severity=form.severity,
                declared_by=user,
                description=form.description,
                request_key=f"view:{view.get('id')}",
            )
        except FormError as exc:
            await ack(response_action="errors", errors=exc.errors)
            return
        except InputError as exc:
            await ack(response_action="errors", errors={"title": exc.message[:150]})
            return
        await ack()
        services.tasks.spawn(
            _after_modal_declare(services, incident, user, form.features),
            name=f"setup-{incident.id}",
        )

    @app.action("incident_retry_setup")
    async def retry_setup(ack: AsyncAck, body: dict[str, Any], respond: Any) -> None:
        await ack()
        incident = await clicked_incident(services, body)
        services.tasks.spawn(_setup_and_report(services, incident, body.get("response_url")))

    @app.action("incident_resolve_confirm")
    async def resolve_confirmed(ack: AsyncAck, body: dict[str, Any], respond: Any) -> None:
        await ack()
        incident = await clicked_incident(services, body)
        user = body["user"]["id"]
        if not incident.is_open:
            await respond(
                text=f"{incident.number} is already {incident.status.value}.", replace_original=True
            )
            return
        reply = await resolve_now(services, incident, user)
        await respond(
            text=reply.text, blocks=reply.blocks, response_type="in_channel", delete_original=True
        )

    @app.action("incident_close_confirm")
    async def close_confirmed(ack: AsyncAck, body: dict[str, Any], respond: Any) -> None:
        await ack()
        incident = await clicked_incident(services, body)
        await open_close_modal(services, incident, body.get("trigger_id"))
        await respond(delete_original=True)

    @app.action("dismiss")
    async def dismiss(ack: AsyncAck, respond: Any) -> None:
        await ack()
        await respond(delete_original=True)


async def _after_modal_declare(
    services: Services, incident: Incident, user: str, features: list[str]
) -> None:
    await _setup_and_report(services, incident, None)
    for hook in services.declare_hooks:
        await hook(incident, user, features)
    if services.declare_hooks:
        await services.board.publish(await services.incidents.get(incident.id))
