"""The team's record as pictures, for `outagebot report --format html|png` and the Monday
digest: downtime per feature per month (and per week), time to detect and to resolve per month,
incidents per month by severity, follow-ups open versus done. Values come from `Record`, the
same figures the Markdown and CSV reports print; drawing is `bot.charts`'."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date
from matplotlib.figure import Figure

from bot.charts import counts, spread, stacked
from bot.charts.figure import ORANGE, SKY, VERMILLION, YELLOW, hours, png
from bot.i18n import Texts
from bot.record.render import SEVERITIES
from bot.record.service import Downtime, Record, Spread

WEEKS = 12
WEEKLY_NAME = "downtime-12-weeks.png"


@dataclass(frozen=True)
class Chart:
    name: str  # file stem: "downtime-per-month"
    title: str
    png: bytes


def _month(t: Texts, period: str) -> str:
    return format_date(date.fromisoformat(period + "-01"), "MMM y", locale=t.locale)


def _week(t: Texts, period: str) -> str:
    return format_date(date.fromisoformat(period), "d MMM", locale=t.locale)


def downtime(t: Texts, record: Downtime, title: str, label: Callable[[Texts, str], str]) -> Figure:
    series = {
        name: [hours(record.down[p].get(name, timedelta())) for p in record.periods]
        for name in record.features
    }
    periods = [label(t, p) for p in record.periods]
    return stacked.figure(title, periods, series, t._("hours down"))


def _values(spreads: Sequence[Spread], unit: timedelta) -> tuple[list[float | None], ...]:
    def value(delta: timedelta | None) -> float | None:
        return None if delta is None else delta / unit

    return [value(s.median) for s in spreads], [value(s.p90) for s in spreads]


def times(t: Texts, record: Record, title: str) -> Figure:
    months = record.monthly.periods
    detect = _values([record.detect_by_month.get(m, Spread.of([])) for m in months],
                     timedelta(minutes=1))  # fmt: skip
    resolve = _values([record.resolve_by_month.get(m, Spread.of([])) for m in months],
                      timedelta(hours=1))  # fmt: skip
    panels = [
        spread.Panel(t._("Time to detect (first symptom to declared)"), t._("minutes"), *detect),
        spread.Panel(t._("Time to resolve (first symptom to resolved)"), t._("hours"), *resolve),
    ]
    labels = [_month(t, m) for m in months]
    return spread.figure(title, labels, panels, t._("median"), t._("90th percentile"))


def severities(t: Texts, record: Record, title: str) -> Figure:
    months = record.monthly.periods
    series = {
        s.upper(): [float(record.by_month.get(m, Counter())[s]) for m in months] for s in SEVERITIES
    }
    labels = [_month(t, m) for m in months]
    colours = (VERMILLION, ORANGE, YELLOW, SKY)
    return stacked.figure(title, labels, series, t._("incidents"), colours, whole=True)


def followups(t: Texts, record: Record, title: str) -> Figure:
    f = record.followups
    shown = [
        (t.pgettext("chart", "Open"), f["open"]),
        (t.pgettext("chart", "Overdue (open)"), f["overdue"]),
        (t.pgettext("chart", "Done"), f["done"]),
        (t.pgettext("chart", "Not doing"), f["not_doing"]),
    ]
    return counts.figure(title, shown)


def charts(t: Texts, record: Record) -> list[Chart]:
    """Every picture of the report, in the order the HTML shows them."""
    titles = {
        "downtime-per-month": t._("Downtime per feature, per month"),
        "times-per-month": t._("Time to detect and to resolve, per month"),
        "incidents-per-month": t._("Incidents per month, by severity"),
        "followups": t._("Follow-ups, open versus done"),
    }
    figures = {
        "downtime-per-month": downtime(t, record.monthly, titles["downtime-per-month"], _month),
        "times-per-month": times(t, record, titles["times-per-month"]),
        "incidents-per-month": severities(t, record, titles["incidents-per-month"]),
        "followups": followups(t, record, titles["followups"]),
    }
    return [Chart(name, titles[name], png(figure)) for name, figure in figures.items()]


def weekly(t: Texts, record: Downtime) -> bytes:
    """The Monday digest's picture: downtime per feature in each of the last 12 weeks."""
    title = t._("Downtime per feature, last {weeks} weeks").format(weeks=len(record.periods))
    return png(downtime(t, record, title, _week))
