"""Block Kit a flow or a view needs for follow-ups: the close modal's confirmation checkbox.

The App Home's "Your follow-ups" lines and buttons are built in `render.home_blocks`, called
when `bot/incidents/flows.py` refreshes the App Home.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import CheckboxesElement, InputBlock, Option

from bot.followups.models import CONFIRM_SEVERITIES
from bot.i18n import Texts
from bot.models import Incident

# The close modal's "Close without any follow-up" checkbox (block id).
NO_FOLLOWUPS = "no_followups"


def close_form_blocks(t: Texts, incident: Incident) -> list[Any]:
    """The confirmation a SEV1/SEV2 close needs when it leaves no follow-up."""
    if incident.severity not in CONFIRM_SEVERITIES:
        return []
    return [
        InputBlock(
            block_id=NO_FOLLOWUPS,
            label=t._("No follow-ups?"),
            optional=True,
            element=CheckboxesElement(
                action_id="value",
                options=[Option(text=t._("Close without any follow-up"), value="yes")],
            ),
        )
    ]
