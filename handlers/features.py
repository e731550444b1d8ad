"""`/incident feature down|degraded|up NAME [at TIME]`, `feature list`, and the resolve guard's
"Mark all restored and resolve" button."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import durations
from bot.errors import InputError
from bot.features.board import ICONS, RESTORE_AND_RESOLVE, status_line
from bot.features.service import WORDS, FeatureChange, local_when
from bot.models import FeatureState, Incident
from bot.services import Services
from bot.slackweb import escape
from bot.timeparse import TimeParseError, parse_at
from handlers.close_form import with_close_button
from handlers.context import CommandContext, Reply, Subcommand, clicked_incident
from handlers.lifecycle import resolve_now
from handlers.views import confirm_blocks

USAGE = "feature down|degraded|up NAME [at TIME]"
_AT = re.compile(r"\s+(at|alle)\s+", re.IGNORECASE)


def split_name_time(text: str, *, now: datetime, tz: str) -> tuple[str, datetime | None]:
    """Split "Bulk export at yesterday 14:00" at the last `at`/`alle` followed by a time.

    Names may contain spaces (and "at"), so only a keyword whose rest parses as a time splits;
    a day word just before it belongs to the time ("Acquisti ieri alle 14:30"). A time that is
    refused (in the future, 25:00) is reported rather than read as part of the name.
    """
    refusal: TimeParseError | None = None
    for match in reversed(list(_AT.finditer(text))):
        name, when = text[: match.start()].strip(), text[match.end() :].strip()
        head, _, day = name.rpartition(" ")
        if head and (at := _parsed(f"{day} {match[1]} {when}", now=now, tz=tz)):
            return head.strip(), at
        try:
            return name, parse_at(when, now=now, tz=tz)
        except TimeParseError as exc:
            if refusal is None and any(c.isdigit() for c in when):
                refusal = exc
    if refusal is not None:
        raise InputError(
            escape(refusal.message), "Write the time after `at`: `at 10:40`, `at yesterday 14:30`."
        )
    return text.strip(), None


def _parsed(text: str, *, now: datetime, tz: str) -> datetime | None:
    try:
        return parse_at(text, now=now, tz=tz)
    except TimeParseError:
        return None


def change_text(user_id: str, change: FeatureChange, tz: str, now: datetime) -> str:
    name, when = f"*{escape(change.feature)}*", local_when(change.at, tz, now)
    icon, word = ICONS[change.state], WORDS[change.state]
    if change.state is FeatureState.up:
        took = durations.short(change.status.down + change.status.degraded)
        return f"{icon} <@{user_id}> marked {name} {word} at {when}, out {took} in all."
    was = f" (was {change.previous.value})" if change.previous else ""
    return f"{icon} <@{user_id}> marked {name} {word} since {when}{was}."


async def feature(ctx: CommandContext) -> Reply:
    incident = ctx.require_incident()
    services = ctx.services
    verb, _, rest = ctx.args.partition(" ")
    if verb.lower() in ("", "list"):
        return await feature_list(services, incident)
    try:
        state = FeatureState(verb.lower())
    except ValueError:
        raise InputError(
            f"`{escape(verb[:20])}` is not a feature state.",
            "`/incident feature down Quotes at 10:40`, `… degraded …`, `… up Quotes`"
            " or `/incident feature list`.",
        ) from None
    now = services.clock.now()
    name, at = split_name_time(rest, now=now, tz=incident.timezone)
    change = await services.features.set_state(incident, name, state, ctx.user_id, at=at)
    text = change_text(ctx.user_id, change, incident.timezone, now)
    services.tasks.spawn(services.board.publish(incident, text), name="publish")
    if state is not FeatureState.up and change.previous is None:
        degraded = state is FeatureState.degraded
        suspects = services.change_flows.on_feature_down(
            incident, change.feature, change.at, degraded=degraded
        )
        services.tasks.spawn(suspects, name="suspects")
    return Reply(text, in_channel=True)


async def feature_list(services: Services, incident: Incident) -> Reply:
    now = services.clock.now()
    statuses = await services.features.statuses(incident)
    catalog = services.features.catalog.names
    lines = [status_line(s, incident.timezone, now) for s in statuses]
    if not lines:
        example = catalog[0] if catalog else "Quotes"
        lines = [f"None marked yet: `/incident feature down {escape(example)} at 10:40`."]
    untouched = [n for n in catalog if n not in {s.feature for s in statuses}]
    if untouched:
        lines.append("Not affected: " + ", ".join(escape(n) for n in untouched) + ".")
    return Reply(f"*Features in {incident.number}*\n" + "\n".join(lines))


SUBCOMMANDS = [
    Subcommand(
        "feature",
        f"{USAGE} · feature list",
        "/incident feature down Quotes at 10:40",
        "mark a product feature down, degraded or back up (list: where they stand)",
        feature,
        aliases=("features",),
    ),
]


def register(app: AsyncApp, services: Services) -> None:
    @app.action(RESTORE_AND_RESOLVE)
    async def restore_and_resolve(ack: AsyncAck, body: dict[str, Any], respond: Any) -> None:
        await ack()
        incident = await clicked_incident(services, body)
        user = body["user"]["id"]
        if not incident.is_open:
            await respond(
                text=f"{incident.number} is already {incident.status.value}.", replace_original=True
            )
            return
        changes = await services.features.restore_all(incident, user)
        restored = ""
        if changes:
            names = ", ".join(f"*{escape(c.feature)}*" for c in changes)
            when = local_when(changes[0].at, incident.timezone, services.clock.now())
            restored = f"{ICONS[FeatureState.up]} <@{user}> marked {names} restored at {when}.\n"
        items = await services.board.open_items(incident)
        if items:  # another domain still has something open: ask again, without features
            if restored:
                services.tasks.spawn(services.board.publish(incident, restored), name="publish")
            question = (
                restored + f"Resolve {incident.number} anyway? Still open: " + "; ".join(items)
            )
            blocks = confirm_blocks(
                question, "incident_resolve_confirm", str(incident.id), "Resolve anyway"
            )
            await respond(text=question, blocks=blocks, replace_original=True)
            return
        reply = await resolve_now(services, incident, user)
        # Two calls: whether Slack posts a message sent along with delete_original is unclear.
        await respond(delete_original=True)
        said = restored + reply.text
        blocks = with_close_button(said, incident)
        await respond(text=said, blocks=blocks, response_type="in_channel")
