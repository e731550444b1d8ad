"""Typed times land on the exact UTC instant, in two timezones and across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.time.formatting import clock
from bot.time.parsing import (
    TimedText,
    TimeParseError,
    parse_at,
    parse_note,
)

ROME, NY = "Europe/Rome", "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# Europe/Rome springs forward at 2026-03-29 01:00 UTC: now is 12:50 CEST, yesterday was CET.
ROME_SPRING = utc(2026, 3, 29, 10, 50)
# America/New_York springs forward at 2026-03-08 07:00 UTC: now is 12:50 EDT, yesterday was EST.
NY_SPRING = utc(2026, 3, 8, 16, 50)
# Europe/Rome falls back at 2026-10-25 01:00 UTC: 02:00-03:00 local happens twice; now 12:00 CET.
ROME_AUTUMN = utc(2026, 10, 25, 11, 0)

CASES = [
    (ROME, ROME_SPRING, "10:40", utc(2026, 3, 29, 8, 40)),
    (ROME, ROME_SPRING, "10.40", utc(2026, 3, 29, 8, 40)),
    (ROME, ROME_SPRING, "at 10:40", utc(2026, 3, 29, 8, 40)),
    (ROME, ROME_SPRING, "alle 10:40", utc(2026, 3, 29, 8, 40)),
    (ROME, ROME_SPRING, "alle ore 10:40", utc(2026, 3, 29, 8, 40)),
    (ROME, ROME_SPRING, "h 10:40", utc(2026, 3, 29, 8, 40)),
    (ROME, ROME_SPRING, "10:40:15", utc(2026, 3, 29, 8, 40, 15)),
    (ROME, ROME_SPRING, "at 9", utc(2026, 3, 29, 7, 0)),
    (ROME, ROME_SPRING, "oggi alle 9:05", utc(2026, 3, 29, 7, 5)),
    (ROME, ROME_SPRING, "01:30", utc(2026, 3, 29, 0, 30)),  # still CET
    (ROME, ROME_SPRING, "03:30", utc(2026, 3, 29, 1, 30)),  # already CEST
    # Wall-clock 14:30 of the previous local date (CET), not 24 hours before today's 14:30 CEST.
    (ROME, ROME_SPRING, "yesterday 14:30", utc(2026, 3, 28, 13, 30)),
    (ROME, ROME_SPRING, "ieri alle 14:30", utc(2026, 3, 28, 13, 30)),
    (ROME, ROME_SPRING, "Ieri 14:30", utc(2026, 3, 28, 13, 30)),
    (ROME, ROME_SPRING, "5 min ago", utc(2026, 3, 29, 10, 45)),
    (ROME, ROME_SPRING, "5 minuti fa", utc(2026, 3, 29, 10, 45)),
    (ROME, ROME_SPRING, "2 hours ago", utc(2026, 3, 29, 8, 50)),
    (ROME, ROME_SPRING, "2 ore fa", utc(2026, 3, 29, 8, 50)),
    (ROME, ROME_SPRING, "un'ora fa", utc(2026, 3, 29, 9, 50)),
    (ROME, ROME_SPRING, "2026-03-28 10:40", utc(2026, 3, 28, 9, 40)),
    (ROME, ROME_SPRING, "28/03 10:40", utc(2026, 3, 28, 9, 40)),
    (ROME, ROME_SPRING, "28/03/2026 10:40", utc(2026, 3, 28, 9, 40)),
    # A part of the day before the clock; evening hours without am/pm are after noon.
    (ROME, ROME_SPRING, "stamattina alle 7:00", utc(2026, 3, 29, 5, 0)),
    (ROME, ROME_SPRING, "Stamane 7:00", utc(2026, 3, 29, 5, 0)),
    (ROME, ROME_SPRING, "ieri sera alle 11", utc(2026, 3, 28, 22, 0)),
    (ROME, ROME_SPRING, "ieri 14:00", utc(2026, 3, 28, 13, 0)),
    (ROME, ROME_SPRING, "mezz'ora fa", utc(2026, 3, 29, 10, 20)),
    # A weekday is the latest one not after today (Sunday 29 March): CET before the jump.
    (ROME, ROME_SPRING, "lunedì 10:30", utc(2026, 3, 23, 9, 30)),
    (ROME, ROME_SPRING, "friday at 14:00", utc(2026, 3, 27, 13, 0)),
    (ROME, ROME_SPRING, "domenica 9:00", utc(2026, 3, 29, 7, 0)),
    (ROME, ROME_SPRING, "mezz' ora fa", utc(2026, 3, 29, 10, 20)),
    (ROME, ROME_SPRING, "un quarto d'ora fa", utc(2026, 3, 29, 10, 35)),
    (NY, NY_SPRING, "yesterday 2pm", utc(2026, 3, 7, 19, 0)),
    (NY, NY_SPRING, "this morning at 7", utc(2026, 3, 8, 11, 0)),  # EDT by then
    (NY, NY_SPRING, "yesterday evening at 9", utc(2026, 3, 8, 2, 0)),
    (NY, NY_SPRING, "half an hour ago", utc(2026, 3, 8, 16, 20)),
    (NY, NY_SPRING, "10:40", utc(2026, 3, 8, 14, 40)),
    (NY, NY_SPRING, "at 10:40", utc(2026, 3, 8, 14, 40)),
    (NY, NY_SPRING, "at 9", utc(2026, 3, 8, 13, 0)),
    (NY, NY_SPRING, "9:15am", utc(2026, 3, 8, 13, 15)),
    (NY, NY_SPRING, "at 12pm", utc(2026, 3, 8, 16, 0)),
    (NY, NY_SPRING, "01:30", utc(2026, 3, 8, 6, 30)),  # still EST
    (NY, NY_SPRING, "yesterday 14:30", utc(2026, 3, 7, 19, 30)),
    (NY, NY_SPRING, "ieri alle 14:30", utc(2026, 3, 7, 19, 30)),
    (NY, NY_SPRING, "5 min ago", utc(2026, 3, 8, 16, 45)),
    (NY, NY_SPRING, "5 minuti fa", utc(2026, 3, 8, 16, 45)),
    (NY, NY_SPRING, "2026-03-07 10:40", utc(2026, 3, 7, 15, 40)),
    (NY, NY_SPRING, "07/03 10:40", utc(2026, 3, 7, 15, 40)),  # day first
    # 02:30 happens twice in Rome on 2026-10-25: the first occurrence (CEST, fold=0) is taken.
    (ROME, ROME_AUTUMN, "02:30", utc(2026, 10, 25, 0, 30)),
    (ROME, ROME_AUTUMN, "10:40", utc(2026, 10, 25, 9, 40)),
    (ROME, ROME_AUTUMN, "yesterday 14:30", utc(2026, 10, 24, 12, 30)),
    (NY, utc(2026, 11, 1, 15, 0), "01:30", utc(2026, 11, 1, 5, 30)),  # first 01:30, EDT
]


@pytest.mark.parametrize(("tz", "now", "typed", "expected"), CASES)
def test_note_time_lands_on_exact_instant(
    tz: str, now: datetime, typed: str, expected: datetime
) -> None:
    got = parse_note(f"{typed} deploy started", now=now, tz=tz)
    assert got == TimedText(at=expected, text="deploy started", time_text=typed)
    assert got.at is not None
    assert got.at.tzinfo is UTC


@pytest.mark.parametrize(("tz", "now", "typed", "expected"), CASES)
def test_parse_at_reads_the_same_forms(
    tz: str, now: datetime, typed: str, expected: datetime
) -> None:
    assert parse_at(typed, now=now, tz=tz) == expected


@pytest.mark.parametrize(
    ("typed", "delta"),
    [
        ("5 min ago", timedelta(minutes=5)),
        ("5 minuti fa", timedelta(minutes=5)),
        ("10 mins ago", timedelta(minutes=10)),
        ("2 hours ago", timedelta(hours=2)),
        ("2 ore fa", timedelta(hours=2)),
        ("90 seconds ago", timedelta(seconds=90)),
        ("30 secondi fa", timedelta(seconds=30)),
        ("an hour ago", timedelta(hours=1)),
    ],
)
@pytest.mark.parametrize("tz", [ROME, NY])
def test_relative_forms_are_exact_across_the_jump(tz: str, typed: str, delta: timedelta) -> None:
    # Just after both spring-forward jumps: wall-clock arithmetic would land in the skipped hour.
    for now in (utc(2026, 3, 8, 7, 2, 30, 123456), utc(2026, 3, 29, 1, 2, 30, 123456)):
        assert parse_note(f"{typed} x", now=now, tz=tz).at == now - delta


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # Typed at 10:50 in Rome on 29 March: the night just gone runs past midnight.
        ("last night at 3 restart", utc(2026, 3, 29, 1, 0)),  # 03:00 CEST, after the jump
        ("last night at 1 restart", utc(2026, 3, 29, 0, 0)),  # 01:00 CET
        ("last night at 11 restart", utc(2026, 3, 28, 22, 0)),  # 23:00 CET
        ("yesterday evening at 9 restart", utc(2026, 3, 28, 20, 0)),
    ],
)
def test_last_night_after_midnight_is_the_small_hours(typed: str, expected: datetime) -> None:
    assert parse_note(typed, now=ROME_SPRING, tz=ROME).at == expected


def test_parse_at_accepts_bare_hours_and_dotted_times() -> None:
    assert parse_at("9", now=ROME_SPRING, tz=ROME) == utc(2026, 3, 29, 7, 0)
    assert parse_at("alle 9.05", now=ROME_SPRING, tz=ROME) == utc(2026, 3, 29, 7, 5)
    assert parse_at("9.05", now=ROME_SPRING, tz=ROME) == utc(2026, 3, 29, 7, 5)


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        ("alle 10:40 ripristinato il deploy", "ripristinato il deploy"),
        ("  10:40   è caduto il servizio, perché?  ", "è caduto il servizio, perché?"),
        ("10:40 - rollback avviato", "rollback avviato"),
        ("10:40: rollback started", "rollback started"),
        ("ieri alle 14:30 Übergabe an l'on-call", "Übergabe an l'on-call"),
    ],
)
def test_note_text_after_the_time_is_kept(typed: str, text: str) -> None:
    assert parse_note(typed, now=ROME_SPRING, tz=ROME).text == text


@pytest.mark.parametrize(
    "typed",
    [
        "3 servers down",
        "99.95 uptime breached",
        "1 nodo fa crash loop",
        "24/7 support is down",
        "il deploy di stamattina ha rotto Acquisti",
        # A day that qualifies another word is not when the note happened.
        "yesterday's deploy broke checkout",
        "checkout slower than yesterday",
        "down since last night",
        "corrieri in ritardo, sabatoni in giro",  # letters of "ieri", "sabato" inside words
        "rollback domani se serve",
        "rollback to v1.2:30",
        "",
    ],
)
def test_text_without_leading_time_is_kept_whole(typed: str) -> None:
    assert parse_note(typed, now=ROME_SPRING, tz=ROME) == TimedText(None, typed.strip(), None)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("riavvio alle 7:00", '"alle 7:00" says when this happened: put it first'),
        ("deploy at 10:40 failed", '"at 10:40" says when this happened'),
        ("restart at 5pm", '"at 5pm" says when this happened'),
        ("restart 5 min ago", '"5 min ago" says when this happened'),
        ("riavvio mezz'ora fa", '"mezz\'ora fa" says when this happened'),
        ("yesterday the db was fine", '"yesterday" needs its time of day'),
        ("stamattina riavvio", '"stamattina" needs its time of day'),
        ("ieri 9 server giù", '"ieri" needs its time of day'),
        ("domani 10:00 rollback", '"domani" is in the future'),
        # A day anywhere without its time of day (issue 30, item 1).
        ("riavvio ieri", '"ieri" needs its time of day: "ieri 10:30 …"'),
        ("riavvio stamattina", '"stamattina" needs its time of day'),
        ("restart yesterday", '"yesterday" needs its time of day'),
        ("restart this morning.", '"this morning" needs its time of day'),
        ("restart last night", '"last night" needs its time of day'),
        ("db riavviato lunedì dal team", '"lunedì" needs its time of day'),
        ("riavvio l'altro ieri", '"ieri" needs its time of day'),
        ("riavvio stanotte", '"stanotte" says when this happened, but it is not a day I read'),
        ("stanotte alle 3:00 riavvio", '"stanotte" says when this happened, but it is not a'),
        ("riavvio ieri alle 7:00", '"ieri alle 7:00" says when this happened: put it first'),
        ("restart yesterday 2pm", '"yesterday 2pm" says when this happened: put it first'),
    ],
)
def test_a_time_the_note_does_not_start_with_is_refused_not_kept_as_text(
    typed: str, says: str
) -> None:
    with pytest.raises(TimeParseError) as err:
        parse_note(typed, now=ROME_SPRING, tz=ROME)
    assert err.value.message.startswith(says)
    assert 'with "now" to record' in err.value.message or "future" in says


@pytest.mark.parametrize("word", ["now", "Now:", "adesso", "adesso -"])
def test_now_first_records_the_text_as_written(word: str) -> None:
    got = parse_note(f"{word} deploy at 10:40 failed", now=ROME_SPRING, tz=ROME)
    assert got == TimedText(None, "deploy at 10:40 failed", None)
    with pytest.raises(TimeParseError, match="Say what happened"):
        parse_note(word, now=ROME_SPRING, tz=ROME)


def test_future_time_is_refused_not_rolled_back_to_yesterday() -> None:
    now = utc(2026, 3, 28, 23, 5)  # 00:05 on 29/03 in Rome
    with pytest.raises(TimeParseError) as err:
        parse_note("23:50 db failover", now=now, tz=ROME)
    assert err.value.message.startswith("23:50 is in the future (it is now 00:05 in Europe/Rome).")
    assert '"yesterday 23:50"' in err.value.message
    assert '"ieri 23:50"' in err.value.message
    assert err.value.examples
    assert parse_note("ieri 23:50 db failover", now=now, tz=ROME).at == utc(2026, 3, 28, 22, 50)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("18:30 x", "18:30 is in the future (it is now 12:50 in Europe/Rome)"),
        ("2026-04-30 10:40 x", "30 Apr 10:40 is in the future (it is now 29 Mar 12:50 in"),
        ("25:99 boom", '"25:99" is not a valid time of day'),
        ("alle 24:00 x", '"alle 24:00" is not a valid time of day'),
        ("13pm x", '"13pm" is not a valid time of day'),
        ("10:4x boom", 'I can\'t read "10:4x" as a time'),
        ("10:40-11:00 window", 'I can\'t read "10:40-11:00" as a time'),
        ("3 giorni fa x", 'I can\'t read "3 giorni fa" as a time'),
        ("5 minuti ago x", 'I can\'t read "5 minuti ago" as a time'),
        ("31/02 10:40 x", 'I can\'t read "31/02" as a day'),
        ("2.10 release rolled out", '"2.10" could be a time or a number: write "02:10"'),
        ("02:30 x", "02:30 did not happen in Europe/Rome"),
        ("10:40", 'Add what happened after the time, e.g. "10:40 deploy started"'),
        ("ieri alle 9:05  ", "Add what happened after the time"),
    ],
)
def test_note_refusals_say_what_was_wrong(typed: str, message: str) -> None:
    with pytest.raises(TimeParseError) as err:
        parse_note(typed, now=ROME_SPRING, tz=ROME)
    assert message in err.value.message
    assert isinstance(err.value, ValueError)
    assert err.value.examples


@pytest.mark.parametrize("typed", ["", "garbage", "10:40 foo", "yesterday", "18:30", "25:00"])
def test_parse_at_refuses_anything_but_a_past_time(typed: str) -> None:
    with pytest.raises(TimeParseError):
        parse_at(typed, now=ROME_SPRING, tz=ROME)


def test_languages_limit_the_words_understood() -> None:
    with pytest.raises(TimeParseError, match=r"\(languages: en\)"):
        parse_note("ieri 14:30 x", now=ROME_SPRING, tz=ROME, languages=("en",))
    got = parse_note("yesterday 14:30 x", now=ROME_SPRING, tz=ROME, languages=("en",))
    assert got.at == utc(2026, 3, 28, 13, 30)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_note("10:40 x", now=datetime(2026, 3, 29, 12), tz=ROME)  # noqa: DTZ001


def test_format_local() -> None:
    assert clock(utc(2026, 4, 30, 8, 40), ROME) == "10:40"


PREFIXES = ["", "10:40 ", "ieri alle ", "yesterday ", "5 minuti fa ", "at ", "30/04 ", "2.1"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(PREFIXES),
    text=st.text(max_size=30),
    now=st.datetimes(  # hypothesis takes naive bounds: the test makes the values UTC
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    ),
    tz=st.sampled_from([ROME, NY, "UTC", "Asia/Kathmandu"]),
)
def test_random_text_only_ever_raises_time_parse_error(
    prefix: str, text: str, now: datetime, tz: str
) -> None:
    now = now.replace(tzinfo=UTC)
    for parse in (parse_note, parse_at):
        try:
            got = parse(prefix + text, now=now, tz=tz)
        except TimeParseError as err:
            refused = err.message
            assert refused, "a refusal says why"
            continue
        at = got.at if isinstance(got, TimedText) else got
        if at is not None:
            assert at.tzinfo is UTC
            assert at <= now
