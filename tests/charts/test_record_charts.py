"""The team's record as pictures, read back from the PNG: stacked downtime per period, time to
detect and to resolve per month, incidents per month by severity, follow-ups open versus done.

The record covers April to June 2025 with nothing in May, so each chart has an empty month."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.charts.figure import BLUE, GREEN, ORANGE, VERMILLION, YELLOW
from bot.i18n import texts
from bot.record.pictures import downtime, followups, severities, times
from bot.record.service import Downtime, Record, Spread

from .pixels import Picture, near

WHITE = "#FFFFFF"


def test_downtime_stacks_each_feature_in_its_period() -> None:
    # April: Quotes 6 h 50 min; May: Purchases 1 h; June: nothing.
    record = Downtime(
        ["2025-04", "2025-05", "2025-06"],
        {
            "2025-04": {"Quotes": timedelta(minutes=410)},
            "2025-05": {"Purchases": timedelta(hours=1)},
            "2025-06": {},
        },
    )
    chart = Picture(downtime(texts("it"), record, "Fermi", lambda t, period: period))
    assert chart.size[0] >= 1200
    assert near(chart.point(1, 0.5), BLUE)  # Purchases, the first series: solid
    assert near(chart.point(1, 1.5), WHITE)
    assert not near(chart.point(0, 6.5), WHITE)  # Quotes, hatched, up to 6.83 h
    assert near(chart.point(0, 7.2), WHITE)
    assert near(chart.point(2, 0.2), WHITE)
    assert "ore fuori servizio" in chart.texts()


def minutes(*values: int) -> Spread:
    return Spread.of([timedelta(minutes=v) for v in values])


RECORD = Record(
    since=datetime(2025, 4, 1, tzinfo=UTC),
    until=datetime(2025, 7, 1, tzinfo=UTC),
    incidents=4,
    # April: a SEV1 and two SEV3; May: none; June: a SEV2.
    by_month={"2025-04": Counter(sev1=1, sev3=2), "2025-06": Counter(sev2=1)},
    detect=minutes(10, 30, 30, 45),
    mitigate=minutes(60, 60, 90, 120),
    resolve=minutes(120, 180, 300, 360),
    down={},
    degraded={},
    offline=timedelta(),
    followups=Counter(open=3, overdue=1, done=5),  # none "not doing"
    monthly=Downtime(
        ["2025-04", "2025-05", "2025-06"], {"2025-04": {}, "2025-05": {}, "2025-06": {}}
    ),
    # Detect: April median 20 min, p90 30 min; June 45 min. Resolve: April 2 h 30 / 3 h; June 6 h.
    detect_by_month={"2025-04": minutes(10, 30), "2025-05": minutes(), "2025-06": minutes(45)},
    resolve_by_month={"2025-04": minutes(120, 180), "2025-05": minutes(), "2025-06": minutes(360)},
)
MEDIAN, P90 = -0.18, 0.18  # where each bar sits, around its month


def hatched(chart: Picture, x: float, y: float, colour: str, panel: int = 0) -> bool:
    """`colour` with the hatch's dark strokes, along 60 pixels from (x, y)."""
    line = [chart.point(x, y, dx, panel) for dx in range(-30, 30)]
    return any(near(p, colour) for p in line) and any(sum(p) < 200 for p in line)


def test_times_per_month_draw_median_solid_and_p90_hatched_up_to_their_values() -> None:
    chart = Picture(times(texts("en"), RECORD, "Times"))
    assert chart.size[0] >= 1200
    detect, resolve = 0, 1  # the panels, top to bottom
    assert near(chart.point(0 + MEDIAN, 19, panel=detect), BLUE)  # April, 20 min
    assert near(chart.point(0 + MEDIAN, 22, panel=detect), WHITE)
    assert hatched(chart, 0 + P90, 28, ORANGE, detect)  # 30 min
    assert near(chart.point(0 + P90, 32, panel=detect), WHITE)
    assert near(chart.point(2 + MEDIAN, 43, panel=detect), BLUE)  # June, 45 min both
    assert hatched(chart, 2 + P90, 43, ORANGE, detect)
    assert near(chart.point(0 + MEDIAN, 2.4, panel=resolve), BLUE)  # April, 2 h 30 min
    assert near(chart.point(0 + MEDIAN, 2.6, panel=resolve), WHITE)
    assert hatched(chart, 0 + P90, 2.9, ORANGE, resolve)  # 3 h
    assert near(chart.point(0 + P90, 3.1, panel=resolve), WHITE)
    for panel in (detect, resolve):  # May had no incident: no bar at all
        for shift in (MEDIAN, P90):
            assert near(chart.point(1 + shift, 0.3, panel=panel), WHITE)
    for label in ("median", "90th percentile", "minutes", "hours", "Apr 2025", "May 2025"):
        assert label in chart.texts()


def test_incidents_per_month_stack_each_severity_in_its_colour() -> None:
    chart = Picture(severities(texts("en"), RECORD, "Incidents"))
    assert near(chart.point(0, 0.5), VERMILLION)  # April: SEV1 at the bottom, solid
    assert any(near(chart.point(0, 2, dx), YELLOW) for dx in range(-30, 30))  # two SEV3 on top
    assert not near(chart.point(0, 1.5), VERMILLION)
    assert near(chart.point(0, 3.15), WHITE)
    assert near(chart.point(1, 0.5), WHITE)  # May: none
    assert hatched(chart, 2, 0.5, ORANGE)  # June: one SEV2, hatched
    assert near(chart.point(2, 1.5), WHITE)
    for label in ("SEV1", "SEV2", "SEV3", "SEV4", "incidents"):
        assert label in chart.texts()


def test_followups_draw_open_and_done_as_long_as_their_counts() -> None:
    chart = Picture(followups(texts("en"), RECORD, "Follow-ups"))
    rows = {label: chart.row(label) for label in ("Open", "Overdue (open)", "Done", "Not doing")}
    assert near(chart.point(2.5, rows["Open"]), BLUE)  # 3, solid
    assert near(chart.point(3.5, rows["Open"]), WHITE)
    assert hatched(chart, 0.5, rows["Overdue (open)"], ORANGE)  # 1
    assert near(chart.point(1.5, rows["Overdue (open)"]), WHITE)
    assert any(near(chart.point(4.5, rows["Done"], dx), GREEN) for dx in range(-30, 30))  # 5
    assert near(chart.point(5.5, rows["Done"]), WHITE)
    assert near(chart.point(0.5, rows["Not doing"]), WHITE)  # 0
    for number in ("3", "1", "5", "0"):
        assert number in chart.texts()
