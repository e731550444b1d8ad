"""`/incident checks` and the buttons on a signal: Declare incident (its prefilled form), Not an
incident (who and why), Mute 1 h, Mark down since the first failure, Mark up."""

from __future__ import annotations

from functools import partial
from typing import Any

from pydantic import BaseModel
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock

from bot.checks import flows, messages
from bot.checks.service import Signal
from bot.errors import Expired, InputError
from bot.i18n import N_, Texts
from bot.services import Services
from bot.time.formatting import when as local_when
from handlers.context import CommandContext, Reply, Subcommand
from handlers.payloads import BlockActions, RowId, ViewSubmission, metadata, payload, row_id
from handlers.views import DeclareForm, FormError, declare_modal, form, submit_form

DECLARE_CALLBACK = "signal_declare_form"
DISMISS_CALLBACK = "signal_dismiss_form"


class SignalMetadata(BaseModel):
    """What the declare and dismiss forms carry: their signal."""

    signal: RowId


async def checks(ctx: CommandContext) -> Reply:
    services = ctx.services
    states = await services.checks.states()
    text = messages.checks_listing(
        services.texts, states, services.settings.timezone, services.clock.now()
    )
    return Reply(text)


SUBCOMMANDS = [
    Subcommand(
        "checks",
        N_("checks"),
        N_("/incident checks"),
        N_("every feature check: its last result, since when, the last deploy it checked"),
        checks,
        needs_incident=False,
        aliases=("controlli",),
    ),
]


def dismiss_modal(t: Texts, signal: Signal, headline: str) -> dict[str, Any]:
    return form(
        t,
        callback_id=DISMISS_CALLBACK,
        title=t._("Not an incident"),
        submit=t.pgettext("button", "Save"),
        private_metadata=SignalMetadata(signal=signal.id).model_dump_json(),
        blocks=[
            SectionBlock(text=headline[:3000]),
            InputBlock(
                block_id="why",
                label=t._("Why is it not an incident?"),
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=500),
            ),
        ],
    )


async def _clicked(services: Services, click: BlockActions) -> Signal:
    signal_id = row_id(click.value)
    if signal_id is None:
        raise InputError(services.texts._("That button does not belong to a signal."))
    return await services.signal_flows.require(signal_id)


def _trigger(services: Services, click: BlockActions) -> str:
    if not click.trigger_id:
        raise InputError(services.texts._("Slack sent no form for this click; try again."))
    return click.trigger_id


def register(app: AsyncApp, services: Services) -> None:
    services.signal_flows.auto_declare = partial(flows.auto_declare, services)
    _register_declare(app, services)
    _register_decisions(app, services)
    _register_marks(app, services)


def _register_declare(app: AsyncApp, services: Services) -> None:
    t = services.texts

    @app.action(messages.DECLARE)
    async def declare_clicked(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        click = payload(context, BlockActions)
        signal = await _clicked(services, click)
        tz, now = services.settings.timezone, services.clock.now()
        note = ""
        if signal.feature is not None:
            note = t._("{feature} will be recorded down {time}, its first failure.").format(
                feature=f"*{signal.feature}*",
                time=local_when(t, signal.started_at, tz, now, "since"),
            )
        view = declare_modal(
            t,
            services.settings.alerts.severity,
            [f.name for f in services.settings.features],
            title=flows.title_for(services, signal),
            chosen=[signal.feature] if signal.feature else [],
            callback_id=DECLARE_CALLBACK,
            metadata={"signal": signal.id},
            note=note,
        )
        await services.slack.open_view(_trigger(services, click), view)

    @app.view(DECLARE_CALLBACK)
    async def declare_submitted(ack: AsyncAck, context: AsyncBoltContext) -> None:
        submission = payload(context, ViewSubmission)
        view, user = submission.view, submission.user.id

        async def declare() -> None:
            signal_id = metadata(view, SignalMetadata, t).signal
            form = DeclareForm.from_state(view.state.values, services.settings.alerts.severity, t)
            await flows.declare(
                services,
                signal_id,
                title=form.title,
                severity=form.severity,
                description=form.description,
                features=form.features,
                user=user,
                request_key=f"view:{view.id}",
            )

        await submit_form(ack, declare)


def _register_decisions(app: AsyncApp, services: Services) -> None:
    t = services.texts

    @app.action(messages.NOT_INCIDENT)
    async def not_incident_clicked(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        click = payload(context, BlockActions)
        signal = await _clicked(services, click)
        now = services.clock.now()
        headline = messages.headline(t, signal, services.settings.timezone, now, None)
        view = dismiss_modal(t, signal, headline)
        await services.slack.open_view(_trigger(services, click), view)

    @app.view(DISMISS_CALLBACK)
    async def dismiss_submitted(ack: AsyncAck, context: AsyncBoltContext) -> None:
        submission = payload(context, ViewSubmission)
        view = submission.view

        async def dismiss() -> None:
            signal = await services.signal_flows.require(metadata(view, SignalMetadata, t).signal)
            why = view.state.values.get("why", {}).get("value", {}).get("value")
            if not isinstance(why, str) or not why.strip():
                raise FormError({"why": t._("Say why, in a few words.")})
            services.tasks.spawn(
                services.signal_flows.dismiss(signal.id, submission.user.id, why), name="signal"
            )

        await submit_form(ack, dismiss, field="why")

    @app.action(messages.MUTE)
    async def mute_clicked(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        click = payload(context, BlockActions)
        signal = await _clicked(services, click)
        services.tasks.spawn(services.signal_flows.mute(signal.id, click.user.id), name="signal")


def _register_marks(app: AsyncApp, services: Services) -> None:
    async def mark(
        change: Any, ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        await ack()
        click = payload(context, BlockActions)
        signal = await _clicked(services, click)
        try:
            await change(services, signal.id, click.user.id)
        except Expired:
            raise
        except InputError as exc:
            await respond(text=exc.message, response_type="ephemeral", replace_original=False)

    @app.action(messages.MARK_DOWN)
    async def mark_down_clicked(
        ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        await mark(flows.mark_down, ack, context, respond)

    @app.action(messages.MARK_UP)
    async def mark_up_clicked(
        ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        await mark(flows.mark_up, ack, context, respond)
