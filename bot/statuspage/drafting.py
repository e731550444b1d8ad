"""Public updates drafted from the record, in the customer draft's language and register.

Only public facts go in: which public components are affected (by their public names), since
when, and what the team is doing, as the status says. No names, no notes, no internal title.
Durations follow the drafts' rule: the difference of the minute-precision times shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.lists import format_list

from bot.i18n import Texts
from bot.postmortem.formatting import Formatter
from bot.postmortem.phrases import LANGUAGES
from bot.statuspage.components import APP
from bot.statuspage.models import Component, ComponentState, PublicStatus
from bot.time.durations import between


def duration_text(texts: Texts, timezone: str, start: datetime, end: datetime) -> str:
    """`6 hours and 50 minutes` between the shown times (floored to the minute)."""
    fmt = Formatter(texts.language, LANGUAGES[texts.language], timezone, start)
    return fmt.duration(between(start, end))


def local_time(texts: Texts, timezone: str, instant: datetime) -> str:
    fmt = Formatter(texts.language, LANGUAGES[texts.language], timezone, instant)
    return fmt.time(instant)


def affected_names(texts: Texts, components: Sequence[Component]) -> str:
    """The public names of what is out, features first; the whole app when only it is."""
    out = [c for c in components if c.state is not ComponentState.operational]
    features = [c.name for c in out if c.key != APP]
    names = features or [c.name for c in out] or [c.name for c in components if c.key == APP]
    return format_list(names, locale=texts.locale)


def title(texts: Texts, components: Sequence[Component]) -> str:
    if any(c.state is ComponentState.under_maintenance for c in components):
        return texts._("Maintenance in progress")
    return texts._("Problems with {components}").format(
        components=affected_names(texts, components)
    )


def body(
    texts: Texts,
    status: PublicStatus,
    components: Sequence[Component],
    *,
    timezone: str,
    since: datetime,
    now: datetime,
) -> str:
    """What customers read: what is affected, since when, what we are doing."""
    t = texts
    names = affected_names(t, components)
    at = local_time(t, timezone, since)
    if status is PublicStatus.resolved:
        return t._(
            "{components} work normally again since {time}. The disruption lasted {duration}."
            " We are sorry for the trouble it caused you."
        ).format(
            components=names,
            time=local_time(t, timezone, now),
            duration=duration_text(t, timezone, since, now),
        )
    if any(c.state is ComponentState.under_maintenance for c in components):
        return t._(
            "Since {time} the service is offline for maintenance while we fix a problem."
            " We will post an update here as soon as it is back."
        ).format(time=at)
    if status is PublicStatus.identified:
        return t._(
            "We have found the cause of the problem with {components}, which started at {time},"
            " and we are working on a fix."
        ).format(components=names, time=at)
    if status is PublicStatus.monitoring:
        return t._(
            "A fix for {components} is in place. We are watching closely to make sure"
            " everything works as it should."
        ).format(components=names)
    return t._(
        "Since {time} {components} may not work as expected. We are looking into it and"
        " will post an update here as soon as we know more."
    ).format(components=names, time=at)


def zone(timezone: str) -> ZoneInfo:
    return ZoneInfo(timezone)
