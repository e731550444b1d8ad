"""Corrections as a workflow: apply, say what changed on the board, and, for a closed
incident, make the drafts again (v2, v3…) with a "what changed" line.

Also the typed shortcut: `feature down NAME at TIME` on a feature already down (or `up` on one
already up) proposes moving that start (or end), shown from -> to before anything changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.corrections.service import Applied, Fact, field_label, fingerprint
from bot.errors import InputError
from bot.i18n import Texts
from bot.incidents import flows as incident_flows
from bot.models import FeatureState, Incident, Status
from bot.postmortem.service import AUDIENCES
from bot.services import Services
from bot.slack.gateway import escape
from bot.statuspage.models import PublicStatus
from bot.time import durations
from bot.time.formatting import when as local_when


@dataclass(frozen=True)
class Proposal:
    """A correction waiting for its confirmation: one fact, from -> to."""

    fact: Fact
    value: datetime
    question: str

    @property
    def seen(self) -> str:
        return self.fact.fingerprint


def shown_value(t: Texts, value: datetime | str, incident: Incident, now: datetime) -> str:
    if isinstance(value, datetime):
        return local_when(t, value, incident.timezone, now)
    return escape(value)


async def what_changed(
    services: Services, incident: Incident, applied: Sequence[Applied]
) -> list[str]:
    """One line per change: "Acquisti: down since 13:58 (was 14:00), 24 h 32 min"."""
    t, now = services.texts, services.clock.now()
    totals = {s.feature: s.down + s.degraded for s in await services.features.statuses(incident)}
    lines = []
    for change in applied:
        fact = change.fact
        subject = escape(fact.subject if fact.group != "note" else _excerpt(fact.subject))
        if fact.field == "text":
            line = t._("{subject}: text corrected").format(subject=subject)
        else:
            line = t._("{subject}: {field} {new} (was {old})").format(
                subject=subject,
                field=field_label(t, fact),
                new=shown_value(t, change.value, incident, now),
                old=shown_value(t, fact.value, incident, now),
            )
        if fact.group == "feature" and fact.subject in totals:
            line += ", " + durations.short(totals[fact.subject])
        lines.append(line)
    return lines


def _excerpt(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= 40 else one_line[:39] + "…"


async def correct(
    services: Services,
    incident: Incident,
    user: str,
    changes: Mapping[str, datetime | str],
    reason: str,
    seen: Mapping[str, str],
) -> incident_flows.Changed:
    """Apply the changes (all or none, CorrectionError/InputError when refused), show them on
    the board and, once the incident is closed, deliver the drafts again with what changed."""
    applied = await services.corrections.apply(incident, user, changes, reason, seen)
    incident = await services.incidents.get(incident.id)
    lines = await what_changed(services, incident, applied)
    t = services.texts
    text = t._(":pencil2: <@{user}> corrected the record: {changes}. Reason: {reason}").format(
        user=user, changes="; ".join(lines), reason=escape(reason.strip())
    )
    services.tasks.spawn(services.board.publish(incident, text), name="publish")
    impact = any(a.fact.group in ("feature", "maintenance", "incident") for a in applied)
    if services.status_flows is not None and not incident.is_open and impact:
        # What was published stays as published (history); the page's next update, proposed
        # here and published only by a click, states the corrected figures.
        key = f"status:{incident.id}:corrected:{services.clock.now().isoformat()}"
        proposal = services.status_flows.propose(incident, PublicStatus.resolved, key=key)
        services.tasks.spawn(proposal, name=f"status-corrected-{incident.id}")
    if incident.status is Status.closed:
        language = await services.postmortems.language_of(incident.id)
        note = t._("What changed: {changes}.").format(changes="; ".join(lines))
        wanted = [(audience, language) for audience in AUDIENCES]
        services.tasks.spawn(
            services.drafts.deliver(incident, wanted, note=note), name=f"redraft-{incident.id}"
        )
    return incident_flows.Changed(incident, text)


async def propose(
    services: Services, incident: Incident, name: str, state: FeatureState, at: datetime
) -> Proposal | None:
    """The correction a typed `feature down|degraded NAME at TIME` (feature already in that
    state) or `feature up NAME at TIME` (already up) means; None when it is a plain change."""
    statuses = await services.features.statuses(incident)
    feature = services.features.catalog.resolve(name, known={s.feature for s in statuses})
    status = next((s for s in statuses if s.feature == feature), None)
    if status is None or status.state is not state:
        return None
    if state is FeatureState.up:
        interval = max(status.intervals, key=lambda i: i.ended_at or at)
        key = f"interval:{interval.id}:end"
    else:
        interval = next(i for i in status.intervals if i.ended_at is None)
        key = f"interval:{interval.id}:start"
    facts = await services.corrections.facts(incident)
    fact = next(f for f in facts if f.key == key)
    t, now = services.texts, services.clock.now()
    if fingerprint(at) == fact.fingerprint:
        return None
    if problems := services.corrections.problems(incident, facts, {key: at}):
        raise InputError(problems[key])
    question = t._(
        "{feature} is already recorded {field} {old}. Correct the record: {old} -> {new}?"
    ).format(
        feature=f"*{escape(feature)}*",
        field=field_label(t, fact),
        old=shown_value(t, fact.value, incident, now),
        new=shown_value(t, at, incident, now),
    )
    return Proposal(fact, at, question)
