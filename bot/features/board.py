"""The features' part of the live board: status message lines, announcement summary, guard.

Every line is rendered from `Features.statuses`, the same numbers `feature list` shows, in the
workspace's language (`Texts`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import ButtonElement

from bot.features.labels import state_label
from bot.features.service import Features, FeatureStatus
from bot.i18n import Texts, texts
from bot.models import FeatureState, Incident
from bot.slack.gateway import escape
from bot.time import durations
from bot.time.formatting import when as local_when

ICONS = {
    FeatureState.down: ":red_circle:",
    FeatureState.degraded: ":large_orange_circle:",
    FeatureState.up: ":large_green_circle:",
}
RESTORE_AND_RESOLVE = "features_restore_and_resolve"
RESTORE_AND_CLOSE = "features_restore_and_close"


def status_line(t: Texts, status: FeatureStatus, tz: str, now: datetime) -> str:
    """`:red_circle: *Quotes* down since 10:40 · down 6 h 50 min` (mrkdwn, escaped)."""
    fields = {
        "icon": ICONS[status.state],
        "feature": escape(status.feature),
        "state": state_label(t, status.state),
    }
    if status.state is FeatureState.up:
        line = t._("{icon} *{feature}* {state} {time}").format(
            time=local_when(t, status.since, tz, now, "at"), **fields
        )
    else:
        line = t._("{icon} *{feature}* {state} {time}").format(
            time=local_when(t, status.since, tz, now, "since"), **fields
        )
    if status.down or status.state is FeatureState.down:
        line += _spent(t, FeatureState.down, status.down)
    if status.degraded:
        line += _spent(t, FeatureState.degraded, status.degraded)
    return line


def _spent(t: Texts, state: FeatureState, took: timedelta) -> str:
    return " · " + t.pgettext("time spent", "{state} {duration}").format(
        state=state_label(t, state), duration=durations.short(took)
    )


def summary_part(t: Texts, status: FeatureStatus) -> str:
    """`Quotes down 2 h 10 min`, `Quotes degraded 20 min` or `Quotes restored`."""
    name, state = escape(status.feature), state_label(t, status.state)
    if status.state is FeatureState.up:
        return t.pgettext("announcement", "{feature} {state}").format(feature=name, state=state)
    spent = status.down if status.state is FeatureState.down else status.degraded
    return t.pgettext("announcement", "{feature} {state} {duration}").format(
        feature=name, state=state, duration=durations.short(spent)
    )


class FeatureBoard:
    """`BoardSection` for features; listed in `Board.sections` by `build_services`."""

    def __init__(self, features: Features, t: Texts | None = None) -> None:
        self.features = features
        self.t = t or texts("en")

    async def board_lines(self, incident: Incident, now: datetime) -> list[str]:
        statuses = await self.features.statuses(incident)
        if not statuses:
            return []
        lines = (status_line(self.t, s, incident.timezone, now) for s in statuses)
        return [self.t._("*Features*"), *lines]

    async def summary(self, incident: Incident, now: datetime) -> str | None:
        statuses = await self.features.statuses(incident)
        return " · ".join(summary_part(self.t, s) for s in statuses) or None

    async def open_items(self, incident: Incident) -> list[str]:
        return [
            self.t._("{feature} is still {state}").format(
                feature=escape(s.feature), state=state_label(self.t, s.state)
            )
            for s in await self.features.statuses(incident)
            if s.is_out
        ]


def restore_and_resolve_button(
    t: Texts, incident_id: int, *, closing: bool = False
) -> dict[str, Any]:
    """The resolve (and close) guard's other choice; lifecycle shows it, handlers/features.py
    handles it."""
    return ButtonElement(
        text=t.pgettext("button", "Mark all restored and close")
        if closing
        else t.pgettext("button", "Mark all restored and resolve"),
        action_id=RESTORE_AND_CLOSE if closing else RESTORE_AND_RESOLVE,
        value=str(incident_id),
        style="primary",
    ).to_dict()
