"""Feature changes as a workflow: record, word the change, show it on the board; and the
resolve guard's "Mark all restored and resolve" (restore, then resolve through the one guard)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.features.board import ICONS
from bot.features.labels import state_label
from bot.features.service import FeatureChange
from bot.i18n import Texts
from bot.incidents import flows as incident_flows
from bot.models import FeatureInterval, FeatureState, Incident
from bot.services import Services
from bot.slack.gateway import escape
from bot.time import durations
from bot.time.formatting import when as local_when


def change_text(t: Texts, user_id: str, change: FeatureChange, tz: str, now: datetime) -> str:
    fields = {
        "icon": ICONS[change.state],
        "user": f"<@{user_id}>",
        "feature": f"*{escape(change.feature)}*",
        "state": state_label(t, change.state),
    }
    if change.state is FeatureState.up:
        at = local_when(t, change.at, tz, now, "at")
        down, degraded = change.status.down, change.status.degraded

        def total(spent: timedelta) -> str:
            """Out more than once in this incident: the figure is a total, and says so."""
            short = durations.short(spent)
            if _outages(change.status.intervals) < 2:
                return short
            return t.pgettext("total time", "{duration} in all").format(duration=short)

        if down and degraded:  # each total says what it counts
            return t._(
                "{icon} {user} marked {feature} {state} {time}: down {down}, degraded {degraded}."
            ).format(time=at, down=total(down), degraded=total(degraded), **fields)
        if degraded:
            return t._(
                "{icon} {user} marked {feature} {state} {time}, degraded {duration}."
            ).format(time=at, duration=total(degraded), **fields)
        return t._("{icon} {user} marked {feature} {state} {time}, down {duration}.").format(
            time=at, duration=total(down), **fields
        )
    since = local_when(t, change.at, tz, now, "since")
    if change.previous is None:
        return t._("{icon} {user} marked {feature} {state} {time}.").format(time=since, **fields)
    return t._("{icon} {user} marked {feature} {state} {time} (was {previous}).").format(
        time=since, previous=state_label(t, change.previous), **fields
    )


def _outages(intervals: Sequence[FeatureInterval]) -> int:
    """How many times the feature went out: a switch between down and degraded is one outage."""
    ordered = sorted(intervals, key=lambda i: i.started_at)
    return sum(
        1
        for before, interval in zip([None, *ordered], ordered, strict=False)
        if before is None or before.ended_at != interval.started_at
    )


async def change_feature(
    services: Services,
    incident: Incident,
    name: str,
    state: FeatureState,
    user_id: str,
    *,
    at: datetime | None,
    now: datetime,
) -> incident_flows.Changed:
    """Record the change (refused if it contradicts the record) and publish its line."""
    change = await services.features.set_state(incident, name, state, user_id, at=at)
    text = change_text(services.texts, user_id, change, incident.timezone, now)
    services.tasks.spawn(services.board.publish(incident, text), name="publish")
    if state is not FeatureState.up:  # past incidents with this feature out
        services.tasks.spawn(services.similar_notice.announce(incident), name="similar")
        if change.previous is None:  # changes just before it went out: the suspects
            suspects = services.change_flows.on_feature_down(
                incident, change.feature, change.at, degraded=state is FeatureState.degraded
            )
            services.tasks.spawn(suspects, name="suspects")
    return incident_flows.Changed(incident, text)


@dataclass(frozen=True)
class RestoredResolution:
    """What "Mark all restored and resolve" did: the restore line (may be empty) and the
    resolution, which is still a question when another domain has something open."""

    restored: str
    resolution: incident_flows.Resolution


async def restore_and_resolve(
    services: Services, incident: Incident, user_id: str, asked_at: datetime | None = None
) -> RestoredResolution:
    """The guard's button (posted at `asked_at`): every feature back, then resolve."""
    nothing = services.texts._("nothing changed")
    services.incidents.require_current(incident, nothing, open_only=True)
    services.incidents.require_not_reopened_since(incident, asked_at, nothing)
    changes = await services.features.restore_all(incident, user_id)
    restored = ""
    if changes:
        restored = services.texts.ngettext(
            "{icon} {user} marked {features} restored {time}.",
            "{icon} {user} marked {features} restored {time}.",
            len(changes),
        ).format(
            icon=ICONS[FeatureState.up],
            user=f"<@{user_id}>",
            features=", ".join(f"*{escape(c.feature)}*" for c in changes),
            time=local_when(
                services.texts, changes[0].at, incident.timezone, services.clock.now(), "at"
            ),
        )
        restored += "\n"
    resolution = await incident_flows.resolve(services, incident, user_id)
    if not resolution.resolved and restored:
        # Asked again, without features: the restore still shows on the board meanwhile.
        services.tasks.spawn(services.board.publish(incident, restored), name="publish")
    return RestoredResolution(restored, resolution)
