"""The values a draft template sees, computed and formatted in advance.

Templates only place strings: every number comes from `impact.measure`, every date from
`Formatter`, and every string someone typed has been through `bot.slack.mrkdwn.to_inert_markdown`
(no pings, no ids for customers, no HTML or script links). `CONTEXT.md` documents the fields
for template authors; keep it in step with this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from bot.changes.drafts import ChangesText
from bot.changes.drafts import phrase as changes_text
from bot.features.service import BACKDATED_AFTER
from bot.followups.models import FollowUp, FollowUpStatus
from bot.i18n import texts
from bot.models import EntryKind, FeatureState, TimelineEntry
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.figures import IMPACT_STATES
from bot.postmortem.formatting import Formatter
from bot.postmortem.gantt import gantt
from bot.postmortem.impact import Impact, is_key_moment, measure
from bot.postmortem.phrases import Phrases
from bot.slack.gateway import escape
from bot.slack.mrkdwn import escape_markdown, to_inert_markdown, to_markdown
from bot.time.durations import total
from bot.timeline.failures import failure
from bot.timeline.render import followup_pattern

Audience = Literal["customer", "internal"]


@dataclass(frozen=True)
class CorrectionLine:
    """One corrected value (internal draft): what, from -> to, who, why, when corrected."""

    what: str
    old: str
    new: str
    who: str | None
    reason: str
    when: str


@dataclass(frozen=True)
class TimelineLine:
    """One event. `time` is `HH:MM`, prefixed with the date when not on the incident's day."""

    time: str
    text: str
    kind: str  # an `EntryKind` value
    author: str | None  # display name; None in customer drafts and for bot actions
    edited: bool  # the message was edited after it was captured
    recorded: str | None  # when it was recorded, if that was later than it happened


@dataclass(frozen=True)
class FeatureSummary:
    """Merged time one feature spent down or degraded."""

    name: str
    state: str  # localised: "unavailable" / "fuori servizio", "degraded" / "degradata"
    duration: str
    still: bool  # still in that state when the draft was made


@dataclass(frozen=True)
class ImpactRow:
    """One feature interval or maintenance window, for the internal impact table."""

    what: str  # feature name, or "Maintenance: web (heroku)"
    state: str  # localised state; dry runs say so ("dry run (no change)")
    start: str
    end: str  # localised "ongoing" when never closed
    duration: str


@dataclass(frozen=True)
class Milestone:
    time: str  # a time, or a placeholder when unknown
    since: str | None  # duration since the first symptom; None when unknown


@dataclass(frozen=True)
class Milestones:
    """Detection to resolution; see CONTEXT.md for how each instant is chosen."""

    first_symptom: Milestone
    declared: Milestone
    mitigated: Milestone
    resolved: Milestone
    # Issue 25: when the on-call person was paged and acknowledged; None without a page.
    paged: Milestone | None = None
    acknowledged: Milestone | None = None
    time_to_acknowledge: str | None = None  # from the page to its acknowledgement


@dataclass(frozen=True)
class ActionLine:
    text: str
    owner: str | None  # display name; None for customers; placeholder when unassigned
    # Internal drafts, from the follow-up: " · due 7 May 2025 · open · [acme/web#12](…)".
    details: str = ""
    done: bool = False


@dataclass(frozen=True)
class DraftContext:
    """Everything a template can use; all strings are ready-to-place Markdown.

    Fields that can be missing already hold a visible placeholder (`todo[key]`), and their
    keys are listed in `missing`, so a template never needs a condition to stay honest.
    """

    audience: Audience
    language: str
    number: str  # "INC-3"
    title: str
    severity: str  # "SEV2"
    status: str  # localised status label
    lead: str  # display name of the lead, or placeholder
    channel: str  # Markdown link to the incident channel, or placeholder
    date: str  # declaration day, long form: "mercoledì 30 aprile 2025"
    timezone: str  # IANA name, e.g. "Europe/Copenhagen"
    timezone_name: str  # localised, e.g. "Central European Summer Time"
    zone_change: str | None  # "clocks went forward from 02:00 EST to 03:00 EDT"; None if none
    impact_summary: str  # "the application was offline for ..., the Quotes feature ..."
    offline: str | None  # merged time in real (non-dry-run) maintenance; None if none
    features: list[FeatureSummary]
    still_out: list[str]  # features still down or degraded
    impact_rows: list[ImpactRow]
    milestones: Milestones
    timeline: list[TimelineLine]
    root_cause: str
    resolution: str
    went_well: str
    went_badly: str
    action_items: list[ActionLine]  # empty: show `todo.action_items`
    commitment: str | None  # configured availability commitment, if any
    signer: str
    gantt: str  # fenced ```mermaid block; "" when there is nothing to chart
    todo: dict[str, str]  # placeholder for every fact that can be missing, by key
    missing: list[str]  # keys of `todo` whose fact is missing in this incident
    changes: ChangesText = field(default_factory=ChangesText)  # bot/changes/drafts.py
    corrections: list[CorrectionLine] = field(default_factory=list)  # internal only


class _Builder:
    """Turns facts into one audience's context; holds what every helper needs."""

    def __init__(self, facts: PostmortemFacts, audience: Audience, fmt: Formatter) -> None:
        self.facts = facts
        self.audience = audience
        self.fmt = fmt
        self.ph: Phrases = fmt.phrases
        self.missing: list[str] = []

    def todo(self, key: str) -> str:
        return self.ph.todo.format(what=self.ph.todo_labels[key])

    def absent(self, key: str) -> str:
        self.missing.append(key)
        return self.todo(key)

    def typed(
        self, text: str, key: str | None = None, *, one_line: bool = False, form: bool = False
    ) -> str:
        """User text made inert; a placeholder (and a `missing` mark) when empty.

        `form`: typed in a modal's plain-text field, which Slack passes on as typed: `<…|…>`
        there was typed by a person, not made by Slack, so it is escaped and stays text (only
        links Slack made in a message become links)."""
        names = self.facts.user_names
        source = escape(text) if form else text
        inert = to_inert_markdown(source, names=names, audience=self.audience).strip()
        if one_line:
            inert = " ".join(inert.split())
        return self.absent(key) if not inert and key else inert

    def name(self, user: str | None, fallback: str | None = None) -> str | None:
        shown = self.facts.user_names.get(user or "") or fallback
        return escape_markdown(" ".join(shown.split())) if shown else None

    def milestone(self, instant: datetime | None, first: datetime, key: str) -> Milestone:
        """A time and its distance from the first symptom, or a placeholder when unknown."""
        if instant is None:
            return Milestone(self.absent(key), None)
        since = total([(first, instant)], instant)
        return Milestone(self.fmt.when(instant), self.fmt.duration(since))

    def paging(self, first: datetime) -> dict[str, Any]:
        """The first page sent and its acknowledgement, from the timeline's page entries."""
        pages = [e for e in self.facts.entries if e.kind is EntryKind.page and not e.deleted]
        sent = next((e.occurred_at for e in pages if e.data.get("event") == "sent"), None)
        acked = next((e.occurred_at for e in pages if e.data.get("event") == "acknowledged"), None)
        if sent is None:
            return {}
        found: dict[str, Any] = {"paged": self.milestone(sent, first, "paged")}
        if acked is not None:
            found["acknowledged"] = self.milestone(acked, first, "acknowledged")
            found["time_to_acknowledge"] = self.fmt.duration(total([(sent, acked)], acked))
        return found

    # Impact

    def summary(self, impact: Impact) -> str:
        """Clauses joined by the locale's list pattern, leaving out a repeated verb or subject."""
        clauses: list[tuple[str, str, timedelta]] = []
        if impact.offline is not None:
            kind = "offline_still" if impact.offline_still else "offline"
            clauses.append((kind, "", impact.offline))
        order = sorted(
            impact.outages,
            key=lambda o: (o.still, o.state != FeatureState.down, o.first_start),
        )
        for outage in order:
            kind = outage.state.value + ("_still" if outage.still else "")
            subject = self.ph.feature_subject.format(feature=escape_markdown(outage.feature))
            clauses.append((kind, subject, outage.total))
        texts: list[str] = []
        previous, previous_subject, elided = None, None, False
        for kind, subject, delta in clauses:
            full, short = self.ph.clauses[kind]
            if subject and subject == previous_subject and not elided:
                pattern = full.replace("{s} ", "")  # "... down for 40 min and degraded for 57"
            else:  # after a clause without its verb, the subject is said again
                pattern = short if kind == previous else full
            texts.append(pattern.format(s=subject, d=self.fmt.duration(delta)))
            previous, previous_subject, elided = kind, subject, pattern == short
        return self.fmt.join(texts) if texts else self.absent("impact")

    def features(self, impact: Impact) -> list[FeatureSummary]:
        return [
            FeatureSummary(
                name=escape_markdown(outage.feature),
                state=self.ph.states[outage.state],
                duration=self.fmt.duration(outage.total),
                still=outage.still,
            )
            for outage in impact.outages
        ]

    def row(self, what: str, state: str, start: datetime, stop: datetime | None) -> ImpactRow:
        end, fmt = self.facts.end, self.fmt
        return ImpactRow(
            what=escape_markdown(what),
            state=state,
            start=fmt.when(start),
            end=fmt.when(min(stop, end)) if stop else self.ph.ongoing,
            duration=fmt.duration(total([(start, stop)], end)),
        )

    def rows(self) -> list[ImpactRow]:
        ph = self.ph
        intervals = sorted(self.facts.intervals, key=lambda i: (i.started_at, i.feature))
        windows = sorted(self.facts.windows, key=lambda w: (w.started_at, w.target))
        return [
            self.row(i.feature, ph.states[i.state], i.started_at, i.ended_at)
            for i in intervals
            if i.state in IMPACT_STATES
        ] + [
            self.row(
                ph.maintenance_row.format(target=w.target, provider=w.provider),
                ph.dry_run_state if w.dry_run else ph.offline_state,
                w.started_at,
                w.ended_at,
            )
            for w in windows
        ]

    # Timeline

    def feature_change(self, entry: TimelineEntry) -> str | None:
        """The generated sentence for a feature entry, if its data is complete."""
        feature, state = entry.data.get("feature"), entry.data.get("state")
        if not feature or not isinstance(state, str) or state not in self.ph.feature_change:
            return None
        return self.ph.feature_change[state].format(feature=escape_markdown(str(feature)))

    def shown(self, entry: TimelineEntry) -> bool:
        """Internal drafts show every surviving entry; customers only what concerns them."""
        if entry.deleted or entry.kind is EntryKind.correction:  # in their own section
            return False
        if self.audience == "internal":
            return True
        match entry.kind:
            case EntryKind.declared | EntryKind.resolved | EntryKind.reopened:
                return True
            case EntryKind.feature:
                return self.feature_change(entry) is not None
            case EntryKind.maintenance:
                return _succeeded(entry) and not entry.data.get("dry_run")
            case _:  # notes and key messages only when marked public
                return is_key_moment(entry) and entry.is_public

    def out_at(self, instant: datetime) -> bool:
        """Whether some feature was down or degraded at `instant`."""
        return any(
            i.state in IMPACT_STATES
            and i.started_at <= instant
            and (i.ended_at is None or i.ended_at > instant)
            for i in self.facts.intervals
        )

    def sentence(self, entry: TimelineEntry) -> str:
        """What people typed, or a sentence generated from the entry's data."""
        ph, customer = self.ph, self.audience == "customer"
        match entry.kind:
            case EntryKind.declared if customer:
                return ph.declared_customer
            case EntryKind.declared:
                title = self.typed(entry.text or self.facts.incident.title, one_line=True)
                return ph.declared_internal.format(title=title)
            case EntryKind.resolved if customer and self.out_at(entry.occurred_at):
                return ph.resolved_partly
            case EntryKind.resolved:
                return ph.resolved_customer if customer else ph.resolved_internal
            case EntryKind.reopened if customer or not entry.text.strip():
                return ph.reopened_customer if customer else ph.reopened_internal
            case EntryKind.reopened:
                return f"{ph.reopened_internal}: {self.typed(entry.text, one_line=True)}"
            case EntryKind.closed:
                return ph.closed
            case EntryKind.maintenance:
                return self.maintenance(entry)
            case EntryKind.nudge:
                return self.nudge(entry)
            case EntryKind.feature if generated := self.feature_change(entry):
                return generated
            case EntryKind.message | EntryKind.note | EntryKind.feature:
                return self.typed(entry.text, one_line=True)
            case _:
                label = ph.kinds.get(entry.kind.value, entry.kind.value)
                detail = self.detail(entry)
                return f"{label}: {detail}" if detail else label

    def detail(self, entry: TimelineEntry) -> str:
        """The recorded value of a change (status, severity, lead...), readable."""
        text = entry.text.strip()
        match entry.kind:
            case EntryKind.status if text in self.ph.statuses:
                return self.ph.statuses[text]
            case EntryKind.severity:
                return escape_markdown(text.upper())
            case EntryKind.lead if lead := self.name(text):
                return lead
            case EntryKind.change if (mark := entry.data.get("mark")) in self.ph.change_marks:
                version = escape_markdown(str(entry.data.get("version") or "?"))
                return self.ph.change_marks[mark].format(version=version)
            case EntryKind.followup if phrased := self.followup_change(entry):
                return phrased
            case EntryKind.error | EntryKind.change if phrased := failure(
                entry.data, texts(str(self.fmt.locale))
            ):
                return self.typed(phrased, one_line=True)
            case _:
                return self.typed(text, one_line=True)

    def nudge(self, entry: TimelineEntry) -> str:
        """The reminder from its data: the Slack text is English mrkdwn with emoji and pings."""
        data, label = entry.data, self.ph.kinds["nudge"]
        minutes = data.get("quiet_minutes")
        if error := data.get("error"):
            return f"{label}: {escape_markdown(str(error))}"
        if not isinstance(minutes, int):
            return label
        lead = self.name(str(data.get("lead") or "")) or self.todo("lead")
        return self.ph.nudge.format(lead=lead, quiet=self.fmt.duration(timedelta(minutes=minutes)))

    def maintenance(self, entry: TimelineEntry) -> str:
        ph, data = self.ph, entry.data
        enabled = bool(data.get("enabled"))
        if self.audience == "customer":
            return ph.maintenance_customer[enabled]
        where = {
            "target": escape_markdown(str(data.get("target", "?"))),
            "provider": escape_markdown(str(data.get("provider", "?"))),
        }
        if not _succeeded(entry):
            error = self.typed(str(data.get("error") or ""), one_line=True)
            return ph.maintenance_failed[enabled].format(error=error, **where)
        dry_run = ph.dry_run_suffix if data.get("dry_run") else ""
        return ph.maintenance_internal[enabled].format(**where) + dry_run

    def line(self, entry: TimelineEntry) -> TimelineLine | None:
        text = self.sentence(entry)
        if not text:
            return None
        when = self.fmt.when(entry.occurred_at)
        if self.audience == "customer":
            return TimelineLine(when, text, entry.kind.value, None, False, None)
        late = entry.recorded_at - entry.occurred_at >= BACKDATED_AFTER
        backdated = bool(entry.data.get("backdated")) or late
        return TimelineLine(
            time=when,
            text=text,
            kind=entry.kind.value,
            author=self.name(entry.actor, entry.actor_name),
            edited=bool(entry.revisions),
            recorded=self.fmt.when(entry.recorded_at, "at") if backdated else None,
        )

    def timeline(self) -> list[TimelineLine]:
        ordered = sorted(self.facts.entries, key=lambda e: (e.occurred_at, e.recorded_at, e.id))
        lines: list[TimelineLine] = []
        for entry in ordered:
            line = self.line(entry) if self.shown(entry) else None
            if line is None:
                continue
            # The same fact recorded twice in a row reads once for customers.
            if self.audience == "customer" and lines and lines[-1].text == line.text:
                continue
            lines.append(line)
        if not lines:
            self.missing.append("timeline")
        return lines

    def action_items(self) -> list[ActionLine]:
        """The internal draft lists the follow-ups (the close form's lines are follow-ups
        too); customers read the close form's lines, else the follow-ups' texts, no owners."""
        followups = self.facts.followups
        if followups and (self.audience == "internal" or not self.facts.inputs.action_items):
            return [self.followup(f) for f in followups]
        lines = []
        for item in self.facts.inputs.action_items:
            text = self.typed(item.text, one_line=True, form=True)
            if not text:
                continue
            owner = None
            if self.audience == "internal":
                owner = self.typed(item.owner or "", one_line=True) or self.todo("owner")
            lines.append(ActionLine(text, owner))
        if not lines:
            self.missing.append("action_items")
        return lines

    def followup_change(self, entry: TimelineEntry) -> str | None:
        """A follow-up's change from its data; None for rows stored before the text was."""
        data = entry.data
        pattern = followup_pattern(data, texts(str(self.fmt.locale)))
        if pattern is None:
            return None
        due = data.get("due_on")
        return pattern.format(
            seq=data.get("followup", "?"),
            text=self.typed(str(data.get("text", "")), one_line=True),
            owner=self.name(str(data.get("owner") or "")) or self.todo("owner"),
            day=self.fmt.long_date(date.fromisoformat(due)) if isinstance(due, str) else "",
            tracker=escape_markdown(str(data.get("tracker", ""))),
        )

    def followup(self, f: FollowUp) -> ActionLine:
        text = self.typed(f.text, one_line=True)
        if self.audience == "customer":
            return ActionLine(text, None)
        ph = self.ph
        details = [ph.followup_due.format(day=self.fmt.long_date(f.due_on))] if f.due_on else []
        details.append(ph.followup_states[f.status.value])
        if f.tracker_url and f.tracker_ref:
            details.append(_link(f.tracker_url, f.tracker_ref))
        return ActionLine(
            text=text,
            owner=(self.name(f.owner) if f.owner else None) or self.todo("owner"),
            details="".join(f" · {d}" for d in details),
            done=f.status is FollowUpStatus.done,
        )

    def corrections(self) -> list[CorrectionLine]:
        """The internal draft's Corrections section; customers read only the corrected facts."""
        if self.audience != "internal":
            return []
        lines = []
        for c in self.facts.corrections:
            if c.is_time:
                old = self.fmt.when(datetime.fromisoformat(c.old_value))
                new = self.fmt.when(datetime.fromisoformat(c.new_value))
            else:
                old = self.typed(c.old_value, one_line=True)
                new = self.typed(c.new_value, one_line=True)
            field_name = self.ph.correction_fields.get(c.field, c.field)
            subject = self.typed(c.subject, one_line=True)
            lines.append(
                CorrectionLine(
                    what=f"{subject}, {field_name}",
                    old=old,
                    new=new,
                    who=self.name(c.actor),
                    reason=self.typed(c.reason, one_line=True),
                    when=self.fmt.when(c.corrected_at),
                )
            )
        return lines

    def channel(self) -> str:
        incident, url = self.facts.incident, self.facts.channel_url
        if not url:
            return self.absent("channel")
        return _link(url, f"#{incident.channel_name or incident.number}")


def _link(url: str, label: str) -> str:
    """A Markdown link made inert like typed text (no script URLs, label escaped)."""
    return to_inert_markdown(f"<{url}|{label}>", names={}, audience="internal")


def _succeeded(entry: TimelineEntry) -> bool:
    """A maintenance change counts only when the provider confirmed it."""
    return bool(entry.data.get("ok", not entry.data.get("error")))


def build_context(
    facts: PostmortemFacts, *, audience: Audience, language: str, phrases: Phrases
) -> DraftContext:
    incident, inputs = facts.incident, facts.inputs
    impact = measure(facts)
    first = impact.first_symptom
    span = (first, facts.end)
    fmt = Formatter(language, phrases, incident.timezone, incident.declared_at, span)
    b = _Builder(facts, audience, fmt)
    lead = b.name(incident.lead)
    plain_title = to_markdown(incident.title, names=facts.user_names, audience="internal")
    signer = b.typed(inputs.signer or "", one_line=True) or lead or b.absent("signer")
    return DraftContext(
        audience=audience,
        language=language,
        number=incident.number,
        title=b.typed(incident.title, one_line=True),
        severity=incident.severity.value.upper(),
        status=phrases.statuses.get(incident.status.value, incident.status.value),
        lead=lead or b.absent("lead"),
        channel=b.channel(),
        date=fmt.long_date(),
        timezone=incident.timezone,
        timezone_name=fmt.zone_name(),
        zone_change=fmt.zone_change(),
        impact_summary=b.summary(impact),
        offline=fmt.duration(impact.offline) if impact.offline is not None else None,
        features=b.features(impact),
        still_out=[escape_markdown(o.feature) for o in impact.outages if o.still],
        impact_rows=b.rows(),
        milestones=Milestones(
            first_symptom=Milestone(fmt.when(first), None),
            declared=b.milestone(incident.declared_at, first, "declared"),
            mitigated=b.milestone(impact.mitigated, first, "mitigated"),
            resolved=b.milestone(incident.resolved_at, first, "resolved"),
            **b.paging(first),
        ),
        timeline=b.timeline(),
        root_cause=b.typed(inputs.root_cause, "root_cause", form=True),
        resolution=b.typed(inputs.resolution, "resolution", form=True),
        went_well=b.typed(inputs.went_well, "went_well", form=True),
        went_badly=b.typed(inputs.went_badly, "went_badly", form=True),
        action_items=b.action_items(),
        commitment=b.typed(facts.commitment or "") or None,
        signer=signer,
        gantt=gantt(facts, fmt, f"{incident.number} {plain_title}"),
        todo={key: b.todo(key) for key in phrases.todo_labels},
        missing=b.missing,
        changes=changes_text(facts.changes, fmt, language),
        corrections=b.corrections(),
    )
