"""The one way an instant is shown to people in Slack: on the incident's wall clock.

Every "10:40" in a reply, the board, the App Home or a refusal comes from here, so the same
instant never reads two ways in one channel. (Drafts have their own spelled-out dates, in
`bot/postmortem/formatting.py`.)
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.time.zones import abbreviation


def clock(instant: datetime, tz: str) -> str:
    """The local "HH:MM" a responder in `tz` reads on their clock."""
    return instant.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def day_clock(instant: datetime, tz: str) -> str:
    """The local day-first "30/04 10:40", for times that are not today."""
    return instant.astimezone(ZoneInfo(tz)).strftime("%d/%m %H:%M")


def when(instant: datetime, tz: str, now: datetime, marked: bool = False) -> str:
    """ "10:40" on the reader's day, "29/04 14:00" on another one; `marked` adds the zone's
    abbreviation ("03:20 EDT") for an incident that spans a change of offset."""
    zone = ZoneInfo(tz)
    local = instant.astimezone(zone)
    shown = (
        clock(instant, tz)
        if local.date() == now.astimezone(zone).date()
        else day_clock(instant, tz)
    )
    return f"{shown} {abbreviation(local)}" if marked else shown
