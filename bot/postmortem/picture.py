"""The impact chart's values from the drafts' facts: bars floored to the minute and cut at the
drafts' end by `bot.time.durations.merge`, each labelled with the duration the drafts print, so the
picture and the text can never disagree (Acquisti spans 29/04 14:00 -> 30/04 14:30 in both)."""

from __future__ import annotations

import html

from bot.charts import impact
from bot.charts.figure import png, svg
from bot.charts.impact import Bar, ChangeMarker, Emphasis, ImpactPicture, Kind, Moment
from bot.charts.impact import filename as chart_filename
from bot.models import FeatureState
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.impact import is_key_moment, measure
from bot.slack.mrkdwn import plain
from bot.time.durations import Span, floor_minute, merge, short

_KINDS: dict[FeatureState, Kind] = {FeatureState.down: "down", FeatureState.degraded: "degraded"}


def _bars(facts: PostmortemFacts) -> list[Bar]:
    drawn: list[tuple[str, Kind, Span]] = [
        (i.feature, _KINDS[i.state], (i.started_at, i.ended_at))
        for i in sorted(facts.intervals, key=lambda i: (i.started_at, i.feature))
        if i.state in _KINDS
    ]
    drawn += [
        (w.target, "dry_run" if w.dry_run else "maintenance", (w.started_at, w.ended_at))
        for w in sorted(facts.windows, key=lambda w: (w.started_at, w.target))
    ]
    return [
        Bar(row, start, stop, kind, short(stop - start))
        for row, kind, span in drawn
        for start, stop in merge([span], facts.end)
    ]


def _changes(facts: PostmortemFacts) -> list[ChangeMarker]:
    if facts.changes is None:
        return []
    marks: dict[int, Emphasis] = {}
    for link in facts.changes.linked:
        if marks.get(link.change.id) != "caused":
            marks[link.change.id] = link.mark
    return [
        ChangeMarker(c.deployed_at, f"{c.version} {c.service}", marks.get(c.id, "change"))
        for c in facts.changes.seen
    ]


def _readable(text: str, facts: PostmortemFacts) -> str:
    """What was typed, as a person reads it: names for mentions, no markup or entities."""
    return html.unescape(plain(text, facts.user_names))


def picture(facts: PostmortemFacts, language: str) -> ImpactPicture:
    incident = facts.incident
    return ImpactPicture(
        number=incident.number,
        title=_readable(incident.title, facts),
        language=language,
        timezone=incident.timezone,
        declared=floor_minute(incident.declared_at),
        resolved=floor_minute(facts.end),
        features=list(dict.fromkeys(o.feature for o in measure(facts).outages)),
        bars=_bars(facts),
        moments=[
            Moment(e.occurred_at, _readable(e.text, facts))
            for e in facts.entries
            if is_key_moment(e)
        ],
        changes=_changes(facts),
    )


__all__ = ["chart_filename", "chart_png", "chart_svg", "picture"]


def chart_png(facts: PostmortemFacts, language: str) -> bytes:
    """`INC-n-impact.png`: CPU work of a few hundred milliseconds, run it in a thread."""
    return png(impact.figure(picture(facts, language)))


def chart_svg(facts: PostmortemFacts, language: str) -> str:
    return svg(impact.figure(picture(facts, language)))
