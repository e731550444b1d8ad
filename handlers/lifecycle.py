"""Declare, change, resolve, close and list incidents: parse, call one flow, render."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.errors import Expired, InputError
from bot.followups.blocks import close_form_blocks
from bot.i18n import N_, Texts
from bot.incidents import flows
from bot.incidents.labels import OPEN_STATUSES, parse_status, status_keyword
from bot.incidents.setup import SetupResult
from bot.models import Incident, Severity, Status
from bot.services import Services
from bot.slack.gateway import escape
from handlers.context import CommandContext, Reply, Subcommand, clicked_incident, resolve_user
from handlers.payloads import BlockActions, ViewSubmission, payload
from handlers.views import (
    DECLARE_CALLBACK,
    DeclareForm,
    confirm_blocks,
    declare_modal,
    list_lines,
    submit_form,
)
from handlers.views.close import guard_reply, open_close_modal, resolved_reply

log = logging.getLogger(__name__)


def _severity(t: Texts, text: str) -> Severity:
    """The typed `sev1`..`sev4`, or a clear refusal."""
    try:
        return Severity(text.strip().lower())
    except ValueError:
        choices = t._("Use one of: {choices}.").format(choices=", ".join(s.value for s in Severity))
        if not text.strip():
            raise InputError(t._("Say which severity."), choices) from None
        raise InputError(
            t._("`{text}` is not a severity.").format(text=text[:40]), choices
        ) from None


async def _setup_and_report(
    services: Services, incident: Incident, response_url: str | None
) -> None:
    """Slack set-up in the background; the declarer learns the outcome either way."""
    result = await flows.set_up(services, incident)
    if response_url:
        await _report(services, result, response_url)


async def _report(services: Services, result: SetupResult, response_url: str) -> None:
    t, number = services.texts, result.incident.number
    if result.complete:
        text = t._(":rotating_light: {number} is open in {channel}.").format(
            number=number, channel=f"<#{result.incident.channel_id}>"
        )
        await services.slack.respond(response_url, text)
        return
    blocks = confirm_blocks(
        t,
        t._(":x: {number} is recorded but its Slack set-up stopped: {failures}.").format(
            number=number, failures="; ".join(result.failures)
        ),
        "incident_retry_setup",
        str(result.incident.id),
        t.pgettext("button", "Retry set-up"),
    )
    text = t._("{number} set-up failed").format(number=number)
    await services.slack.respond(response_url, text, blocks)


async def declare(ctx: CommandContext) -> Reply:
    services = ctx.services
    t = services.texts
    if not ctx.args:
        if not ctx.trigger_id:
            raise InputError(
                t._("Give the incident a title."), t._("`/incident declare Quotes page is down`")
            )
        features = [f.name for f in services.settings.features]
        view = declare_modal(
            t, services.settings.default_severity, features, channel_id=ctx.channel_id
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
    return Reply(
        t._("{number} declared: *{title}*. Opening its channel…").format(
            number=incident.number, title=escape(incident.title)
        )
    )


def _changed(changed: flows.Changed) -> Reply:
    return Reply(changed.text, in_channel=True)


async def status(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    t = ctx.services.texts
    new = parse_status(ctx.args)
    if new is None:
        choices = t._("Use one of: {choices}.").format(
            choices=", ".join(status_keyword(t, s) for s in OPEN_STATUSES)
        )
        if not ctx.args.strip():
            raise InputError(t._("Say which status."), choices)
        raise InputError(t._("`{text}` is not a status.").format(text=ctx.args[:40]), choices)
    if new is Status.resolved:
        return await resolve(ctx)
    return _changed(await flows.set_status(ctx.services, incident, new, ctx.user_id))


async def severity(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    new = _severity(ctx.services.texts, ctx.args)
    return _changed(await flows.set_severity(ctx.services, incident, new, ctx.user_id))


async def lead(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    if not ctx.args:
        t = ctx.services.texts
        raise InputError(t._("Say who leads."), t._("`/incident lead @giulia`"))
    user = await resolve_user(ctx.services, ctx.args)
    return _changed(await flows.set_lead(ctx.services, incident, user, ctx.user_id))


async def rename(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    if not ctx.args.strip():
        t = ctx.services.texts
        raise InputError(
            t._("Give the new title."), t._("`/incident rename Quotes and Purchases down`")
        )
    return _changed(await flows.rename(ctx.services, incident, ctx.args, ctx.user_id))


async def resolve(ctx: CommandContext) -> Reply:
    resolution = await flows.resolve(ctx.services, ctx.require_incident(), ctx.user_id)
    if resolution.resolved:
        return resolved_reply(ctx.services.texts, resolution)
    return guard_reply(ctx.services.texts, resolution, closing=False)


async def reopen(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    return _changed(await flows.reopen(ctx.services, incident, ctx.user_id, ctx.args))


async def close(ctx: CommandContext) -> Reply:
    incident, t = ctx.require_incident(), ctx.services.texts
    flows.ensure_closable(ctx.services, incident)
    if incident.status is not Status.resolved:
        guard = await flows.still_open(ctx.services, incident)
        if guard.open_items:
            return guard_reply(t, guard, closing=True)
        question = t._("{number} is not resolved yet. Resolve and close it now?").format(
            number=incident.number
        )
        close_label = t.pgettext("button", "Close")
        blocks = confirm_blocks(
            t, question, "incident_close_confirm", str(incident.id), close_label
        )
        return Reply(question, blocks)
    language = ctx.services.settings.language
    extra = close_form_blocks(ctx.services.texts, incident)
    await open_close_modal(ctx.services.slack, incident, ctx.trigger_id, language, extra)
    return Reply("")


async def list_incidents(ctx: CommandContext) -> Reply:
    t = ctx.services.texts
    incidents = await ctx.services.incidents.list(open_only=True)
    if not incidents:
        return Reply(t._("No open incidents. :tada:"))
    lines = list_lines(t, incidents, ctx.services.clock.now())
    return Reply(t._("*Open incidents*") + "\n" + "\n".join(lines))


SUBCOMMANDS = [
    Subcommand(
        "declare",
        N_("declare [title]"),
        N_("/incident declare Quotes page is down"),
        N_("open an incident (no title: a form)"),
        declare,
        needs_incident=False,
        aliases=("dichiara",),
    ),
    Subcommand(
        "status",
        N_("status investigating|identified|monitoring|resolved"),
        N_("/incident status identified"),
        N_("set the status"),
        status,
        aliases=("stato",),
    ),
    Subcommand(
        "severity",
        N_("severity sev1..sev4"),
        N_("/incident severity sev1"),
        N_("set the severity"),
        severity,
        aliases=("gravità", "gravita"),
    ),
    Subcommand(
        "lead",
        N_("lead @user"),
        N_("/incident lead @giulia"),
        N_("hand over the lead"),
        lead,
        aliases=("responsabile",),
    ),
    Subcommand(
        "rename",
        N_("rename <title>"),
        N_("/incident rename Quotes and Purchases down"),
        N_("change the title"),
        rename,
        aliases=("rinomina",),
    ),
    Subcommand(
        "resolve",
        N_("resolve"),
        N_("/incident resolve"),
        N_("mark it resolved"),
        resolve,
        aliases=("risolvi",),
    ),
    Subcommand(
        "reopen",
        N_("reopen [why]"),
        N_("/incident reopen Acquisti failing again"),
        N_("open a resolved incident again"),
        reopen,
        aliases=("riapri",),
    ),
    Subcommand(
        "close",
        N_("close"),
        N_("/incident close"),
        N_("close it and draft the postmortem"),
        close,
        aliases=("chiudi",),
    ),
    Subcommand(
        "list",
        N_("list"),
        N_("/incident list"),
        N_("open incidents"),
        list_incidents,
        needs_incident=False,
        aliases=("elenco",),
    ),
]


def register(app: AsyncApp, services: Services) -> None:
    @app.view(DECLARE_CALLBACK)
    async def declare_submitted(ack: AsyncAck, context: AsyncBoltContext) -> None:
        submission = payload(context, ViewSubmission)
        view, user = submission.view, submission.user.id

        async def declare() -> tuple[DeclareForm, Incident]:
            form = DeclareForm.from_state(
                view.state.values, services.settings.default_severity, services.texts
            )
            incident = await services.incidents.declare(
                form.title,
                severity=form.severity,
                declared_by=user,
                description=form.description,
                request_key=f"view:{view.id}",
            )
            return form, incident

        declared = await submit_form(ack, declare)
        if declared is None:
            return
        form, incident = declared
        services.tasks.spawn(
            flows.set_up(services, incident, declarer=user, features=form.features),
            name=f"setup-{incident.id}",
        )

    @app.action("incident_retry_setup")
    async def retry_setup(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        click = payload(context, BlockActions)
        incident = await clicked_incident(services, click)
        services.tasks.spawn(_setup_and_report(services, incident, click.response_url))

    @app.action("incident_resolve_confirm")
    async def resolve_confirmed(
        ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        await ack()
        click = payload(context, BlockActions)
        incident = await clicked_incident(services, click)
        try:
            resolution = await flows.resolve(
                services, incident, click.user.id, anyway=True, asked_at=click.asked_at
            )
        except Expired:
            raise
        except InputError as exc:
            await respond(text=exc.message, replace_original=True)
            return
        await resolved_reply(services.texts, resolution).replacing(respond)

    @app.action("incident_close_confirm")
    async def close_confirmed(
        ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        await ack()
        click = payload(context, BlockActions)
        incident = await clicked_incident(services, click)
        services.incidents.require_current(incident, services.texts._("nothing changed"))
        language = services.settings.language
        extra = close_form_blocks(services.texts, incident)
        await open_close_modal(services.slack, incident, click.trigger_id, language, extra)
        await respond(delete_original=True)

    @app.action("dismiss")
    async def dismiss(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(delete_original=True)
