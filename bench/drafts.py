"""Drafts of a long incident: both drafts rendered from hand-built facts, timed.

The facts look like a busy day: chat with mentions and links, key moments, edits, deletions,
notes, every feature going down (or degraded) and back, maintenance switched on and off.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.models import (
    EntryKind,
    FeatureInterval,
    FeatureState,
    Incident,
    MaintenanceWindow,
    Revision,
    Severity,
    Status,
    TimelineEntry,
)
from bot.postmortem import CloseInputs, PostmortemFacts
from bot.postmortem.render import render

START = datetime(2025, 4, 30, 8, 40, tzinfo=UTC)
DAY = timedelta(hours=10)
PEOPLE = {f"U{n:02d}PERSON": f"Person {n}" for n in range(12)}


def long_incident(entries: int, features: int, language: str = "en") -> PostmortemFacts:
    people = list(PEOPLE)
    end = START + DAY
    intervals = [
        FeatureInterval(
            id=n + 1,
            incident_id=1,
            feature=f"Feature {n}",
            state=FeatureState.degraded if n % 3 else FeatureState.down,
            started_at=START + DAY * n / (2 * features),
            ended_at=START + DAY * n / (2 * features) + DAY / 3,
        )
        for n in range(features)
    ]
    windows = [
        MaintenanceWindow(
            id=1,
            incident_id=1,
            target="web",
            provider="heroku",
            dry_run=False,
            started_at=START + timedelta(minutes=5),
            ended_at=START + timedelta(hours=2, minutes=30),
        )
    ]
    log: list[tuple[datetime, EntryKind, str | None, dict[str, Any]]] = []
    for interval in intervals:
        for at, state in ((interval.started_at, interval.state.value), (interval.ended_at, "up")):
            assert at is not None
            log.append(
                (at, EntryKind.feature, people[0], {"feature": interval.feature, "state": state})
            )
    for window in windows:
        for at, on in ((window.started_at, True), (window.ended_at, False)):
            assert at is not None
            data = {"target": "web", "provider": "heroku", "enabled": on, "ok": True}
            log.append((at, EntryKind.maintenance, people[1], data | {"dry_run": False}))
    chat = entries - len(log)
    for n in range(chat):
        at = START + DAY * n / chat
        kind = EntryKind.note if n % 200 == 0 else EntryKind.message
        log.append((at, kind, people[n % len(people)], {"n": n}))
    log.sort(key=lambda item: item[0])
    timeline = [entry(i + 1, *item) for i, item in enumerate(log)]
    incident = Incident(
        id=1,
        title="Checkout and quotes failing after the deploy",
        severity=Severity.sev1,
        status=Status.closed,
        declared_at=START + timedelta(minutes=3),
        declared_by=people[0],
        lead=people[0],
        timezone="Europe/Copenhagen",
        language=language,
        channel_name="inc-1-checkout",
        resolved_at=end,
        closed_at=end + timedelta(minutes=30),
        last_update_at=end + timedelta(minutes=30),
    )
    return PostmortemFacts(
        incident=incident,
        entries=timeline,
        intervals=intervals,
        windows=windows,
        inputs=CloseInputs(
            root_cause="A deploy went out without the matching deploy-tool change.",
            resolution="Rolled forward with the missing change, feature by feature.",
            action_items="- Check the deploy-tool version in review <@U00PERSON>\n- Alert on 5xx",
            went_well="Noticed within minutes.",
            went_badly="The review ran with the wrong tool version.",
            language=language,
        ),
        user_names=PEOPLE,
        channel_url="https://acme.slack.com/archives/C0INC1",
        now=end + timedelta(minutes=35),
    )


def entry(
    id: int, at: datetime, kind: EntryKind, actor: str | None, data: dict[str, Any]
) -> TimelineEntry:
    n = data.pop("n", id)
    text = ""
    if kind in (EntryKind.message, EntryKind.note):
        text = f"<@{actor}> checked <https://grafana.example/d/{n}|dashboard {n}>: 5xx at {n % 97}%"
    return TimelineEntry(
        id=id,
        incident_id=1,
        kind=kind,
        occurred_at=at,
        recorded_at=at,
        actor=actor,
        text=text,
        is_key=kind is not EntryKind.message or n % 20 == 0,
        deleted=kind is EntryKind.message and n % 100 == 1,
        data=data,
        revisions=[Revision(text="first thought", replaced_at=at)] if n % 50 == 2 else [],
    )


def time_drafts(entries: int, features: int) -> tuple[float, int]:
    """Seconds to render the customer and the internal draft (templates compiled cold), and
    the drafts' total length in characters."""
    facts = long_incident(entries, features)
    started = time.perf_counter()
    drafts = [render(facts, audience=a, language="en") for a in ("customer", "internal")]
    return time.perf_counter() - started, sum(len(d) for d in drafts)


def time_chart(entries: int, features: int) -> float:
    """Seconds to draw the same incident's impact chart as PNG, matplotlib already imported
    (the first chart of a process also pays ~0.6 s to import it)."""
    from bot.postmortem.picture import chart_png

    facts = long_incident(entries, features)
    chart_png(facts, "en")  # fonts and caches warm, as every chart after a process's first
    started = time.perf_counter()
    chart_png(facts, "en")
    return time.perf_counter() - started
