"""Bot actions are stored as facts and phrased when shown, in the reader's language; rows
stored before their facts were (plain English text) still read as stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.i18n import texts
from bot.models import EntryKind, TimelineEntry
from bot.timeline.render import describe

AT = datetime(2026, 4, 29, 8, 0, tzinfo=UTC)
MAINTENANCE = {"target": "web", "provider": "heroku", "enabled": True, "ok": True}
ARCHIVE = {"error": "archive_failed", "code": "not_in_channel"}
SETUP = {
    "error": "setup",
    "failures": [{"step": "posting the status message", "code": "not_pinnable"}],
}
ROLLBACK = {
    "rollback": True,
    "outcome": "refused",
    "target": "web",
    "from": "v121",
    "to": "v120",
    "error": "only channel members",
}


def entry(kind: EntryKind, text: str, **data: Any) -> TimelineEntry:
    return TimelineEntry(
        id=1, incident_id=1, kind=kind, occurred_at=AT, recorded_at=AT, text=text, data=data
    )


@pytest.mark.parametrize(
    ("stored", "en", "it"),
    [
        (
            entry(EntryKind.feature, "Acquisti down", feature="Acquisti", state="down"),
            "Acquisti: down",
            "Acquisti: fuori servizio",
        ),
        (entry(EntryKind.status, "identified"), "Status: identified", "Stato: identificato"),
        (
            entry(EntryKind.maintenance, "maintenance on for web (heroku): …", **MAINTENANCE),
            "Maintenance on for web (heroku): confirmed",
            "Manutenzione attivata su web (heroku): confermata",
        ),
        (
            entry(
                EntryKind.maintenance,
                "maintenance on for web (heroku) refused: not in the channel",
                **MAINTENANCE | {"ok": False, "outcome": "refused", "error": "refused: nope"},
            ),
            "Maintenance on for web (heroku): refused (nope)",
            "Manutenzione attivata su web (heroku): rifiutata (nope)",
        ),
        (
            entry(EntryKind.change, "v121 web marked caused", mark="caused", version="v121"),
            "Change v121 marked as the cause",
            "Modifica v121 segnata come causa",
        ),
        (
            entry(EntryKind.error, "archiving failed: not_in_channel", **ARCHIVE),
            "Archiving the channel failed: not_in_channel",
            "Archiviazione del canale non riuscita: not_in_channel",
        ),
        (
            entry(EntryKind.change, "rollback of web …: refused (…)", **ROLLBACK),
            "Rollback of web from v121 to v120: refused (only channel members)",
            "Rollback di web da v121 a v120: rifiutato (only channel members)",
        ),
        (
            entry(EntryKind.error, "posting the status message: …", **SETUP),
            "posting the status message: Slack answered `not_pinnable`",
            "pubblicazione del messaggio di stato: Slack ha risposto `not_pinnable`",
        ),
        (
            entry(
                EntryKind.error,
                "Couldn't upload the drafts …",
                error="drafts_not_posted",
                detail="ratelimited",
            ),
            "The drafts were not posted: ratelimited",
            "Bozze non pubblicate: ratelimited",
        ),
        (
            entry(
                EntryKind.error, "…", error="not_posted", stage="statuspage", problem="ratelimited"
            ),
            "Message not posted (statuspage): ratelimited",
            "Messaggio non pubblicato (statuspage): ratelimited",
        ),
        # Rows from before the facts were stored read as they were written.
        (
            entry(EntryKind.error, "archiving failed: not_in_channel"),
            "archiving failed: not_in_channel",
            "archiving failed: not_in_channel",
        ),
        (entry(EntryKind.feature, "Acquisti down"), "Acquisti down", "Acquisti down"),
        (
            entry(EntryKind.maintenance, "maintenance on for web (webhook)"),
            "maintenance on for web (webhook)",
            "maintenance on for web (webhook)",
        ),
    ],
)
def test_facts_read_in_the_readers_language(stored: TimelineEntry, en: str, it: str) -> None:
    assert describe(stored, texts("en")) == en
    assert describe(stored, texts("it")) == it
