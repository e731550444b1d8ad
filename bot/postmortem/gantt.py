"""The Mermaid `gantt` chart of feature outages and maintenance windows.

Built in code rather than in the template: Mermaid's task syntax breaks on `:` and `#` and a
stray backtick would end the code fence, so names are reduced to a safe alphabet here.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.models import FeatureState
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.formatting import Formatter
from bot.postmortem.impact import IMPACT_STATES

_UNSAFE = re.compile(r"[^\w .,()/'+-]")
_TAGS = {FeatureState.down: "crit, ", FeatureState.degraded: "active, "}


# Words Mermaid's gantt grammar reads as a statement at the start of a line (any case).
_KEYWORDS = {
    "section", "title", "dateformat", "axisformat", "tickinterval", "excludes", "includes",
    "todaymarker", "weekday", "weekend", "click", "inclusiveenddates", "topaxis",
    "displaymode", "acctitle", "accdescr", "gantt",
}  # fmt: skip


def task_name(text: str) -> str:
    """A Mermaid-safe label: no `:`, `#`, `;`, backticks or markup, on one line, and quoted
    when it starts with one of Mermaid's keywords (`section …` would start a section)."""
    name = " ".join(_UNSAFE.sub(" ", text).split()) or "-"
    first = name.split(" ", 1)[0].lower()
    return f"“{name}”" if first in _KEYWORDS or first.startswith("acc") else name


def _task(fmt: Formatter, name: str, tag: str, start: datetime, end: datetime) -> str:
    return f"    {task_name(name)} :{tag}{fmt.stamp(start)}, {fmt.stamp(end)}"


def gantt(facts: PostmortemFacts, fmt: Formatter, title: str) -> str:
    """The chart as a fenced Markdown block, or "" when there is nothing to draw."""
    end = facts.end
    ph = fmt.phrases
    features = [
        _task(fmt, f"{i.feature} ({ph.states[i.state]})", _TAGS[i.state], i.started_at, stop)
        for i in sorted(facts.intervals, key=lambda i: (i.started_at, i.feature))
        if i.state in IMPACT_STATES and (stop := min(i.ended_at or end, end)) > i.started_at
    ]
    windows = [
        _task(
            fmt,
            f"{w.target} {w.provider}" + (f" ({ph.dry_run_label})" if w.dry_run else ""),
            "done, " if w.dry_run else "",
            w.started_at,
            stop,
        )
        for w in sorted(facts.windows, key=lambda w: (w.started_at, w.target))
        if (stop := min(w.ended_at or end, end)) > w.started_at
    ]
    if not features and not windows:
        return ""
    lines = [
        "```mermaid",
        "gantt",
        f"    title {task_name(title)}",
        "    dateFormat YYYY-MM-DD HH:mm",
        "    axisFormat %H:%M",
    ]
    if features:
        lines += [f"    section {ph.gantt_features}", *features]
    if windows:
        lines += [f"    section {ph.gantt_maintenance}", *windows]
    return "\n".join([*lines, "```"])
