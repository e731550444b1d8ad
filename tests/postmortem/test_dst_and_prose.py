"""Times that agree with their durations across DST, and drafts free of Slack markup.

Spring-forward (New York, 01:10 EST -> 03:20 EDT = 70 min) and fall-back (Rome, 23:45 CEST ->
02:40 CET = 235 min), in both languages; offsets are shown only when the span crosses a change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import EntryKind, FeatureInterval, FeatureState, TimelineEntry
from bot.postmortem import CloseInputs, PostmortemFacts, render
from bot.postmortem.formatting import Formatter
from bot.postmortem.phrases import LANGUAGES
from bot.time import durations

from .story import build_story, incident


def facts(zone: str, down: datetime, up: datetime, entries: list[TimelineEntry]) -> PostmortemFacts:
    inc = incident(timezone=zone, declared_at=down, resolved_at=up, closed_at=up, last_update_at=up)
    interval = FeatureInterval(
        id=1,
        incident_id=3,
        feature="Quotes",
        state=FeatureState.down,
        started_at=down,
        ended_at=up,
    )

    def entry(n: int, kind: EntryKind, at: datetime, **data: str) -> TimelineEntry:
        return TimelineEntry(
            id=n, incident_id=3, kind=kind, occurred_at=at, recorded_at=at, data=data
        )

    recorded = [
        entry(1, EntryKind.declared, down),
        entry(2, EntryKind.feature, down, feature="Quotes", state="down"),
        entry(3, EntryKind.feature, up, feature="Quotes", state="up"),
        entry(4, EntryKind.resolved, up),
    ]
    return PostmortemFacts(
        incident=inc,
        entries=recorded + entries,
        intervals=[interval],
        windows=[],
        inputs=CloseInputs(),
        user_names={"U0CAROL01": "Carol", "U03NICO": "Nicolai Kollner"},
        channel_url=None,
        now=up,
    )


def local(zone: str, *parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)  # type: ignore[misc]


NY, ROME = "America/New_York", "Europe/Rome"
CASES = {
    "spring-forward": (
        NY,
        local(NY, 2025, 3, 9, 1, 10, 30),
        local(NY, 2025, 3, 9, 3, 20, 10),
        ("01:10 EST", "03:20 EDT"),
        {"en": "1 hour and 10 minutes", "it": "1 ora e 10 minuti"},
        {"en": "clocks went forward from 02:00 EST to 03:00 EDT", "it": "portati avanti"},
    ),
    "fall-back": (
        ROME,
        local(ROME, 2025, 10, 25, 23, 45, 50),
        local(ROME, 2025, 10, 26, 2, 40, 5, fold=1),
        ("23:45 CEST", "02:40 CET"),
        {"en": "3 hours and 55 minutes", "it": "3 ore e 55 minuti"},
        {
            "en": "clocks went back from 03:00 CEST on 26 October to 02:00 CET",
            "it": "portati indietro",
        },
    ),
}


@pytest.mark.parametrize("language", ["en", "it"])
@pytest.mark.parametrize("case", list(CASES))
def test_across_a_change_times_carry_their_offset(case: str, language: str) -> None:
    zone, down, up, shown, duration, note = CASES[case]
    for audience in ("customer", "internal"):
        draft = render(facts(zone, down, up, []), audience=audience, language=language)  # type: ignore[arg-type]
        assert duration[language] in draft
        assert note[language] in draft
        for time in shown:
            assert time in draft
    internal = render(facts(zone, down, up, []), audience="internal", language=language)
    assert f"| {shown[0].split()[0]}" not in internal.replace(shown[0], "")  # none plain
    # The chart names both offsets and places every bar by its offset: 01:10 EST to 03:20
    # EDT is a bar of 1 h 10 min, not 2 h 10 min of wall clock.
    chart = internal[internal.index("```mermaid") :]
    before, after = (time.split()[1] for time in shown)
    assert f"({before}/{after})" in chart
    assert "dateFormat YYYY-MM-DD HH:mm ZZ" in chart
    offsets = {t.astimezone(ZoneInfo(zone)).strftime("%z") for t in (down, up)}
    assert len(offsets) == 2
    for offset in offsets:
        assert offset in chart


@pytest.mark.parametrize("language", ["en", "it"])
def test_without_a_change_times_stay_plain(language: str) -> None:
    down, up = local(NY, 2025, 3, 10, 1, 10, 30), local(NY, 2025, 3, 10, 3, 20, 10)
    draft = render(facts(NY, down, up, []), audience="customer", language=language)
    assert "01:10" in draft
    internal = render(facts(NY, down, up, []), audience="internal", language=language)
    assert "dateFormat YYYY-MM-DD HH:mm\n" in internal  # the chart without offsets too
    assert "EST" not in draft
    assert "EDT" not in draft
    assert "clocks" not in draft
    assert "orologi" not in draft
    assert ("2 hours and 10 minutes" if language == "en" else "2 ore e 10 minuti") in draft


@pytest.mark.parametrize("language", ["en", "it"])
def test_bot_reminders_and_mentions_read_as_prose(language: str) -> None:
    story = build_story(language)
    nudge = TimelineEntry(
        id=99,
        incident_id=3,
        kind=EntryKind.nudge,
        occurred_at=story.incident.declared_at + timedelta(minutes=30),
        recorded_at=story.incident.declared_at + timedelta(minutes=30),
        text=":alarm_clock: <@U03NICO> no status update on INC-3 for 30 min. Post one: "
        "`/incident status identified`, or `/incident note <what changed>`.",
        data={"lead": "U03NICO", "quiet_minutes": 30},
    )
    rollback = TimelineEntry(
        id=100,
        incident_id=3,
        kind=EntryKind.message,
        occurred_at=story.incident.declared_at + timedelta(minutes=31),
        recorded_at=story.incident.declared_at + timedelta(minutes=31),
        actor="U01MARCO",
        text="Rolling back 4812, ping <@U0CAROL01>",
        is_key=True,
        data={"marks": ["public:U01MARCO"]},
    )
    names = story.user_names | {"U0CAROL01": "Carol"}
    story = PostmortemFacts(
        **{**story.__dict__, "entries": [*story.entries, nudge, rollback], "user_names": names}
    )
    internal = render(story, audience="internal", language=language)
    customer = render(story, audience="customer", language=language)
    reminder = {
        "en": "Reminder to Nicolai Kollner: no status update for 30 minutes",
        "it": "Promemoria a Nicolai Kollner: nessun aggiornamento di stato da 30 minuti",
    }
    assert reminder[language] in internal
    assert "Rolling back 4812, ping Carol" in internal
    assert "Rolling back 4812, ping" in customer
    assert "Carol" not in customer  # public text names nobody
    for draft in (internal, customer):
        for markup in (":alarm_clock:", "&lt;", "&gt;", "\\`", "<@", "/incident"):
            assert markup not in draft


ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
EDGES = [
    datetime(2025, 3, 9, 7, tzinfo=UTC),  # New York springs forward
    datetime(2025, 3, 30, 1, tzinfo=UTC),  # Europe springs forward
    datetime(2025, 10, 26, 1, tzinfo=UTC),  # Europe falls back
    datetime(2025, 11, 2, 6, tzinfo=UTC),  # New York falls back
    datetime(2025, 4, 5, 16, tzinfo=UTC),  # Sydney falls back
]
instants = st.one_of(
    st.builds(
        lambda edge, s: edge + timedelta(seconds=s),
        st.sampled_from(EDGES),
        st.integers(-6 * 3600, 6 * 3600),
    ),
    # Hypothesis takes naive bounds and makes naive values: made UTC at once.
    st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(  # noqa: DTZ001
        lambda d: d.replace(tzinfo=UTC)
    ),
)


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), start=instants, length=st.integers(0, 30 * 3600))
def test_a_duration_is_the_difference_of_the_shown_endpoints(
    zone: str, start: datetime, length: int
) -> None:
    end = start + timedelta(seconds=length, microseconds=start.microsecond % 997)
    fmt = Formatter("en", LANGUAGES["en"], zone, start, (start, end))
    shown = [fmt.local(t) for t in (start, end)]
    # What a reader sees: the wall-clock minute and, across a change, the offset beside it.
    if fmt.change is None:
        assert shown[0].utcoffset() == shown[1].utcoffset()
    else:
        assert fmt.time(start).endswith(shown[0].tzname() or "")
    read = [
        datetime(s.year, s.month, s.day, s.hour, s.minute, tzinfo=UTC)
        - (s.utcoffset() or timedelta())
        for s in shown
    ]
    assert durations.between(start, end) == read[1] - read[0]
    assert fmt.duration(durations.between(start, end)) == fmt.duration(read[1] - read[0])
