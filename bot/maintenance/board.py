"""Maintenance on the incident board: what is offline, since when, and for how long.

Rendered from the recorded windows at every refresh, so the board, the reminders and the
postmortem show the same times.
"""

from __future__ import annotations

from datetime import datetime

from bot import durations, timefmt
from bot.maintenance.service import Maintenance
from bot.models import Incident, MaintenanceWindow


def window_line(window: MaintenanceWindow, timezone: str, now: datetime) -> str:
    """One mrkdwn line: `App offline (maintenance on web) since 10:45 — 2 h 30 min`."""
    since = timefmt.clock(window.started_at, timezone)
    if window.ended_at is None:
        took = durations.short(durations.between(window.started_at, now))
        if window.dry_run:
            return (
                f":test_tube: DRY RUN: maintenance on {window.target}"
                f" (nothing changed) since {since} — {took}"
            )
        return f":construction: App offline (maintenance on {window.target}) since {since} — {took}"
    until = timefmt.clock(window.ended_at, timezone)
    took = durations.short(durations.between(window.started_at, window.ended_at))
    dry = " (dry run)" if window.dry_run else ""
    return f"Maintenance on {window.target}{dry}: {since}–{until} ({took})"


def _still_on(window: MaintenanceWindow, timezone: str) -> str:
    since = timefmt.clock(window.started_at, timezone)
    if window.dry_run:
        return f"DRY RUN maintenance on {window.target} since {since}"
    return f"App offline (maintenance on {window.target}) since {since}"


class MaintenanceSection:
    """The `BoardSection` of maintenance mode."""

    def __init__(self, maintenance: Maintenance) -> None:
        self.maintenance = maintenance

    async def board_lines(self, incident: Incident, now: datetime) -> list[str]:
        windows = await self.maintenance.windows(incident.id)
        return [window_line(w, incident.timezone, now) for w in windows]

    async def summary(self, incident: Incident, now: datetime) -> str | None:
        windows = await self.maintenance.windows(incident.id)
        on = [_still_on(w, incident.timezone) for w in windows if w.ended_at is None]
        if on:
            return "; ".join(on)
        real = [(w.started_at, w.ended_at) for w in windows if not w.dry_run]
        if real:
            return f"App was offline {durations.short(durations.total(real, now))} (maintenance)"
        return None

    async def open_items(self, incident: Incident) -> list[str]:
        return [
            f"maintenance is still on for {w.target}" + (" (dry run)" if w.dry_run else "")
            for w in await self.maintenance.windows(incident.id)
            if w.ended_at is None
        ]
