"""The impact chart, opened as a PNG: bars where the record says, nothing where it does not.

Seed day: the outage report's 29-30 April (Acquisti 29/04 14:00 -> 30/04 14:30, Offerte
10:40 -> 17:30, web offline 10:45 -> 13:15). DST: New York's spring-forward night, 01:10 EST ->
03:20 EDT, which is 70 minutes, not 2 h 10 min.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.charts.figure import BLACK, BLUE, GREEN, ORANGE, VERMILLION
from bot.charts.impact import Bar, ChangeMarker, Emphasis, ImpactPicture, Moment, figure, x_of
from bot.models import FeatureInterval, FeatureState
from bot.postmortem.picture import picture
from tests.postmortem.story import at, build_story
from tests.postmortem.test_dst_and_prose import CASES, facts

from .pixels import Picture, near

WHITE = "#FFFFFF"
BAND = "#D5ECFA"  # the incident's band: sky blue at a quarter over white


def seed_day(language: str) -> Picture:
    return Picture(figure(picture(build_story(language), language)))


def test_seed_day_bars_start_and_end_on_the_recorded_minutes() -> None:
    chart = seed_day("it")
    width, height = chart.size
    assert width >= 1200
    assert height >= 500
    start, end = at(29, 14, 0), at(30, 14, 30)
    assert near(chart.at(start, "Acquisti", +2), VERMILLION)
    assert near(chart.at(start, "Acquisti", -3), WHITE)  # nothing before 14:00 on the 29th
    assert near(chart.at(end, "Acquisti", -2), VERMILLION)
    assert near(chart.at(end, "Acquisti", +3), BAND)  # back before the incident ended
    assert near(chart.at(at(30, 10, 40), "Offerte", +2), VERMILLION)
    assert near(chart.at(at(30, 10, 40), "Offerte", -3), WHITE)
    assert near(chart.at(at(30, 17, 30), "Offerte", -2), VERMILLION)
    assert near(chart.at(at(30, 12, 0), "Manutenzione"), BLUE)
    assert near(chart.at(at(30, 13, 15), "Manutenzione", +3), BAND)
    assert near(chart.at(at(30, 9, 0), "Manutenzione"), WHITE)


def test_seed_day_reads_in_italian_with_dates_across_midnight() -> None:
    texts = seed_day("it").texts()
    for label in (
        "Momenti chiave",
        "Manutenzione",
        "Fuori servizio",
        "Fuori linea per manutenzione",
    ):
        assert label in texts
    assert any(text.startswith("Impatto di INC-3:") for text in texts)
    ticks = [t for t in texts if "\n" in t]
    assert any(t.endswith("29 apr") for t in ticks)
    assert any(t.endswith("30 apr") for t in ticks)
    assert "Maintenance" not in texts
    assert "Down" not in texts
    assert "24 h 30 min" in texts
    assert "6 h 50 min" in texts


@pytest.mark.parametrize(
    ("case", "minutes", "offsets", "dates"),
    [
        ("spring-forward", 70, ("EST", "EDT"), ()),  # 01:10 EST -> 03:20 EDT, one night
        ("fall-back", 235, ("CEST", "CET"), ("26 ott",)),  # 23:45 CEST (25th) -> 02:40 CET
    ],
)
def test_dst_night_bars_are_as_long_as_they_were_and_ticks_carry_both_offsets(
    case: str, minutes: int, offsets: tuple[str, str], dates: tuple[str, ...]
) -> None:
    zone, down, up, *_ = CASES[case]
    chart = Picture(figure(picture(facts(zone, down, up, []), "it")))
    first, last = down.replace(second=0), up.replace(second=0)
    assert last - first == timedelta(minutes=minutes)
    assert near(chart.at(first, "Quotes", +2), VERMILLION)
    assert near(chart.at(first, "Quotes", -3), WHITE)
    assert near(chart.at(last, "Quotes", -2), VERMILLION)
    assert not near(chart.at(last, "Quotes", +3), VERMILLION)
    texts = chart.texts()
    before, after = offsets
    assert any(t.split("\n")[0].endswith(f" {before}") for t in texts)
    assert any(t.split("\n")[0].endswith(f" {after}") for t in texts)
    assert f"{before} → {after}" in texts  # the change itself, a dashed line
    for day in dates:  # past midnight the ticks say which day
        assert any(t.endswith(f"\n{day}") for t in texts)


def test_degraded_is_hatched_and_down_is_solid() -> None:
    story = build_story("en")
    degraded = FeatureInterval(
        id=3,
        incident_id=3,
        feature="Search $\\nope{",  # typed text: never TeX
        state=FeatureState.degraded,
        started_at=at(30, 11, 0),
        ended_at=at(30, 16, 0),
    )
    chart = Picture(figure(picture(replace(story, intervals=[*story.intervals, degraded]), "en")))
    line = [chart.at(at(30, 12, 0), "Search $\\nope{", dx) for dx in range(0, 60)]
    assert any(near(p, ORANGE) for p in line)
    assert any(sum(p) < 200 for p in line)  # the hatch's dark strokes
    solid = [chart.at(at(30, 12, 0), "Quotes", dx) for dx in range(0, 60)]
    assert all(near(p, VERMILLION) for p in solid)


def _deploys(emphasis: Emphasis) -> Picture:
    """Checkout down 10:00 -> 11:30 (UTC) in an incident declared 10:00, resolved 12:00: v119
    deployed at 10:05 (just seen), v120 at 10:35 (marked `emphasis`), a key moment at 10:50."""
    return Picture(
        figure(
            ImpactPicture(
                number="INC-7",
                title="Checkout slow",
                language="en",
                timezone="UTC",
                declared=utc(10, 0),
                resolved=utc(12, 0),
                features=["Checkout"],
                bars=[Bar("Checkout", utc(10, 0), utc(11, 30), "down", "1 h 30 min")],
                moments=[Moment(utc(10, 50), "Rollback started on every web node")],
                changes=[
                    ChangeMarker(utc(10, 5), "v119 api", "change"),
                    ChangeMarker(utc(10, 35), "v120 web", emphasis),
                ],
            )
        )
    )


def utc(hour: int, minute: int) -> datetime:
    return datetime(2025, 4, 30, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(("emphasis", "word"), [("suspect", "suspect"), ("caused", "caused it")])
def test_change_markers_sit_on_their_deploy_time_and_the_marked_one_stands_out(
    emphasis: Emphasis, word: str
) -> None:
    chart = _deploys(emphasis)
    plain, marked = utc(10, 5), utc(10, 35)
    for when in (plain, marked):
        assert near(chart.at(when, "Changes"), BLACK)
        assert near(chart.at(when, "Changes", -20), BAND)  # its label is on the right
        assert near(chart.at(when - timedelta(minutes=3), "Changes"), BAND)
    assert chart.run(marked, "Changes", BLACK, 60) > chart.run(plain, "Changes", BLACK, 60) + 4

    def line(when: datetime) -> list[bool]:  # down the rows above the changes, at `when`
        return [near(chart.point(x_of(when), y / 50), BLACK, 60) for y in range(-25, 75)]

    assert any(line(marked))  # the marked change's dotted line crosses every row
    assert not any(line(plain))
    texts = chart.texts()
    assert "v119 api" in texts
    assert f"v120 web · {word}" in texts


def test_a_key_moment_is_a_tick_at_its_time_with_a_short_label() -> None:
    chart = _deploys("caused")
    moment = utc(10, 50)
    assert near(chart.at(moment, "Key moments"), GREEN)
    for dx in (-6, +6):
        assert near(chart.at(moment, "Key moments", dx), BAND)
    assert not near(chart.at(moment, "Checkout"), GREEN)  # the tick stays in its lane
    texts = chart.texts()
    assert "Rollback started on eve…" in texts
    assert "Rollback started on every web node" not in texts
