"""The record as Markdown (for people, in the team's language), CSV (stable English keys, for
spreadsheets) and App Home lines."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from babel.dates import format_date
from slack_sdk.models.blocks import DividerBlock, SectionBlock

from bot.i18n import Texts
from bot.models import Severity
from bot.record.service import Record, Spread
from bot.time.durations import short

SEVERITIES = [s.value for s in Severity]


def _minutes(delta: timedelta | None) -> str:
    return "" if delta is None else str(int(delta.total_seconds() // 60))


def first_symptom_rule(t: Texts) -> str:
    """What the times are measured from, said where they are shown."""
    return t._(
        "_The first symptom is the earliest feature marked down or degraded (the declaration"
        " when none was); notes do not move it._"
    )


def _spread(t: Texts, spread: Spread, *, outages: bool = False) -> str:
    """Median and p90 with what they were measured over: incidents, or (detection by source)
    the features' outages."""
    if spread.median is None or spread.p90 is None:
        return t._("no data")
    if outages:
        counted = t.ngettext(
            "median {median}, p90 {p90} ({n} outage)",
            "median {median}, p90 {p90} ({n} outages)",
            spread.count,
        )
    else:
        counted = t.ngettext(
            "median {median}, p90 {p90} ({n} incident)",
            "median {median}, p90 {p90} ({n} incidents)",
            spread.count,
        )
    return counted.format(median=short(spread.median), p90=short(spread.p90), n=spread.count)


def _found_by(t: Texts, by: str) -> str:
    """The detection delay of outages found by a person, a check or an alert."""
    if by == "check":
        return t._("Outage start to detection, found by a check: {spread}")
    if by == "alert":
        return t._("Outage start to detection, found by an alert: {spread}")
    return t._("Outage start to detection, found by a person: {spread}")


def heading(t: Texts, record: Record) -> str:
    since = format_date(record.since, "d MMM y", locale=t.locale)
    until = format_date(record.until, "d MMM y", locale=t.locale)
    return t._("Incident record, {since} – {until}").format(since=since, until=until)


def times(t: Texts, record: Record) -> list[str]:
    return [
        t._("To detect (declared): {spread}").format(spread=_spread(t, record.detect)),
        t._("To mitigate: {spread}").format(spread=_spread(t, record.mitigate)),
        t._("To resolve: {spread}").format(spread=_spread(t, record.resolve)),
        *(
            _found_by(t, by).format(spread=_spread(t, spread, outages=True))
            for by, spread in record.detect_by.items()
        ),
    ]


def features(t: Texts, record: Record) -> list[str]:
    """A line per feature with its time down and degraded, or one saying none was down."""
    names = sorted(set(record.down) | set(record.degraded))
    return [
        t._("{feature}: down {down}, degraded {degraded}").format(
            feature=name,
            down=short(record.down.get(name, timedelta())),
            degraded=short(record.degraded.get(name, timedelta())),
        )
        for name in names
    ] or [t._("No feature was down.")]


def followups(t: Texts, record: Record) -> str:
    f = record.followups
    return t._("{open} open ({overdue} overdue), {done} done, {dropped} not doing.").format(
        open=f["open"], overdue=f["overdue"], done=f["done"], dropped=f["not_doing"]
    )


def count(t: Texts, record: Record) -> str:
    return t.ngettext("{n} incident.", "{n} incidents.", record.incidents).format(
        n=record.incidents
    )


def offline(t: Texts, record: Record) -> str:
    return t._("The app offline (maintenance): {offline}").format(offline=short(record.offline))


def markdown(t: Texts, record: Record) -> str:
    lines = [
        "# " + heading(t, record),
        "",
        count(t, record),
        "",
        "## " + t._("By month and severity"),
        "",
        "| " + t._("Month") + " | " + " | ".join(s.upper() for s in SEVERITIES) + " |",
        "|---|" + "---:|" * len(SEVERITIES),
    ]
    for month, counts in record.by_month.items():
        lines.append(f"| {month} | " + " | ".join(str(counts[s]) for s in SEVERITIES) + " |")
    lines += ["", "## " + t._("Times, from the first symptom"), "", first_symptom_rule(t), ""]
    lines += ["- " + line for line in times(t, record)]
    lines += ["", "## " + t._("Downtime per feature"), ""]
    lines += ["- " + line for line in features(t, record)]
    lines += [
        "",
        "- " + offline(t, record),
        "",
        "## " + t._("Follow-ups"),
        "",
        followups(t, record),
        "",
    ]
    return "\n".join(lines)


def csv_text(record: Record) -> str:
    """One figure a row: `metric,key,value`; durations in whole minutes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "key", "value"])
    writer.writerow(["incidents", "", record.incidents])
    for month, counts in record.by_month.items():
        for severity in SEVERITIES:
            writer.writerow(["incidents_by_month", f"{month}/{severity}", counts[severity]])
    for name, spread in (
        ("detect_minutes", record.detect),
        ("mitigate_minutes", record.mitigate),
        ("resolve_minutes", record.resolve),
    ):
        writer.writerow([name, "median", _minutes(spread.median)])
        writer.writerow([name, "p90", _minutes(spread.p90)])
    for by, spread in record.detect_by.items():
        writer.writerow(["detect_by_minutes", f"{by}/median", _minutes(spread.median)])
        writer.writerow(["detect_by_minutes", f"{by}/p90", _minutes(spread.p90)])
    for feature, took in record.down.items():
        writer.writerow(["down_minutes", feature, _minutes(took)])
    for feature, took in record.degraded.items():
        writer.writerow(["degraded_minutes", feature, _minutes(took)])
    writer.writerow(["offline_minutes", "", _minutes(record.offline)])
    for status in ("open", "overdue", "done", "not_doing"):
        writer.writerow(["followups", status, record.followups[status]])
    return out.getvalue()


def home_lines(t: Texts, record: Record) -> list[str]:
    """App Home's few lines: the last 90 days at a glance."""
    f = record.followups
    worst = sorted(record.down.items(), key=lambda item: -item[1])[:3]
    lines = [
        t.ngettext("{n} incident", "{n} incidents", record.incidents).format(n=record.incidents)
        + " · "
        + t._("to resolve: {spread}").format(spread=_spread(t, record.resolve)),
        t._("To detect: {spread}").format(spread=_spread(t, record.detect)),
    ]
    if worst:
        shown = ", ".join(f"{name} {short(took)}" for name, took in worst)
        lines.append(t._("Most down: {features}").format(features=shown))
    lines.append(
        t._("Follow-ups: {open} open, {overdue} overdue, {done} done").format(
            open=f["open"], overdue=f["overdue"], done=f["done"]
        )
    )
    return lines


def home_blocks(t: Texts, record: Record, days: int) -> list[Any]:
    """App Home's section: the last `days` days at a glance, computed like `outagebot report`."""
    head = t._("*The team's record, last {days} days*").format(days=days)
    lines = "\n".join(home_lines(t, record))
    return [DividerBlock(), SectionBlock(text=f"{head}\n{lines}")]
