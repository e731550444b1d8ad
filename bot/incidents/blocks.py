"""Block Kit and list lines of incidents that are not the live board: the App Home tab.

Here rather than in `handlers/` because a flow refreshes the App Home after every change; the
board's own blocks (status message, announcement) are built in `board.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import Texts
from bot.incidents.board import BoardSection
from bot.incidents.labels import severity_label, status_label
from bot.incidents.service import open_for
from bot.models import Incident
from bot.slack.gateway import escape
from bot.time import durations

CLOSED_SHOWN = 10
RECORD_DAYS = timedelta(days=90)  # the team's record under the incidents
HOME_DECLARE = "home_declare"


def list_lines(t: Texts, incidents: Sequence[Incident], now: datetime) -> list[str]:
    """One line per incident, for `list` and App Home."""
    pattern = t._("• *{number}* {title} · {severity} · {status} · lead {lead} · open {duration}")
    return [
        pattern.format(
            number=i.number,
            title=escape(i.title),
            severity=severity_label(t, i.severity),
            status=status_label(t, i.status),
            lead=f"<@{i.lead}>",
            duration=durations.short(open_for(i, now)),
        )
        + (f" · <#{i.channel_id}>" if i.channel_id else "")
        for i in incidents
    ]


async def home_view(
    t: Texts,
    open_: Sequence[Incident],
    closed: Sequence[Incident],
    sections: Sequence[BoardSection],
    now: datetime,
    extra: Sequence[Block] = (),
    first: Sequence[Block] = (),
) -> dict[str, Any]:
    """The App Home: `first` (failing feature checks), open incidents with what the domains
    say is down, the last closed ones, then `extra` (the viewer's follow-ups with Done
    buttons, the team's record)."""
    blocks: list[Block] = [
        *first,
        HeaderBlock(text=t._("Incidents")),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=t.pgettext("button", "Declare an incident"),
                    action_id=HOME_DECLARE,
                    style="danger",
                )
            ]
        ),
        SectionBlock(text=t._("*Open ({count})*").format(count=len(open_))),
    ]
    for incident, line in zip(open_[:40], list_lines(t, open_[:40], now), strict=True):
        blocks.append(SectionBlock(text=line))
        summaries = [s for section in sections if (s := await section.summary(incident, now))]
        if summaries:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(summaries))]))
    if not open_:
        blocks.append(SectionBlock(text=t._("Nothing open. :tada:")))
    blocks += [DividerBlock(), SectionBlock(text=t._("*Recently closed*"))]
    blocks += [SectionBlock(text=line) for line in list_lines(t, closed, now)] or [
        SectionBlock(text=t._("None yet."))
    ]
    blocks += extra
    view = View(type="home", blocks=blocks[:100])
    view.validate_json()
    return view.to_dict()
