"""Follow-up lines: owner and due day taken out of the text, in English and Italian."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.followups.parse import parse_lines
from bot.time.parsing import DueParseError

# Wednesday 30 April 2025, 10:00 in Copenhagen.
NOW = datetime(2025, 4, 30, 8, 0, tzinfo=UTC)
TZ = "Europe/Copenhagen"


@pytest.mark.parametrize(
    ("line", "text", "owner", "due"),
    [
        ("Check the tool @bob by Friday", "Check the tool", "@bob", date(2025, 5, 2)),
        (
            "Controllare lo strumento entro venerdì @bob",
            "Controllare lo strumento",
            "@bob",
            date(2025, 5, 2),
        ),
        ("Aggiornare la guida entro l'8 maggio", "Aggiornare la guida", None, date(2025, 5, 8)),
        ("Add alerts in 2 weeks", "Add alerts", None, date(2025, 5, 14)),
        ("Aggiungere allarmi tra 3 giorni", "Aggiungere allarmi", None, date(2025, 5, 3)),
        ("Aggiungere allarmi fra 3 giorni", "Aggiungere allarmi", None, date(2025, 5, 3)),
        ("Ship it today", "Ship it", None, date(2025, 4, 30)),
        ("Review by the whole team", "Review by the whole team", None, None),
        ("Run checks in production <@U02GIULIA>", "Run checks in production", "<@U02GIULIA>", None),
        ("1. Fix it due 2025-05-07", "Fix it", None, date(2025, 5, 7)),
        # A day said at the end without "by"/"entro" is the due day too.
        ("Scrivere test venerdì", "Scrivere test", None, date(2025, 5, 2)),
        ("Scrivere test il 5 gennaio", "Scrivere test", None, date(2026, 1, 5)),
        ("Scrivere test @bob domani alle 9", "Scrivere test", "@bob", date(2025, 5, 1)),
        ("Write tests next friday", "Write tests", None, date(2025, 5, 2)),
        ("Write tests on January 5th.", "Write tests", None, date(2026, 1, 5)),
        ("Aggiornare la guida venerdì prossimo", "Aggiornare la guida", None, date(2025, 5, 2)),
        # ...but not a day the text is about ("the deploy of 4 December").
        ("Rivedere il deploy del 4 dicembre", "Rivedere il deploy del 4 dicembre", None, None),
        ("Rivedere il rilascio di venerdì", "Rivedere il rilascio di venerdì", None, None),
        ("Review the deploy of the 5th of May", "Review the deploy of the 5th of May", None, None),
        ("Review what broke since friday", "Review what broke since friday", None, None),
        # ...nor a number that could be a version or a count, nor a line that is only a day.
        ("Upgrade to 1/2", "Upgrade to 1/2", None, None),
        ("Add 5 servers", "Add 5 servers", None, None),
        ("Venerdì", "Venerdì", None, None),
    ],
)
def test_owner_and_day(line: str, text: str, owner: str | None, due: date | None) -> None:
    [parsed] = parse_lines(line, now=NOW, tz=TZ)
    assert (parsed.text, parsed.owner, parsed.due_on) == (text, owner, due)


def test_a_past_day_is_refused() -> None:
    with pytest.raises(DueParseError) as refused:
        parse_lines("Fix it by 2025-04-29", now=NOW, tz=TZ)
    assert refused.value.past == date(2025, 4, 29)


def test_no_lines_no_followups() -> None:
    assert parse_lines("\n  \n- \n", now=NOW, tz=TZ) == []


@pytest.mark.parametrize(
    ("line", "refused"),
    [
        ("Scrivere test entro il 32 dicembre", {"impossible": "32 dicembre"}),
        ("Scrivere test entro il 30 febbraio", {"impossible": "30 febbraio"}),
        ("Write tests by December 32nd", {"impossible": "December 32nd"}),
        ("Write tests by 31/04", {"impossible": "31/04"}),
        ("Scrivere test il 32 dicembre", {"impossible": "32 dicembre"}),
        ("Write tests December 32nd", {"impossible": "December 32nd"}),
        ("Riscrivere tutto tra 2 anni", {"far": date(2027, 4, 30)}),
        ("Riscrivere tutto entro il 29 febbraio", {"far": date(2028, 2, 29)}),
    ],
)
def test_a_day_that_is_not_one_or_is_far_is_refused_not_kept_as_text(
    line: str, refused: dict[str, object]
) -> None:
    with pytest.raises(DueParseError) as error:
        parse_lines(line, now=NOW, tz=TZ)
    for field, value in refused.items():
        assert getattr(error.value, field) == value


def test_a_far_day_with_its_year_is_taken() -> None:
    [parsed] = parse_lines("Rewrite billing by 29 February 2028", now=NOW, tz=TZ)
    assert (parsed.text, parsed.due_on) == ("Rewrite billing", date(2028, 2, 29))
