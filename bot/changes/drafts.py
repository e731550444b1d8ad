"""The drafts' share of change events: the internal *Changes* section, the detection delay
of each outage, and the customer post's plain-words cause.

Facts are gathered once (`gather`, from the database) and phrased per draft (`phrase`, in the
draft's language with its formatter), so the CLI and Slack drafts read the same record. The
customer post names a cause only when a responder marked a change *Caused it*, and never by
its internal version string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from bot.changes.messages import gap
from bot.changes.models import ChangeEvent, Mark
from bot.changes.suspects import impacts_of
from bot.checks.drafts import detected
from bot.i18n import Texts, texts
from bot.models import EntryKind, FeatureInterval, Incident, TimelineEntry
from bot.slack.mrkdwn import escape_markdown

if TYPE_CHECKING:
    from bot.changes.service import Changes
    from bot.postmortem.formatting import Formatter


@dataclass(frozen=True)
class Outage:
    """One outage of a feature: when it started and when the team learned of it."""

    feature: str
    start: datetime
    found: datetime  # when it was recorded (never before the declaration) or a signal saw it
    by: str = "person"  # person | check | alert

    def found_at_declaration(self, declared_at: datetime) -> bool:
        return gap(self.found, declared_at).total_seconds() == 0


@dataclass(frozen=True)
class Linked:
    """A change tied to an outage: marked as its cause, or the suspect nobody ruled out."""

    change: ChangeEvent
    outage: Outage | None  # None: suspected for the declaration itself
    mark: Literal["caused", "suspect"]


@dataclass(frozen=True)
class DraftChanges:
    declared_at: datetime
    outages: list[Outage] = field(default_factory=list)
    linked: list[Linked] = field(default_factory=list)
    seen: list[ChangeEvent] = field(default_factory=list)  # every change in the window


@dataclass(frozen=True)
class Detection:
    what: str  # "Quotes, down from 10:40"
    found: str  # "10:42"
    delay: str  # "2 minutes"


@dataclass(frozen=True)
class ChangesText:
    """Ready-to-place Markdown for the templates."""

    lines: list[str] = field(default_factory=list)
    detection: list[Detection] = field(default_factory=list)
    cause: str | None = None


def _recorded(interval: FeatureInterval, entries: list[TimelineEntry]) -> datetime:
    """When the outage was recorded (a backdated `feature down` was typed later)."""
    recorded = [
        e.recorded_at
        for e in entries
        if e.kind is EntryKind.feature
        and e.data.get("feature") == interval.feature
        and e.occurred_at == interval.started_at
    ]
    return min(recorded, default=interval.started_at)


def outages(
    incident: Incident, intervals: list[FeatureInterval], entries: list[TimelineEntry]
) -> list[Outage]:
    """Each outage with when it was found: the first one recorded is what the incident was
    declared for, so it was found at the declaration; a later one when it was recorded."""
    by_start = {(i.feature, i.started_at): i for i in intervals}
    recorded = {
        (impact.feature or "", impact.start): _recorded(
            by_start[(impact.feature or "", impact.start)], entries
        )
        for impact in impacts_of(intervals)
    }
    first = min(recorded.values(), default=None)
    declared = incident.declared_at
    found: list[Outage] = []
    for (feature, start), at in recorded.items():
        when = max(at, declared)
        if at == first and start <= declared:
            when = declared
        signal = detected(feature, start, entries)
        if signal is not None and signal.at <= when:
            found.append(Outage(feature, start, max(signal.at, start), signal.source))
        else:
            found.append(Outage(feature, start, when))
    return found


async def gather(
    changes: Changes,
    incident: Incident,
    intervals: list[FeatureInterval],
    entries: list[TimelineEntry],
) -> DraftChanges:
    seen = await changes.for_incident(incident, intervals)
    found = outages(incident, intervals, entries)
    by_impact = {(o.feature, o.start): o for o in found}
    linked: list[Linked] = []
    for change in reversed(seen.changes):  # oldest first, as a story reads
        mark = seen.marks.get(change.id)
        if mark is not None and mark.mark is Mark.not_related:
            continue
        kind: Literal["caused", "suspect"] = (
            "caused" if mark is not None and mark.mark is Mark.caused else "suspect"
        )
        impacts = seen.suspected_for(change.id)
        if not impacts and kind == "caused":
            later = [o for o in found if o.start >= change.deployed_at]
            linked.append(Linked(change, later[0] if later else None, kind))
        for impact in impacts:
            outage = by_impact.get((impact.feature or "", impact.start))
            linked.append(Linked(change, outage, kind))
    return DraftChanges(incident.declared_at, found, linked, list(seen.changes))


def phrase(facts: DraftChanges | None, fmt: Formatter, language: str) -> ChangesText:
    """The section's lines, the detection rows and the customer's cause, in `language`."""
    if facts is None:
        return ChangesText()
    t = texts(language)
    declared = fmt.when(facts.declared_at, "at")
    found_by = {
        "check": t._("{feature}, down {start}, found by its check"),
        "alert": t._("{feature}, down {start}, found by an alert"),
        "person": t._("{feature}, down {start}, found by a person"),
    }
    detection = [
        Detection(
            what=found_by.get(o.by, t._("{feature}, down {start}")).format(
                feature=escape_markdown(o.feature), start=fmt.when(o.start, "since")
            ),
            found=fmt.when(o.found),
            delay=fmt.duration(gap(o.start, o.found)),
        )
        for o in facts.outages
    ]
    lines = [_line(t, link, fmt, declared, facts.declared_at) for link in facts.linked]
    caused = sorted({link.change.deployed_at for link in facts.linked if link.mark == "caused"})
    cause = None
    if caused:
        cause = t.ngettext(
            "It was caused by an update released {times}.",
            "It was caused by updates released {times}.",
            len(caused),
        ).format(times=fmt.join([fmt.when(c, "at") for c in caused]))
    return ChangesText(lines, detection, cause)


def _line(tx: Texts, link: Linked, fmt: Formatter, declared: str, declared_at: datetime) -> str:
    change = link.change
    label = tx._("**Caused it**") if link.mark == "caused" else tx._("Suspect")
    name = escape_markdown(f"{change.version} {change.service}")
    deployed = fmt.when(change.deployed_at, "at")
    outage = link.outage
    if outage is None:
        return tx._("{label}: {change} deployed {deployed}, incident declared {declared}").format(
            label=label, change=name, deployed=deployed, declared=declared
        )
    values = {
        "label": label,
        "feature": escape_markdown(outage.feature),
        "change": name,
        "deployed": deployed,
        "start": fmt.when(outage.start, "since"),
        "declared": declared,
        "found": fmt.when(outage.found, "at"),
        "delay": fmt.duration(gap(outage.start, outage.found)),
    }
    if outage.found_at_declaration(declared_at):
        return tx._(
            "{label} for {feature}: {change} deployed {deployed}, down {start},"
            " incident declared {declared}"
        ).format(**values)
    return tx._(
        "{label} for {feature}: {change} deployed {deployed}, down {start},"
        " found {found}, {delay} later"
    ).format(**values)
