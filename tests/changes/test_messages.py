"""How a change reads, in both languages, across a DST change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.changes.messages import age, change_head
from bot.changes.models import ChangeEvent
from bot.changes.suspects import Impact
from bot.i18n import texts

from .conftest import at


def v121(deployed_at: datetime) -> ChangeEvent:
    return ChangeEvent(
        id=1,
        source="web",
        service="web",
        version="v121",
        author="giulia@acme.example",
        deployed_at=deployed_at,
        external_id="1",
        recorded_at=deployed_at,
    )


def test_the_suspect_line_in_english_and_italian() -> None:
    change, quotes = v121(at(10, 38, second=30)), Impact("Offerte", at(10, 40))
    en, it = texts("en"), texts("it")

    assert change_head(en, change, "Europe/Copenhagen", at(12, 0)) == (
        "*v121* web, deployed at 10:38 by giulia"
    )
    # Shown times 10:38 and 10:40: the age is their difference, not 1 min 30 s truncated.
    assert age(en, change, quotes) == "2 min before *Offerte* went down"
    assert age(it, change, quotes) == "2 min prima che *Offerte* andasse fuori servizio"
    assert change_head(it, change, "Europe/Copenhagen", at(12, 0) + timedelta(days=1)) == (
        "*v121* web, rilasciata il 30/04 alle 10:38 da giulia"
    )
    declared = Impact(None, at(10, 37))
    assert age(it, change, declared) == "1 min dopo la dichiarazione dell'incidente"


def test_ages_across_the_dst_change_are_real_minutes() -> None:
    cph = ZoneInfo("Europe/Copenhagen")
    change = v121(datetime(2025, 3, 30, 1, 58, tzinfo=cph).astimezone(UTC))
    down = Impact("Quotes", datetime(2025, 3, 30, 3, 1, tzinfo=cph).astimezone(UTC))
    assert age(texts("en"), change, down) == "3 min before *Quotes* went down"
