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

from bot import durations
from bot.incidents.board import BoardSection
from bot.incidents.service import open_for
from bot.models import Incident
from bot.slackweb import escape

CLOSED_SHOWN = 10
RECORD_DAYS = timedelta(days=90)  # the team's record under the incidents
HOME_DECLARE = "home_declare"


def list_lines(incidents: Sequence[Incident], now: datetime) -> list[str]:
    """One line per incident, for `list` and App Home."""
    return [
        f"• *{i.number}* {escape(i.title)} · {i.severity.value.upper()} · {i.status.value}"
        f" · lead <@{i.lead}> · open {durations.short(open_for(i, now))}"
        + (f" · <#{i.channel_id}>" if i.channel_id else "")
        for i in incidents
    ]


async def home_view(
    open_: Sequence[Incident],
    closed: Sequence[Incident],
    sections: Sequence[BoardSection],
    now: datetime,
    extra: Sequence[Block] = (),
) -> dict[str, Any]:
    """The App Home: open incidents with what the domains say is down, the last closed ones,
    then `extra` (the viewer's follow-ups with Done buttons, the team's record)."""
    blocks: list[Block] = [
        HeaderBlock(text="Incidents"),
        ActionsBlock(
            elements=[
                ButtonElement(text="Declare an incident", action_id=HOME_DECLARE, style="danger")
            ]
        ),
        SectionBlock(text=f"*Open ({len(open_)})*"),
    ]
    for incident, line in zip(open_[:40], list_lines(open_[:40], now), strict=True):
        blocks.append(SectionBlock(text=line))
        summaries = [s for section in sections if (s := await section.summary(incident, now))]
        if summaries:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(summaries))]))
    if not open_:
        blocks.append(SectionBlock(text="Nothing open. :tada:"))
    blocks += [DividerBlock(), SectionBlock(text="*Recently closed*")]
    blocks += [SectionBlock(text=line) for line in list_lines(closed, now)] or [
        SectionBlock(text="None yet.")
    ]
    blocks += extra
    view = View(type="home", blocks=blocks[:100])
    view.validate_json()
    return view.to_dict()
