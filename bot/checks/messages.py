"""What people read about checks and signals: the signal message and its buttons, its thread
(passing again, failing again), the decisions, and `/incident checks`.

Built here rather than in a handler because signals are posted by background work. The
changes before a signal use the changes feature's own lines (`bot.changes.messages`), so the
suspect reads the same wherever it is named.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.numbers import format_decimal
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
)

from bot.changes import messages as change_messages
from bot.changes.service import IncidentChanges
from bot.checks.service import CheckState, Signal, Source
from bot.i18n import Texts
from bot.slack.gateway import escape
from bot.time.formatting import when as local_when

DECLARE = "signal_declare"
NOT_INCIDENT = "signal_not_incident"
MUTE = "signal_mute"
MARK_DOWN = "signal_mark_down"
MARK_UP = "signal_mark_up"
# Changes listed under a signal (the rest: `/incident changes` once declared).
MAX_CHANGES = 5


def reason_text(t: Texts, reason: str, timeout: float | None = None) -> str:
    """A probe's reason code in words."""
    kind, _, detail = reason.partition(":")
    if kind == "status":
        return t._("HTTP {code}").format(code=detail)
    if kind == "timeout":
        if timeout is None:
            return t._("timed out")
        seconds = format_decimal(timeout, format="0.##", locale=t.locale)
        return t._("timed out after {seconds} s").format(seconds=seconds)
    if kind == "refused":
        return t._("connection refused")
    if kind == "dns":
        return t._("the host name does not resolve")
    if kind == "tls":
        return t._("TLS certificate refused")
    if kind == "connect":
        return t._("could not connect")
    if kind == "text":
        return t._("the answer lacks the expected text")
    if kind == "env":
        return t._("{name} is not set").format(name=f"`{escape(detail)}`")
    return t._("failed ({kind})").format(kind=escape(detail or kind))


def _feature(name: str | None) -> str:
    return f"*{escape(name or '')}*"


def _labels(labels: dict[str, Any]) -> str:
    return ", ".join(f"`{escape(str(k))}={escape(str(v))}`" for k, v in sorted(labels.items()))


def headline(t: Texts, signal: Signal, tz: str, now: datetime, timeout: float | None) -> str:
    """What fails, since when, why."""
    since = local_when(signal.started_at, tz, now)
    if signal.source is Source.check:
        return t._(":rotating_light: {feature} fails its check since {time}: {reason}.").format(
            feature=_feature(signal.feature),
            time=since,
            reason=reason_text(t, signal.reason, timeout),
        )
    summary = escape(signal.reason[:300]) or t._("no summary")
    if signal.feature is None:
        return t._(
            ":grey_question: Unmapped alert, firing since {time}: {summary}. Labels: {labels}."
            " No feature's `alert_labels` match them."
        ).format(time=since, summary=summary, labels=_labels(signal.labels) or "-")
    return t._(":rotating_light: Alert for {feature}, firing since {time}: {summary}.").format(
        feature=_feature(signal.feature), time=since, summary=summary
    )


def changes_blocks(
    t: Texts, signal: Signal, seen: IncidentChanges, tz: str, now: datetime, hours: float
) -> list[Any]:
    """The changes before the signal's start, newest first, the suspect marked."""
    impact = seen.impacts[0]
    before = [c for c in seen.changes if c.deployed_at <= impact.start]
    hours_shown = int(hours) if float(hours).is_integer() else hours
    head = change_messages.header(
        t, impact, len(before), hours_shown, local_when(impact.start, tz, now)
    )
    blocks: list[Any] = [SectionBlock(text=head)]
    for change in before[:MAX_CHANGES]:
        blocks.append(
            SectionBlock(text=change_messages.change_line(t, change, impact, seen, tz, now))
        )
    return blocks


def _button(text: str, action: str, signal: Signal, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text, action_id=action, value=str(signal.id), style=style)


def decision_line(t: Texts, signal: Signal, tz: str, now: datetime, number: str = "") -> str:
    user = f"<@{signal.decided_by}>"
    if signal.decision == "declared":
        return t._(":rotating_light: {user} declared {number}.").format(user=user, number=number)
    if signal.decision == "dismissed":
        return t._(":zzz: {user}: not an incident. {why}").format(
            user=user, why=escape(signal.note or "")
        )
    if signal.decision == "muted" and signal.muted_until:
        return t._(":mute: {user} muted {feature} until {time}.").format(
            user=user,
            feature=_feature(signal.feature),
            time=local_when(signal.muted_until, tz, now),
        )
    return t._(":red_circle: {user} marked {feature} down since {time}.").format(
        user=user, feature=_feature(signal.feature), time=local_when(signal.started_at, tz, now)
    )


def announce_message(
    t: Texts,
    signal: Signal,
    changes: list[Any],
    tz: str,
    now: datetime,
    *,
    timeout: float | None = None,
    decided: str = "",
) -> tuple[str, list[dict[str, Any]]]:
    """A signal with no incident open: what fails, the changes before, and the three buttons
    (or, once a person decided, what they decided)."""
    head = headline(t, signal, tz, now, timeout)
    blocks: list[Any] = [SectionBlock(text=head), *changes]
    if decided:
        blocks.append(ContextBlock(elements=[{"type": "mrkdwn", "text": decided}]))
    else:
        blocks.append(
            ActionsBlock(
                block_id=f"signal-{signal.id}",
                elements=[
                    _button(t.pgettext("button", "Declare incident"), DECLARE, signal, "primary"),
                    _button(t.pgettext("button", "Not an incident"), NOT_INCIDENT, signal),
                    _button(t.pgettext("button", "Mute 1 h"), MUTE, signal),
                ],
            )
        )
    return head, [b.to_dict() for b in blocks]


def incident_message(
    t: Texts,
    signal: Signal,
    tz: str,
    now: datetime,
    *,
    timeout: float | None = None,
    decided: str = "",
) -> tuple[str, list[dict[str, Any]]]:
    """A signal inside an open incident: one click marks the feature down since the start."""
    head = headline(t, signal, tz, now, timeout)
    blocks: list[Any] = [SectionBlock(text=head)]
    if decided:
        blocks.append(ContextBlock(elements=[{"type": "mrkdwn", "text": decided}]))
    elif signal.feature is not None:
        label = t.pgettext("button", "Mark {feature} down since {time}").format(
            feature=signal.feature, time=local_when(signal.started_at, tz, now)
        )
        blocks.append(
            ActionsBlock(
                block_id=f"signal-{signal.id}",
                elements=[_button(label[:75], MARK_DOWN, signal, "primary")],
            )
        )
    return head, [b.to_dict() for b in blocks]


def recovered_message(
    t: Texts, signal: Signal, tz: str, now: datetime, *, offer_up: bool
) -> tuple[str, list[dict[str, Any]]]:
    """In the signal's thread: passing again (resolved) since, with Mark up when it helps."""
    assert signal.ended_at is not None
    time = local_when(signal.ended_at, tz, now)
    if signal.source is Source.check:
        text = t._(":white_check_mark: {feature} passes its check again since {time}.")
    else:
        text = t._(":white_check_mark: The alert for {feature} resolved at {time}.")
    text = text.format(feature=_feature(signal.feature), time=time)
    blocks: list[Any] = [SectionBlock(text=text)]
    if offer_up and signal.feature is not None:
        label = t.pgettext("button", "Mark {feature} up at {time}").format(
            feature=signal.feature, time=time
        )
        blocks.append(
            ActionsBlock(
                block_id=f"signal-up-{signal.id}",
                elements=[_button(label[:75], MARK_UP, signal, "primary")],
            )
        )
    return text, [b.to_dict() for b in blocks]


def flapped_text(t: Texts, signal: Signal, tz: str, now: datetime) -> str:
    return t.ngettext(
        ":repeat: {feature} fails again at {time}: still the same signal ({n} flap).",
        ":repeat: {feature} fails again at {time}: still the same signal ({n} flaps).",
        signal.flaps,
    ).format(feature=_feature(signal.feature), time=local_when(now, tz, now), n=signal.flaps)


def entry_text(t: Texts, signal: Signal, what: str, tz: str, now: datetime) -> str:
    """A signal's timeline entry in the team's language, plain (drafts quote it)."""
    feature = signal.feature or t._("unmapped alert")
    patterns = {
        ("raised", Source.check): t._("{feature}: its check fails since {time}"),
        ("raised", Source.alert): t._("{feature}: alert firing since {time}"),
        ("recovered", Source.check): t._("{feature}: its check passes again since {time}"),
        ("recovered", Source.alert): t._("{feature}: alert resolved at {time}"),
        ("flapped", signal.source): t._("{feature}: fails again at {time}"),
        ("declared", signal.source): t._("{feature}: incident declared"),
        ("marked down", signal.source): t._("{feature}: marked down since {time}"),
        ("marked up", signal.source): t._("{feature}: marked up at {time}"),
    }
    at = {"raised": signal.started_at, "marked down": signal.started_at}.get(what)
    if what in ("recovered", "marked up"):
        at = signal.ended_at
    time = local_when(at or now, tz, now)
    return patterns[(what, signal.source)].format(feature=feature, time=time)


def check_line(t: Texts, state: CheckState, tz: str, now: datetime) -> str:
    """One check: its last result, since when, the last deploy it checked."""
    name = _feature(state.feature)
    last = state.last
    if last is None:
        line = t._(":white_circle: {feature} has not run yet.").format(feature=name)
    else:
        since = local_when(state.since or last.at, tz, now)
        detail = (
            t._("HTTP {code}").format(code=last.status_code)
            if last.ok
            else reason_text(t, last.reason, state.check.timeout_seconds)
        )
        pattern = (
            t._(":large_green_circle: {feature} passing since {time} ({detail}, {ms} ms)")
            if last.ok
            else t._(":red_circle: {feature} failing since {time} ({detail}, {ms} ms)")
        )
        line = pattern.format(feature=name, time=since, detail=detail, ms=last.latency_ms)
    if state.deploy is not None:
        deploy = change_messages.change_head(t, state.deploy, tz, now)
        line += " · " + t._("last deploy checked: {change}").format(change=deploy)
    return line


def checks_listing(t: Texts, states: list[CheckState], tz: str, now: datetime) -> str:
    """`/incident checks`: failing first."""
    if not states:
        return t._(
            "No feature has a check: add `[features.check]` with a `url` under a feature in the"
            " config file."
        )
    lines = [t._("*Checks*, failing first")]
    lines += [f"• {check_line(t, state, tz, now)}" for state in states]
    return "\n".join(lines)


def home_blocks(t: Texts, states: list[CheckState], tz: str, now: datetime) -> list[Any]:
    """The top of App Home while a check fails: the failing ones (none: nothing)."""
    failing = [s for s in states if s.last is not None and not s.last.ok]
    if not failing:
        return []
    lines = "\n".join(f"• {check_line(t, state, tz, now)}" for state in failing[:20])
    return [
        HeaderBlock(text=t._("Failing checks")),
        SectionBlock(text=lines[:3000]),
        DividerBlock(),
    ]
