"""The drafts' share of signals: which outages a check or an alert found, and when.

Read from the timeline (every signal that joins an incident is an entry there), so the CLI and
Slack drafts see the same record. The changes feature's detection rows (`bot/changes/drafts.py`)
ask `detected` for each outage and name the source when it was not a person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.checks.service import FLAP_WINDOW
from bot.models import EntryKind, TimelineEntry


@dataclass(frozen=True)
class Detected:
    at: datetime
    source: str  # check | alert


def detected(feature: str, start: datetime, entries: Iterable[TimelineEntry]) -> Detected | None:
    """The earliest signal of `feature` whose episode began within the flap window of the
    outage's `start` (marked from the signal, it began exactly then)."""
    found: list[Detected] = []
    for entry in entries:
        data = entry.data
        if entry.kind is not EntryKind.signal or entry.deleted or data.get("feature") != feature:
            continue
        try:
            began = datetime.fromisoformat(str(data["started_at"]))
            at = datetime.fromisoformat(str(data["detected_at"]))
        except (KeyError, ValueError):
            continue
        if abs(began - start) <= FLAP_WINDOW:
            found.append(Detected(at, str(data.get("source", "check"))))
    return min(found, key=lambda d: d.at, default=None)
