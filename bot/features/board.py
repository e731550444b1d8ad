"""The features' part of the live board: status message lines, announcement summary, guard.

Every line is rendered from `Features.statuses`, the same numbers `feature list` shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ButtonElement

from bot import durations
from bot.features.service import WORDS, Features, FeatureStatus
from bot.models import FeatureState, Incident
from bot.slackweb import escape
from bot.timefmt import when as local_when

ICONS = {
    FeatureState.down: ":red_circle:",
    FeatureState.degraded: ":large_orange_circle:",
    FeatureState.up: ":large_green_circle:",
}
RESTORE_AND_RESOLVE = "features_restore_and_resolve"


def status_line(status: FeatureStatus, tz: str, now: datetime) -> str:
    """`:red_circle: *Quotes* down since 10:40 · down 6 h 50 min` (mrkdwn, escaped)."""
    when = "at" if status.state is FeatureState.up else "since"
    line = (
        f"{ICONS[status.state]} *{escape(status.feature)}* {WORDS[status.state]}"
        f" {when} {local_when(status.since, tz, now)}"
    )
    if status.down or status.state is FeatureState.down:
        line += f" · down {durations.short(status.down)}"
    if status.degraded:
        line += f" · degraded {durations.short(status.degraded)}"
    return line


def summary_part(status: FeatureStatus) -> str:
    """`Quotes down 2 h 10 min`, `Quotes degraded 20 min` or `Purchases restored`."""
    name = escape(status.feature)
    if status.state is FeatureState.up:
        return f"{name} restored"
    spent = status.down if status.state is FeatureState.down else status.degraded
    return f"{name} {status.state.value} {durations.short(spent)}"


class FeatureBoard:
    """`BoardSection` for features; listed in `Board.sections` by `build_services`."""

    def __init__(self, features: Features) -> None:
        self.features = features

    async def board_lines(self, incident: Incident, now: datetime) -> list[str]:
        statuses = await self.features.statuses(incident)
        if not statuses:
            return []
        return ["*Features*", *(status_line(s, incident.timezone, now) for s in statuses)]

    async def summary(self, incident: Incident, now: datetime) -> str | None:
        statuses = await self.features.statuses(incident)
        return " · ".join(summary_part(s) for s in statuses) or None

    async def open_items(self, incident: Incident) -> list[str]:
        return [
            f"{escape(s.feature)} is still {s.state.value}"
            for s in await self.features.statuses(incident)
            if s.is_out
        ]


def restore_and_resolve_button(incident_id: int) -> dict[str, Any]:
    """The resolve guard's other choice; lifecycle shows it, handlers/features.py handles it."""
    return ButtonElement(
        text="Mark all restored and resolve",
        action_id=RESTORE_AND_RESOLVE,
        value=str(incident_id),
        style="primary",
    ).to_dict()
