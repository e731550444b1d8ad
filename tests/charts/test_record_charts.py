"""The team's record as pictures: stacked downtime per period, read back from the PNG."""

from __future__ import annotations

from datetime import timedelta

from bot.charts.figure import BLUE
from bot.i18n import texts
from bot.record.pictures import downtime
from bot.record.service import Downtime

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
