"""Declare, change, resolve, close and list incidents: parse, call one flow, render."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.errors import InputError
from bot.features.board import restore_and_resolve_button
from bot.followups.blocks import close_form_blocks
from bot.incidents import flows
from bot.incidents.setup import SetupResult
from bot.models import Incident, Severity, Status
from bot.services import Services
from bot.slackweb import escape
from handlers.context import CommandContext, Reply, Subcommand, clicked_incident, resolve_user
from handlers.views import (
    DECLARE_CALLBACK,
    DeclareForm,
    FormError,
    confirm_blocks,
    declare_modal,
    list_lines,
)
from handlers.views.close import open_close_modal, resolved_reply

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
    result = await flows.set_up(services, incident)
    if response_url:
        await _report(services, result, response_url)


async def _report(services: Services, result: SetupResult, response_url: str) -> None:
    number = result.incident.number
    if result.complete:
        text = f":rotating_light: {number} is open in <#{result.incident.channel_id}>."
        await services.slack.respond(response_url, text)
        return
    blocks = confirm_blocks(
        f":x: {number} is recorded but its Slack set-up stopped: {'; '.join(result.failures)}.",
        "incident_retry_setup",
        str(result.incident.id),
        "Retry set-up",
    )
    await services.slack.respond(response_url, f"{number} set-up failed", blocks)


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
        await services.slack.open_view(ctx.trigger_id, view)
        return Reply("")
    incident = await services.incidents.declare(
        ctx.args, severity=services.settings.default_severity, declared_by=ctx.user_id
    )
    services.tasks.spawn(
        _setup_and_report(services, incident, ctx.response_url),
        name=f"setup-{incident.id}",
    )
    return Reply(f"{incident.number} declared: *{escape(incident.title)}*. Opening its channel…")


def _changed(changed: flows.Changed) -> Reply:
    return Reply(changed.text, in_channel=True)


async def status(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    new = _choice(
        Status, ctx.args, "status", ["investigating", "identified", "monitoring", "resolved"]
    )
    if new is Status.resolved:
        return await resolve(ctx)
    return _changed(await flows.set_status(ctx.services, incident, new, ctx.user_id))


async def severity(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    new = _choice(Severity, ctx.args, "severity", [s.value for s in Severity])
    return _changed(await flows.set_severity(ctx.services, incident, new, ctx.user_id))


async def lead(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    if not ctx.args:
        raise InputError("Say who leads.", "`/incident lead @giulia`")
    user = await resolve_user(ctx.services.slack, ctx.args)
    return _changed(await flows.set_lead(ctx.services, incident, user, ctx.user_id))


async def rename(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    return _changed(await flows.rename(ctx.services, incident, ctx.args, ctx.user_id))


async def resolve(ctx: CommandContext) -> Reply:
    resolution = await flows.resolve(ctx.services, ctx.require_incident(), ctx.user_id)
    if resolution.resolved:
        return resolved_reply(ctx.services.texts, resolution)
    incident = resolution.incident
    question = (
        f"Resolve {incident.number} anyway? Still open: "
        + "; ".join(resolution.open_items)
        + ". They stay open in the record and the drafts say so."
    )
    blocks = confirm_blocks(
        question, "incident_resolve_confirm", str(incident.id), "Resolve anyway"
    )
    if resolution.features_out:
        button = restore_and_resolve_button(ctx.services.texts, incident.id)
        blocks[-1]["elements"].insert(0, button)
    return Reply(question, blocks)


async def close(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    flows.ensure_closable(incident)
    if incident.status is not Status.resolved:
        question = f"{incident.number} is not resolved yet. Resolve and close it now?"
        return Reply(
            question, confirm_blocks(question, "incident_close_confirm", str(incident.id), "Close")
        )
    language = ctx.services.settings.language
    extra = close_form_blocks(ctx.services.texts, incident)
    await open_close_modal(ctx.services.slack, incident, ctx.trigger_id, language, extra)
    return Reply("")


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
            flows.set_up(services, incident, declarer=user, features=form.features),
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
        try:
            resolution = await flows.resolve(services, incident, body["user"]["id"], anyway=True)
        except InputError as exc:
            await respond(text=exc.message, replace_original=True)
            return
        reply = resolved_reply(services.texts, resolution)
        await respond(
            text=reply.text, blocks=reply.blocks, response_type="in_channel", delete_original=True
        )

    @app.action("incident_close_confirm")
    async def close_confirmed(ack: AsyncAck, body: dict[str, Any], respond: Any) -> None:
        await ack()
        incident = await clicked_incident(services, body)
        language = services.settings.language
        extra = close_form_blocks(services.texts, incident)
        await open_close_modal(services.slack, incident, body.get("trigger_id"), language, extra)
        await respond(delete_original=True)

    @app.action("dismiss")
    async def dismiss(ack: AsyncAck, respond: Any) -> None:
        await ack()
        await respond(delete_original=True)
