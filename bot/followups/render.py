"""Follow-ups as people read them: one line each, the reminder DM and the weekly digest.

Buttons carry the follow-up's id; the Slack edge (handlers/followups.py) listens for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from babel.dates import format_date
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, DividerBlock, SectionBlock

from bot.followups.models import FollowUp, FollowUpStatus
from bot.i18n import Texts
from bot.models import Incident
from bot.slack.gateway import escape
from bot.time.formatting import day_with_year

DONE_BUTTON = "followup_done"
NEW_DATE_BUTTON = "followup_new_date"
EXPORT_BUTTON = "followup_export"
LINES_SHOWN = 40
HOME_SHOWN = 15


def day(t: Texts, when: date, today: date | None = None) -> str:
    """ "Fri 2 May" / "ven 2 mag": the due day in the team's language; with its year when that
    is not `today`'s, so the weekday shown reads as the one of the year shown."""
    if today is not None and when.year != today.year:
        return day_with_year(t, when)
    return format_date(when, "EEE d MMM", locale=t.locale)


def full_date(t: Texts, when: date) -> str:
    """ "5 December 2032" / "5 dicembre 2032": a date as people type it, year included."""
    return format_date(when, "d MMMM y", locale=t.locale)


def status_word(t: Texts, status: FollowUpStatus) -> str:
    words = {
        FollowUpStatus.open: t.pgettext("followup", "open"),
        FollowUpStatus.done: t.pgettext("followup", "done"),
        FollowUpStatus.not_doing: t.pgettext("followup", "not doing"),
    }
    return words[status]


def overdue(t: Texts, days: int) -> str:
    return t.ngettext("{n} day overdue", "{n} days overdue", days).format(n=days)


def line(t: Texts, f: FollowUp, today: date, *, with_incident: bool = False) -> str:
    """`• #2 Automated checks · @bob · due Fri 2 May (3 days overdue) · acme/web#12`."""
    parts = [f"*{f.label if with_incident else f'#{f.seq}'}* {escape(f.text)}"]
    parts.append(f"<@{f.owner}>" if f.owner else t._("no owner"))
    if f.due_on is not None:
        due = t._("due {day}").format(day=day(t, f.due_on, today))
        if late := f.days_overdue(today):
            due += f" ({overdue(t, late)})"
        parts.append(due)
    if not f.is_open:
        parts.append(status_word(t, f.status))
    if f.tracker_url and f.tracker_ref:
        parts.append(f"<{f.tracker_url}|{escape(f.tracker_ref)}>")
    return "• " + " · ".join(parts)


def listing(t: Texts, followups: Sequence[FollowUp], today: date, *, with_incident: bool) -> str:
    lines = [line(t, f, today, with_incident=with_incident) for f in followups[:LINES_SHOWN]]
    if len(followups) > LINES_SHOWN:
        more = len(followups) - LINES_SHOWN
        lines.append(t.ngettext("…and {n} more.", "…and {n} more.", more).format(n=more))
    return "\n".join(lines)


def buttons(t: Texts, f: FollowUp, *, new_date: bool = True) -> ActionsBlock:
    elements = [
        ButtonElement(
            text=t.pgettext("button", "Done"),
            action_id=DONE_BUTTON,
            value=str(f.id),
            style="primary",
        )
    ]
    if new_date:
        elements.append(
            ButtonElement(
                text=t.pgettext("button", "New date"), action_id=NEW_DATE_BUTTON, value=str(f.id)
            )
        )
    return ActionsBlock(block_id=f"followup-{f.id}", elements=elements)


def reminder(
    t: Texts, f: FollowUp, incident: Incident, today: date
) -> tuple[str, list[dict[str, Any]]]:
    """The DM on the due day (and weekly while overdue)."""
    late = f.days_overdue(today)
    if late:
        head = t._(":alarm_clock: Your follow-up from {number} is {overdue}:").format(
            number=incident.number, overdue=overdue(t, late)
        )
    else:
        head = t._(":alarm_clock: Your follow-up from {number} is due today:").format(
            number=incident.number
        )
    text = f"{head}\n{line(t, f, today, with_incident=True)}\n" + t._("_{number}: {title}_").format(
        number=incident.number, title=escape(incident.title)
    )
    blocks = [SectionBlock(text=text).to_dict(), buttons(t, f).to_dict()]
    return text, blocks


def digest(
    t: Texts, followups: Sequence[FollowUp], today: date, owners: Mapping[int, str] | None = None
) -> str:
    """Monday's digest for the announce channel: overdue first, then the rest by due day."""
    late = [f for f in followups if f.days_overdue(today)]
    head = t._(":clipboard: *Follow-ups this week*: {open} open, {late} overdue.").format(
        open=len(followups), late=len(late)
    )
    if not followups:
        return head + " " + t._("Nothing left to do. :tada:")
    ordered = late + [f for f in followups if not f.days_overdue(today)]
    return head + "\n" + listing(t, ordered, today, with_incident=True)


def home_blocks(t: Texts, followups: Sequence[FollowUp], today: date) -> list[Any]:
    """App Home's "Your follow-ups": each with its Done button (at most 15, oldest due first)."""
    blocks: list[Any] = [
        DividerBlock(),
        SectionBlock(text=t._("*Your follow-ups ({n})*").format(n=len(followups))),
    ]
    if not followups:
        blocks.append(SectionBlock(text=t._("Nothing assigned to you. :tada:")))
    for f in followups[:HOME_SHOWN]:
        blocks.append(SectionBlock(text=line(t, f, today, with_incident=True)))
        blocks.append(buttons(t, f, new_date=True))
    return blocks


def with_export_button(t: Texts, text: str, f: FollowUp, tracker: str) -> list[dict[str, Any]]:
    """The "added" message with an Export to <default tracker> button under it."""
    button = ButtonElement(
        text=t.pgettext("button", "Export to {tracker}").format(tracker=tracker),
        action_id=EXPORT_BUTTON,
        value=str(f.id),
    )
    return [SectionBlock(text=text).to_dict(), ActionsBlock(elements=[button]).to_dict()]
