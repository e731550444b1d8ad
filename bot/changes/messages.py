"""What people read about changes: the suspects message, its buttons, `/incident changes`.

Built here rather than in a handler because the suspects message is posted by background work
(after a declaration or a `feature down`), not as the answer to a command.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, SectionBlock

from bot.changes.models import ChangeEvent, ChangeMark, Mark
from bot.changes.service import IncidentChanges
from bot.changes.suspects import Impact
from bot.i18n import Texts
from bot.slack.gateway import escape
from bot.time import durations
from bot.time.formatting import when as local_when

CAUSED = "change_caused"
NOT_RELATED = "change_not_related"
ROLLBACK_CONFIRM = "change_rollback_confirm"
# At most this many changes get buttons in one message (two blocks each; Slack allows 50).
MAX_LISTED = 15


def gap(a: datetime, b: datetime) -> timedelta:
    """The distance between the two times as shown (minute-floored), in either order."""
    return durations.between(min(a, b), max(a, b))


def _feature(impact: Impact) -> str:
    return f"*{escape(impact.feature or '')}*"


def _kind(impact: Impact) -> str:
    return "declared" if impact.feature is None else "degraded" if impact.degraded else "down"


def age(t: Texts, change: ChangeEvent, impact: Impact) -> str:
    """ "2 min before Quotes went down", "5 min after the incident was declared"."""
    patterns = {
        ("declared", True): t._("{age} before the incident was declared"),
        ("declared", False): t._("{age} after the incident was declared"),
        ("down", True): t._("{age} before {feature} went down"),
        ("down", False): t._("{age} after {feature} went down"),
        ("degraded", True): t._("{age} before {feature} was degraded"),
        ("degraded", False): t._("{age} after {feature} was degraded"),
    }
    pattern = patterns[(_kind(impact), change.deployed_at <= impact.start)]
    took = durations.short(gap(change.deployed_at, impact.start))
    return pattern.format(age=took, feature=_feature(impact))


def _impact_names(t: Texts, impacts: list[Impact]) -> str:
    names = [_feature(i) if i.feature else t._("the declaration") for i in impacts]
    return ", ".join(dict.fromkeys(names))


def header(t: Texts, impact: Impact, n: int, hours: float, when: str) -> str:
    """How many changes came in the window before the impact (none, one, several)."""
    kind = _kind(impact)
    if n == 0:
        pattern = {
            "declared": t._(
                ":mag: No change recorded in the {hours} h before the declaration ({time})."
            ),
            "down": t._(
                ":mag: No change recorded in the {hours} h before {feature} went down ({time})."
            ),
            "degraded": t._(
                ":mag: No change recorded in the {hours} h before {feature} was degraded ({time})."
            ),
        }[kind]
    elif kind == "declared":
        pattern = t.ngettext(
            ":mag: {n} change in the {hours} h before the declaration ({time}):",
            ":mag: {n} changes in the {hours} h before the declaration ({time}), newest first:",
            n,
        )
    elif kind == "down":
        pattern = t.ngettext(
            ":mag: {n} change in the {hours} h before {feature} went down ({time}):",
            ":mag: {n} changes in the {hours} h before {feature} went down ({time}), newest first:",
            n,
        )
    else:
        pattern = t.ngettext(
            ":mag: {n} change in the {hours} h before {feature} was degraded ({time}):",
            ":mag: {n} changes in the {hours} h before {feature} was degraded ({time}),"
            " newest first:",
            n,
        )
    return pattern.format(n=n, hours=hours, time=when, feature=_feature(impact))


def change_head(t: Texts, change: ChangeEvent, tz: str, now: datetime) -> str:
    """ "*v121* web, deployed 10:38 by giulia" (the day too when it is not today)."""
    when = local_when(change.deployed_at, tz, now)
    name = f"*{escape(change.version)}* {escape(change.service)}"
    if change.author_name:
        return t._("{change}, deployed {time} by {author}").format(
            change=name, time=when, author=escape(change.author_name)
        )
    return t._("{change}, deployed {time}").format(change=name, time=when)


def mark_label(t: Texts, mark: ChangeMark | None, suspected: list[Impact]) -> str:
    if mark is not None and mark.mark is Mark.caused:
        return t._(":dart: *caused it* (marked by <@{user}>)").format(user=mark.marked_by)
    if mark is not None:
        return t._(":white_check_mark: not related (marked by <@{user}>)").format(
            user=mark.marked_by
        )
    if suspected:
        names = _impact_names(t, suspected)
        return t._(":warning: *suspect* for {what}: the last change before it").format(what=names)
    return ""


def change_line(
    t: Texts,
    change: ChangeEvent,
    impact: Impact,
    seen: IncidentChanges,
    tz: str,
    now: datetime,
) -> str:
    parts = [f"{change_head(t, change, tz, now)}, {age(t, change, impact)}"]
    if change.description:
        parts.append(f"_{escape(change.description[:150])}_")
    label = mark_label(t, seen.marks.get(change.id), seen.suspected_for(change.id))
    if label:
        parts.append(label)
    if change.url:
        details = t._("details")
        url = escape(change.url).replace("|", "%7C")
        parts.append(f"<{url}|{details}>")
    return "\n".join(parts)


def buttons(t: Texts, incident_id: int, change_id: int) -> ActionsBlock:
    value = json.dumps({"incident": incident_id, "change": change_id})
    return ActionsBlock(
        block_id=f"change-{change_id}",
        elements=[
            ButtonElement(text=t.pgettext("button", "Caused it"), action_id=CAUSED, value=value),
            ButtonElement(
                text=t.pgettext("button", "Not related"), action_id=NOT_RELATED, value=value
            ),
        ],
    )


def suspects_message(
    t: Texts,
    incident_id: int,
    impact: Impact,
    seen: IncidentChanges,
    tz: str,
    now: datetime,
    window_hours: float,
) -> tuple[str, list[dict[str, Any]]]:
    """The changes before `impact`, newest first, each with Caused it / Not related."""
    before = [c for c in seen.changes if c.deployed_at <= impact.start]
    hours = int(window_hours) if float(window_hours).is_integer() else window_hours
    head = header(t, impact, len(before), hours, local_when(impact.start, tz, now))
    if not before:
        return head, [SectionBlock(text=head).to_dict()]
    blocks: list[Any] = [SectionBlock(text=head)]
    for change in before[:MAX_LISTED]:
        blocks.append(SectionBlock(text=change_line(t, change, impact, seen, tz, now)))
        blocks.append(buttons(t, incident_id, change.id))
    if len(before) > MAX_LISTED:
        more = t._("{n} older ones: `/incident changes`.").format(n=len(before) - MAX_LISTED)
        blocks.append(ContextBlock(elements=[{"type": "mrkdwn", "text": more}]))
    return head, [b.to_dict() for b in blocks]


def listing(t: Texts, number: str, seen: IncidentChanges, tz: str, now: datetime) -> str:
    """`/incident changes`: every change from the window on, with its marks."""
    if not seen.changes:
        return t._("*Changes for {number}*\nNone recorded in the window before the impact.").format(
            number=number
        )
    first = min(seen.impacts, key=lambda i: i.start)
    lines = [t._("*Changes for {number}*, newest first").format(number=number)]
    for change in seen.changes:
        impacts = seen.suspected_for(change.id) or [first]
        line = change_line(t, change, impacts[0], seen, tz, now).replace("\n", " · ")
        lines.append(f"• {line}")
    return "\n".join(lines)


def failure_text(t: Texts, source: str, reason: str) -> str:
    return t._(
        ":warning: Could not read the changes of *{source}*: {reason}. Commands keep working;"
        " I will not repeat this until it has answered again."
    ).format(source=escape(source), reason=escape(reason))


def arrived_text(t: Texts, changes: list[ChangeEvent], tz: str, now: datetime) -> str:
    lines = [
        t.ngettext(
            ":package: A new change was recorded:",
            ":package: {n} new changes were recorded:",
            len(changes),
        ).format(n=len(changes))
    ]
    lines += [f"• {change_head(t, c, tz, now)}" for c in changes[:MAX_LISTED]]
    return "\n".join(lines)


def marked_text(t: Texts, user: str, change: ChangeEvent, mark: Mark) -> str:
    name = f"*{escape(change.version)}* {escape(change.service)}"
    if mark is Mark.caused:
        return t._(":dart: <@{user}> marked {change} as the cause.").format(user=user, change=name)
    return t._(":white_check_mark: <@{user}> marked {change} as not related.").format(
        user=user, change=name
    )
