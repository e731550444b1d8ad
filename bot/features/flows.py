"""Feature changes as a workflow: record, word the change, show it on the board; and the
resolve guard's "Mark all restored and resolve" (restore, then resolve through the one guard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import durations
from bot.features.board import ICONS
from bot.features.service import WORDS, FeatureChange
from bot.incidents import flows as incident_flows
from bot.models import FeatureState, Incident
from bot.services import Services
from bot.slackweb import escape
from bot.timefmt import when as local_when


def change_text(user_id: str, change: FeatureChange, tz: str, now: datetime) -> str:
    name, when = f"*{escape(change.feature)}*", local_when(change.at, tz, now)
    icon, word = ICONS[change.state], WORDS[change.state]
    if change.state is FeatureState.up:
        took = durations.short(change.status.down + change.status.degraded)
        return f"{icon} <@{user_id}> marked {name} {word} at {when}, out {took} in all."
    was = f" (was {change.previous.value})" if change.previous else ""
    return f"{icon} <@{user_id}> marked {name} {word} since {when}{was}."


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
    text = change_text(user_id, change, incident.timezone, now)
    services.tasks.spawn(services.board.publish(incident, text), name="publish")
    return incident_flows.Changed(incident, text)


@dataclass(frozen=True)
class RestoredResolution:
    """What "Mark all restored and resolve" did: the restore line (may be empty) and the
    resolution, which is still a question when another domain has something open."""

    restored: str
    resolution: incident_flows.Resolution


async def restore_and_resolve(
    services: Services, incident: Incident, user_id: str
) -> RestoredResolution:
    incident_flows.ensure_open(services, incident)
    changes = await services.features.restore_all(incident, user_id)
    restored = ""
    if changes:
        names = ", ".join(f"*{escape(c.feature)}*" for c in changes)
        when = local_when(changes[0].at, incident.timezone, services.clock.now())
        restored = f"{ICONS[FeatureState.up]} <@{user_id}> marked {names} restored at {when}.\n"
    resolution = await incident_flows.resolve(services, incident, user_id)
    if not resolution.resolved and restored:
        # Asked again, without features: the restore still shows on the board meanwhile.
        services.tasks.spawn(services.board.publish(incident, restored), name="publish")
    return RestoredResolution(restored, resolution)
