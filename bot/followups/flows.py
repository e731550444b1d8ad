"""Follow-ups as workflows: typed lines read (owner, due day) and recorded, a button's Done or
new day told in the incident's channel, the close form's action items checked before the
incident closes. Plain values in; `InputError` for what people must fix. No Bolt here.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.errors import InputError
from bot.followups import render
from bot.followups.export import tell_channel
from bot.followups.models import CONFIRM_SEVERITIES, FollowUp, FollowUpStatus, NewFollowUp, Source
from bot.followups.parse import TypedFollowUp, parse_line, parse_lines
from bot.i18n import Texts
from bot.incidents.flows import refresh_home
from bot.models import Incident, Status
from bot.postmortem.facts import parse_action_items
from bot.services import Services
from bot.slack.gateway import escape
from bot.slack.people import resolve_user
from bot.time.formatting import day_with_year
from bot.time.parsing import DueParseError, parse_due


def today(services: Services, tz: str) -> date:
    return services.clock.now().astimezone(ZoneInfo(tz)).date()


def due_error(t: Texts, exc: DueParseError) -> InputError:
    """A refused due day, said in the team's language."""
    examples = ", ".join(f"`{e}`" for e in exc.examples)
    if exc.past is not None:
        message = t._("{day} is already past: a due day is today or later.").format(
            day=render.day(t, exc.past)
        )
    elif exc.impossible is not None:
        message = t._("“{date}” is not a date in the calendar.").format(date=escape(exc.impossible))
    elif exc.far is not None:
        message = t._(
            "{day} is more than a year away. If that is right, write the year: “{example}”."
        ).format(day=day_with_year(t, exc.far), example=render.full_date(t, exc.far))
    else:
        message = t._("I can't read “{text}” as a day.").format(text=escape(exc.typed[:60]))
    return InputError(message, t._("For example {examples}.").format(examples=examples))


async def _owner(services: Services, typed: str | None) -> str | None:
    """`<@U1>` or `@name` as typed -> a user id; an unknown name is refused."""
    return await resolve_user(services.slack, services.texts, typed) if typed else None


async def _new(services: Services, typed: TypedFollowUp) -> NewFollowUp:
    owner = await _owner(services, typed.owner)
    return NewFollowUp(text=typed.text, owner=owner, due_on=typed.due_on)


async def add(services: Services, incident: Incident, text: str, user_id: str) -> FollowUp:
    """`followup add TEXT [@owner] [by DATE]`: read the line, then record it."""
    t = services.texts
    items = parse_action_items(text)
    if not items:
        raise InputError(
            t._("Say what to do."),
            t._(
                "For example `/incident followup add Check the deploy tool version @bob by friday`."
            ),
        )
    try:
        typed = parse_line(items[0], now=services.clock.now(), tz=incident.timezone)
    except DueParseError as exc:
        raise due_error(t, exc) from None
    new = await _new(services, typed)
    [added] = await services.followups.add(incident, [new], user_id, Source.command)
    return added


async def set_owner(
    services: Services, followup: FollowUp, who: str, user_id: str
) -> tuple[FollowUp | None, str]:
    """Give a follow-up to whoever `who` names; the changed follow-up (None if it is not open)
    and the owner's id."""
    t = services.texts
    if not who.strip():
        raise InputError(
            t._("Say who owns it."), t._("For example `/incident followup owner 2 @bob`.")
        )
    owner = await resolve_user(services.slack, services.texts, who)
    return await services.followups.set_owner(followup, owner, user_id), owner


async def set_due(
    services: Services, incident: Incident, followup: FollowUp, when: str, user_id: str
) -> tuple[FollowUp | None, date]:
    """Move a follow-up to the typed day (today or later, in the incident's timezone)."""
    try:
        day = parse_due(when, now=services.clock.now(), tz=incident.timezone)
    except DueParseError as exc:
        raise due_error(services.texts, exc) from None
    return await services.followups.set_due(followup, day, user_id), day


def finished_text(t: Texts, user: str, f: FollowUp, incident: Incident) -> str:
    if f.status is FollowUpStatus.done:
        text = t._(":white_check_mark: <@{user}> marked follow-up #{seq} of {number} done: {text}")
    else:
        text = t._(":heavy_minus_sign: <@{user}> dropped follow-up #{seq} of {number}: {text}")
    said = text.format(user=user, seq=f.seq, number=incident.number, text=escape(f.text))
    if f.close_reason:
        said += " " + t._("(reason: {reason})").format(reason=escape(f.close_reason))
    return said


async def done_clicked(
    services: Services, followup: FollowUp, user_id: str, *, from_home: bool
) -> str:
    """A Done button (reminder DM or App Home): mark it done, say so in the incident's channel,
    refresh the App Home it was clicked in. The answer for the clicker."""
    t = services.texts
    incident = await services.incidents.get(followup.incident_id)
    changed = await services.followups.finish(followup, FollowUpStatus.done, user_id)
    if changed is not None:
        text = finished_text(t, user_id, changed, incident)
        services.tasks.spawn(
            tell_channel(services.slack, incident, text, what="follow-up change"),
            name="followup-done",
        )
    else:
        text = t._("Follow-up {label} was already {status}.").format(
            label=followup.label, status=render.status_word(t, followup.status)
        )
    if from_home:
        services.tasks.spawn(refresh_home(services, user_id), name="home")
    return text


async def move_due(services: Services, followup: FollowUp, day: date, user_id: str) -> None:
    """The New date modal's day: today or later, then said in the incident's channel."""
    t = services.texts
    incident = await services.incidents.get(followup.incident_id)
    if day < today(services, incident.timezone):
        raise InputError(t._("Pick today or a later day."))
    changed = await services.followups.set_due(followup, day, user_id)
    if changed is not None:
        text = t._(":date: <@{user}> moved follow-up #{seq} of {number} to {day}.").format(
            user=user_id,
            seq=changed.seq,
            number=incident.number,
            day=render.day(t, day, today(services, incident.timezone)),
        )
        services.tasks.spawn(
            tell_channel(services.slack, incident, text, what="follow-up change"),
            name="followup-due",
        )


async def close_form_followups(
    services: Services, incident_id: int, action_items: str, confirmed_without: bool
) -> list[NewFollowUp]:
    """The close form's action items as follow-ups, checked before anything is written.

    Raises InputError for an unknown owner, a past day, or a SEV1/SEV2 close that leaves no
    follow-up and was not confirmed (`confirmed_without`: "Close without any follow-up").
    """
    t = services.texts
    incident = await services.incidents.get(incident_id)
    if incident.status is Status.closed:  # the close flow says so
        return []
    try:
        typed = parse_lines(action_items, now=services.clock.now(), tz=incident.timezone)
        items = [await _new(services, line) for line in typed]
    except DueParseError as exc:
        raise due_error(t, exc) from None
    if (
        not items
        and incident.severity in CONFIRM_SEVERITIES
        and not confirmed_without
        and not await services.followups.for_incident(incident.id)
    ):
        raise InputError(
            t._(
                "A {severity} incident should leave at least one follow-up: add one per line,"
                " or tick “Close without any follow-up”."
            ).format(severity=incident.severity.value.upper())
        )
    return items
