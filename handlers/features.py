"""`/incident feature down|degraded|up NAME [at TIME]`, `feature list`, and the resolve guard's
"Mark all restored and resolve" button."""

from __future__ import annotations

import re
from datetime import datetime

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.corrections import flows as correction_flows
from bot.errors import Expired, InputError
from bot.features import flows
from bot.features.board import RESTORE_AND_CLOSE, RESTORE_AND_RESOLVE, status_line
from bot.followups.blocks import close_form_blocks
from bot.i18n import N_, Texts, texts
from bot.models import FeatureState, Incident
from bot.services import Services
from bot.slack.gateway import escape
from bot.time.parsing import TimeParseError, is_day_word, parse_at, trailing_day, trailing_time
from handlers.context import CommandContext, Reply, Subcommand, clicked_incident
from handlers.payloads import BlockActions, payload
from handlers.views.close import guard_reply, open_close_modal, resolved_reply
from handlers.views.correct import proposal_reply

_AT = re.compile(r"\s+(at|alle)\s+", re.IGNORECASE)
# The words a state may be typed as: the command keywords and their Italian aliases.
STATES = {
    **{state.value: state for state in FeatureState},
    "giù": FeatureState.down,
    "giu": FeatureState.down,
    "degradata": FeatureState.degraded,
    "su": FeatureState.up,
}


def split_name_time(
    text: str, *, now: datetime, tz: str, t: Texts | None = None
) -> tuple[str, datetime | None]:
    """Split "Bulk export at yesterday 14:00" at the first `at`/`alle` whose whole rest is a
    time ("Quotes at last night at 11"), or a time typed without the keyword off the end
    ("Acquisti ieri 14:00").

    Names may contain spaces (and "at"), so only a keyword whose rest parses as a time splits;
    a day word just before it belongs to the time ("Acquisti ieri alle 14:30"). A time that is
    refused (in the future, 25:00) is reported rather than read as part of the name.
    """
    t = t or texts("en")
    refusal: TimeParseError | None = None
    for match in _AT.finditer(text):
        name, when = text[: match.start()].strip(), text[match.end() :].strip()
        head, _, day = name.rpartition(" ")
        if head and is_day_word(day):  # "Offerte domani alle 10": the day goes with the time
            try:
                return head.strip(), parse_at(f"{day} {match[1]} {when}", now=now, tz=tz)
            except TimeParseError as exc:
                refusal = refusal or exc
                continue
        if head and (at := _parsed(f"{day} {match[1]} {when}", now=now, tz=tz)):
            return head.strip(), at
        try:
            return name, parse_at(when, now=now, tz=tz)
        except TimeParseError as exc:
            if refusal is None and any(c.isdigit() for c in when):
                refusal = exc
    if refusal is None:
        try:
            if split := trailing_time(text, now=now, tz=tz):
                return split
        except TimeParseError as exc:
            refusal = exc
    if refusal is not None:
        raise _unread(t, refusal)
    return text.strip(), None


def _unread(t: Texts, refusal: TimeParseError) -> InputError:
    return InputError(
        escape(refusal.text(t)), t._("Write the time after `at`: `at 10:40`, `at yesterday 14:30`.")
    )


def _parsed(text: str, *, now: datetime, tz: str) -> datetime | None:
    try:
        return parse_at(text, now=now, tz=tz)
    except TimeParseError:
        return None


async def feature(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    services, t = ctx.services, ctx.services.texts
    verb, _, rest = ctx.args.partition(" ")
    if verb.lower() in ("", "list", "elenco"):
        return await feature_list(services, incident)
    state = STATES.get(verb.lower())
    if state is None:
        raise InputError(
            t._("`{word}` is not a feature state.").format(word=escape(verb[:20])),
            t._(
                "`/incident feature down Quotes at 10:40`, `… degraded …`, `… up Quotes`"
                " or `/incident feature list`."
            ),
        )
    now = services.clock.now()
    name, at = split_name_time(rest, now=now, tz=incident.timezone, t=t)
    if at is None and (split := trailing_day(name)):
        await _refuse_day_without_time(services, incident, verb, name, *split)
    if at is None:
        await _refuse_unread_time(services, incident, name, now)
    if at is not None and (
        proposal := await correction_flows.propose(services, incident, name, state, at)
    ):
        return proposal_reply(t, incident, proposal)  # already in that state: move the time
    changed = await flows.change_feature(
        services, incident, name, state, ctx.user_id, at=at, now=now
    )
    return Reply(changed.text, in_channel=True)


async def _refuse_day_without_time(
    services: Services, incident: Incident, verb: str, typed: str, name: str, day: str
) -> None:
    """A day with no time ("Acquisti ieri") is neither read as part of the name nor as now."""
    if await services.features.known(incident, typed):
        return  # a feature whose name ends in a day word
    t = services.texts
    example = t._("/incident feature {state} {name} {day} at 10:30").format(
        state=escape(verb), name=escape(name), day=escape(day)
    )
    raise InputError(
        t._("When, {day}? Write the time: `{example}`").format(day=escape(day), example=example)
    )


async def _refuse_unread_time(
    services: Services, incident: Incident, typed: str, now: datetime
) -> None:
    """ "Offerte at noon": a known feature, then `at` and words that are no time. Said so,
    rather than calling the whole an unknown feature."""
    keyword = _AT.search(typed)
    if keyword is None or await services.features.known(incident, typed):
        return
    if not await services.features.known(incident, typed[: keyword.start()]):
        return
    try:
        parse_at(typed[keyword.end() :], now=now, tz=incident.timezone)
    except TimeParseError as exc:
        raise _unread(services.texts, exc) from None


async def feature_list(services: Services, incident: Incident) -> Reply:
    now, t = services.clock.now(), services.texts
    statuses = await services.features.statuses(incident)
    catalog = services.features.catalog.names
    lines = [status_line(t, s, incident.timezone, now) for s in statuses]
    if not lines:
        example = escape(catalog[0] if catalog else "Quotes")
        lines = [
            t._("None marked yet: `/incident feature down {feature} at 10:40`.").format(
                feature=example
            )
        ]
    untouched = [n for n in catalog if n not in {s.feature for s in statuses}]
    if untouched:
        names = ", ".join(escape(n) for n in untouched)
        lines.append(t._("Not affected: {features}.").format(features=names))
    header = t._("*Features in {incident}*").format(incident=incident.number)
    return Reply(header + "\n" + "\n".join(lines))


SUBCOMMANDS = [
    Subcommand(
        "feature",
        N_("feature down|degraded|up NAME [at TIME] · feature list"),
        N_("/incident feature down Quotes at 10:40"),
        N_("mark a product feature down, degraded or back up (list: where they stand)"),
        feature,
        aliases=("features", "funzionalità", "funzionalita"),
    ),
]


async def _restore_all(
    services: Services, click: BlockActions, respond: AsyncRespond, *, closing: bool
) -> None:
    """The guard's "Mark all restored and resolve" (or "… and close", which then opens the
    close form); something else still open asks again, without features."""
    incident = await clicked_incident(services, click)
    try:
        outcome = await flows.restore_and_resolve(services, incident, click.user.id, click.asked_at)
    except Expired:
        raise
    except InputError as exc:
        await respond(text=exc.message, replace_original=True)
        return
    resolution, t = outcome.resolution, services.texts
    if not resolution.resolved:  # another domain still has something open: ask again
        asked = guard_reply(t, resolution, closing=closing, said=outcome.restored)
        await respond(text=asked.text, blocks=asked.blocks, replace_original=True)
        return
    if closing:  # first: the click's trigger expires within seconds
        extra = close_form_blocks(t, resolution.incident)
        language = services.settings.language
        await open_close_modal(
            services.slack, resolution.incident, click.trigger_id, language, extra
        )
    await resolved_reply(t, resolution, outcome.restored).replacing(respond)


def register(app: AsyncApp, services: Services) -> None:
    @app.action(RESTORE_AND_RESOLVE)
    async def restore_and_resolve(
        ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        await ack()
        await _restore_all(services, payload(context, BlockActions), respond, closing=False)

    @app.action(RESTORE_AND_CLOSE)
    async def restore_and_close(
        ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        await ack()
        await _restore_all(services, payload(context, BlockActions), respond, closing=True)
