"""Maintenance switches as workflows: call the platform in the background, then show the
outcome on the board; confirm a pending "on"; read the live state of every target.

The deploy platform can take seconds, so the edge answers Slack at once and these run after.
"""

from __future__ import annotations

import asyncio

from bot.errors import InputError
from bot.i18n import Texts
from bot.maintenance.service import off_command, state, state_label
from bot.models import Incident
from bot.plumbing.http import CallFailed
from bot.services import Services
from bot.slack.gateway import escape
from bot.time.formatting import when


def refused_text(t: Texts, target: str, enabled: bool, reason: str) -> str:
    refused = (
        t._(":no_entry: You can't turn maintenance on for *{target}*: {reason}.")
        if enabled
        else t._(":no_entry: You can't turn maintenance off for *{target}*: {reason}.")
    )
    recorded = t._("The attempt is recorded in the incident timeline.")
    return refused.format(target=target, reason=reason) + " " + recorded


async def _switch(
    services: Services, incident: Incident, target: str, enabled: bool, user: str, request: str
) -> None:
    result = await services.maintenance.switch(incident, target, enabled, user, request)
    change = services.maintenance.report(result, user) if result.ok else None
    await services.board.publish(await services.incidents.get(incident.id), change)


def start_switch(
    services: Services, incident: Incident, target: str, enabled: bool, user: str, request: str
) -> None:
    """Switch in the background; `request` is the platform's idempotency key."""
    services.tasks.spawn(
        _switch(services, incident, target, enabled, user, request),
        name=f"maintenance-{state(enabled)}-{incident.id}-{target}",
    )


async def already_on(services: Services, incident: Incident, target: str) -> str | None:
    """Why `maintenance on` is refused when the record has `target` on already; else None."""
    windows = await services.maintenance.windows(incident.id)
    on = next((w for w in windows if w.target == target and w.ended_at is None), None)
    if on is None:
        return None
    t = services.texts
    return t._(
        ":information_source: Maintenance is already on for *{target}* {time}; {command} ends it."
    ).format(
        target=target,
        time=when(t, on.started_at, incident.timezone, services.clock.now(), "since"),
        command=off_command(t, target),
    )


async def already_off(services: Services, incident: Incident, target: str) -> str | None:
    """Why `maintenance off` is refused: this incident turned `target` off already and it is
    not on again. Never on in this incident, the platform may still be (switched by hand):
    then `off` goes ahead."""
    windows = [w for w in await services.maintenance.windows(incident.id) if w.target == target]
    if not windows or any(w.ended_at is None for w in windows):
        return None
    ended = max(w.ended_at for w in windows if w.ended_at is not None)
    t = services.texts
    return t._(
        ":information_source: Maintenance is already off for *{target}* {time};"
        " `/incident maintenance status` shows what the platform says."
    ).format(target=target, time=when(t, ended, incident.timezone, services.clock.now(), "since"))


async def confirm_on(
    services: Services, incident: Incident, target_name: str, user: str, request: str
) -> str | None:
    """The Confirm of `maintenance on`: checked again (the incident may be closed and
    permissions changed since the question), claimed once (a double click switches once).
    Returns why not, or None; a closed incident raises Expired."""
    t = services.texts
    services.incidents.require_current(incident, t._("nothing was switched"))
    try:
        target = services.maintenance.resolve(target_name)
    except InputError as exc:
        return f":warning: {exc}"
    if reason := await services.maintenance.refusal(incident, target, True, user):
        return refused_text(services.texts, target, True, reason)
    if on := await already_on(services, incident, target):
        return on
    if await services.maintenance.claim(request):
        start_switch(services, incident, target, True, user, request)
    return None


async def post_live_state(
    services: Services, channel: str, user: str, recorded: dict[str, bool]
) -> None:
    """Each target's state read from its platform, flagged where it differs from the record."""

    t = services.texts

    async def read(target: str) -> str:
        try:
            live = await services.maintenance.gateway.read_state(target)
        except CallFailed as exc:
            return t._("• *{target}*: could not read: {error}").format(
                target=target, error=escape(str(exc))
            )
        if live is None:
            return t._("• *{target}*: the platform cannot tell").format(target=target)
        if live != recorded[target]:
            shown = t._("• *{target}*: {state} :warning: differs from the record")
        else:
            shown = t._("• *{target}*: {state}")
        return shown.format(target=target, state=state_label(t, live))

    lines = await asyncio.gather(*(read(name) for name in recorded))
    header = t._("*Maintenance, live*")
    await services.slack.ephemeral(channel, user, header + "\n" + "\n".join(lines))
