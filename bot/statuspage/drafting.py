"""Public updates drafted from the record, in the customer draft's language and register.

Only public facts go in: which public components are affected (by their public names), since
when, and what the team is doing, as the status says. No names, no notes, no internal title.
Durations follow the drafts' rule: the difference of the minute-precision times shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from babel.lists import format_list

from bot.i18n import Texts
from bot.models import FeatureInterval, FeatureState, MaintenanceWindow
from bot.postmortem.figures import IMPACT_STATES, offline, outages
from bot.postmortem.formatting import Formatter
from bot.postmortem.phrases import LANGUAGES
from bot.statuspage.components import APP
from bot.statuspage.models import Component, ComponentState, PublicStatus


@dataclass(frozen=True)
class Facts:
    """What the record says about one incident's impact, as the drafts read it."""

    start: datetime  # the first recorded impact
    intervals: Sequence[FeatureInterval]
    windows: Sequence[MaintenanceWindow]
    end: datetime  # the resolution, or now


def _current(components: Sequence[Component]) -> list[str]:
    """The public names of what is out now, features first; the whole app when only it is."""
    out = [c for c in components if c.state is not ComponentState.operational]
    features = [c.name for c in out if c.key != APP]
    return features or [c.name for c in out] or [c.name for c in components if c.key == APP]


def affected(components: Sequence[Component], facts: Facts) -> list[str]:
    """The public names of what this incident touched: the app when it went offline, the
    public features it recorded out; else what is out now."""
    hit = {i.feature for i in facts.intervals if i.state in IMPACT_STATES}
    names = [
        c.name
        for c in components
        if (c.key == APP and offline(facts.windows, facts.end)) or c.key in hit
    ]
    return names or _current(components)


def title(texts: Texts, components: Sequence[Component], facts: Facts) -> str:
    if any(c.state is ComponentState.under_maintenance for c in components):
        return texts._("Maintenance in progress")
    names = format_list(affected(components, facts), locale=texts.locale)
    return texts._("Problems with {components}").format(components=names)


def _restored(texts: Texts, components: Sequence[Component], facts: Facts, tz: str) -> list[str]:
    """Per affected public component, when it worked again and for how long: the customer
    draft's figures (`bot.postmortem.impact`, the same duration rule), nothing else. A
    component still out at resolution gets no line rather than a number nobody stated."""
    t = texts
    fmt = Formatter(t.language, LANGUAGES[t.language], tz, facts.end)
    lines = []
    for component in components:
        name = component.name
        if component.key == APP:
            took = offline(facts.windows, facts.end)
            ends = [w.ended_at for w in facts.windows if not w.dry_run]
            if took is not None and None not in ends:
                back = max(e for e in ends if e is not None)
                lines.append(
                    t._("{component}: back online {time}, after {duration} offline.").format(
                        component=name, time=fmt.when(back, "at"), duration=fmt.duration(took)
                    )
                )
            continue
        mine = [i for i in facts.intervals if i.feature == component.key]
        ends = [i.ended_at for i in mine]
        if not mine or None in ends:
            continue
        again = fmt.when(max(e for e in ends if e is not None), "at")
        for outage in outages(mine, facts.end):
            line = (
                t._("{component}: working again {time}, after {duration} unavailable.")
                if outage.state is FeatureState.down
                else t._(
                    "{component}: working normally again {time}, after {duration} of degraded"
                    " performance."
                )
            )
            lines.append(
                line.format(component=name, time=again, duration=fmt.duration(outage.total))
            )
    return lines


def body(
    texts: Texts,
    status: PublicStatus,
    components: Sequence[Component],
    facts: Facts,
    *,
    timezone: str,
    now: datetime,
) -> str:
    """What customers read: what is affected, since when, what we are doing. Times carry
    their date when it is not today; components are listed after a colon, so no sentence
    needs an article before a name."""
    t = texts
    names = format_list(affected(components, facts), locale=t.locale)
    fmt = Formatter(t.language, LANGUAGES[t.language], timezone, now)
    if status is PublicStatus.resolved:
        lines = [
            t._("Everything works normally again."),
            *_restored(t, components, facts, timezone),
            t._("We are sorry for the trouble this caused you."),
        ]
        return " ".join(lines)
    if any(c.state is ComponentState.under_maintenance for c in components):
        # The window's own start, the one the page shows as under maintenance.
        opened = [w.started_at for w in facts.windows if w.ended_at is None]
        since = min(opened, default=facts.start)
        return t._(
            "The service has been offline for maintenance {since} while we fix a problem."
            " We will post an update here as soon as it is back."
        ).format(since=fmt.when(since, "since"))
    if status is PublicStatus.identified:
        return t._(
            "We have found the cause of the problem, which started {time}, and we are working"
            " on a fix. Affected: {components}."
        ).format(components=names, time=fmt.when(facts.start, "at"))
    if status is PublicStatus.monitoring:
        return t._(
            "A fix is in place. We are watching closely to make sure everything works as it"
            " should. Affected: {components}."
        ).format(components=names)
    return t._(
        "Some parts of our service have not been working as expected {since}. Affected:"
        " {components}. We are looking into it and will post an update here as soon as we"
        " know more."
    ).format(components=names, since=fmt.when(facts.start, "since"))
