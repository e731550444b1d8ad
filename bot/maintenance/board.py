"""Maintenance on the incident board: what is offline, since when, and for how long.

Rendered from the recorded windows at every refresh, so the board, the reminders and the
postmortem show the same times; worded in the workspace's language.
"""

from __future__ import annotations

from datetime import datetime

from bot.i18n import Texts
from bot.maintenance.service import Maintenance
from bot.models import Incident, MaintenanceWindow
from bot.time import durations, formatting


def window_line(t: Texts, window: MaintenanceWindow, timezone: str, now: datetime) -> str:
    """One mrkdwn line: `App offline (maintenance on web) since 10:45 — 2 h 30 min`."""
    since = formatting.clock(window.started_at, timezone)
    if window.ended_at is None:
        took = durations.short(durations.between(window.started_at, now))
        if window.dry_run:
            line = t._(
                ":test_tube: DRY RUN: maintenance on {target} (nothing changed)"
                " since {since} — {duration}"
            )
        else:
            line = t._(
                ":construction: App offline (maintenance on {target}) since {since} — {duration}"
            )
        return line.format(target=window.target, since=since, duration=took)
    until = formatting.clock(window.ended_at, timezone)
    took = durations.short(durations.between(window.started_at, window.ended_at))
    if window.dry_run:
        line = t._("Maintenance on {target} (dry run): {since}–{until} ({duration})")
    else:
        line = t._("Maintenance on {target}: {since}–{until} ({duration})")
    return line.format(target=window.target, since=since, until=until, duration=took)


def _still_on(t: Texts, window: MaintenanceWindow, timezone: str) -> str:
    since = formatting.clock(window.started_at, timezone)
    if window.dry_run:
        line = t._("DRY RUN maintenance on {target} since {since}")
    else:
        line = t._("App offline (maintenance on {target}) since {since}")
    return line.format(target=window.target, since=since)


class MaintenanceSection:
    """The `BoardSection` of maintenance mode, in the language of the maintenance service."""

    def __init__(self, maintenance: Maintenance) -> None:
        self.maintenance = maintenance
        self.t = maintenance.t

    async def board_lines(self, incident: Incident, now: datetime) -> list[str]:
        windows = await self.maintenance.windows(incident.id)
        return [window_line(self.t, w, incident.timezone, now) for w in windows]

    async def summary(self, incident: Incident, now: datetime) -> str | None:
        windows = await self.maintenance.windows(incident.id)
        on = [_still_on(self.t, w, incident.timezone) for w in windows if w.ended_at is None]
        if on:
            return "; ".join(on)
        real = [(w.started_at, w.ended_at) for w in windows if not w.dry_run]
        if real:
            took = durations.short(durations.total(real, now))
            return self.t._("App was offline {duration} (maintenance)").format(duration=took)
        return None

    async def open_items(self, incident: Incident) -> list[str]:
        return [
            (
                self.t._("maintenance is still on for {target} (dry run)")
                if w.dry_run
                else self.t._("maintenance is still on for {target}")
            ).format(target=w.target)
            for w in await self.maintenance.windows(incident.id)
            if w.ended_at is None
        ]
