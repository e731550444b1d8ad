"""The clicks on a signal that open or change an incident: Declare incident (from the prefilled
form, or at once for a feature with `auto_declare`), Mark down since the first failure, Mark up
since passing again. The times recorded are the signal's, never the click's.
"""

from __future__ import annotations

from datetime import datetime

from bot.checks.service import Signal
from bot.checks.signals import FAMILY
from bot.errors import InputError
from bot.features import flows as feature_flows
from bot.incidents import flows as incident_flows
from bot.models import FeatureState, Incident, Severity
from bot.services import Services
from bot.timeline.progress import say


def title_for(services: Services, signal: Signal) -> str:
    """The declare form's suggested title."""
    t = services.texts
    if signal.feature is None:
        return (signal.reason or t._("Unmapped alert"))[:150]
    return t._("{feature} failing").format(feature=signal.feature)[:150]


async def lead_for(services: Services, signal: Signal) -> str | None:
    """Who leads an incident a signal opens by itself (`auto_declare`): the person on call on
    the first paging schedule; None (the bot declared it, nobody leads yet) without paging or
    when the provider cannot say."""
    return await services.paging.current_oncall_slack_user()


async def declare(
    services: Services,
    signal_id: int,
    *,
    title: str,
    severity: Severity,
    description: str,
    features: list[str],
    user: str,
    request_key: str,
) -> Incident:
    """Declare from the signal's form; set-up, and the feature down since the first failure,
    follow in the background."""
    signal = await services.signal_flows.require(signal_id)
    if signal.decision is not None and signal.incident_id is None:
        raise InputError(
            services.texts._("Someone already decided on this signal: {what}.").format(
                what=signal.decision
            )
        )
    incident = await services.incidents.declare(
        title, severity=severity, declared_by=user, description=description, request_key=request_key
    )
    decided = await services.checks.decide(signal.id, "declared", user, incident_id=incident.id)
    if decided is not None:  # a resubmitted form finds its incident and does nothing more
        services.tasks.spawn(
            _set_up(services, incident, decided, user, features), name=f"setup-{incident.id}"
        )
    return incident


async def auto_declare(services: Services, signal: Signal) -> None:
    """`auto_declare = true`: the signal opens its incident at once, feature down since the
    first failure."""
    bot = await services.slack.bot_user_id()
    incident = await services.incidents.declare(
        title_for(services, signal),
        severity=services.settings.alerts.severity,
        declared_by=bot,
        request_key=f"signal:{signal.id}",
    )
    lead = await lead_for(services, signal)
    if lead is not None:
        incident = await services.incidents.set_lead(incident, lead, bot)
    decided = await services.checks.decide(signal.id, "declared", bot, incident_id=incident.id)
    if decided is not None:
        await _set_up(services, incident, decided, bot, [signal.feature or ""])


async def _set_up(
    services: Services, incident: Incident, signal: Signal, user: str, features: list[str]
) -> None:
    others = [f for f in features if f != signal.feature]
    result = await incident_flows.set_up(services, incident, declarer=user, features=others)
    incident = result.incident
    await services.signal_flows.record(incident, signal, "declared", actor=user)
    if signal.feature is not None and signal.feature in features:
        await _change(services, incident, signal, FeatureState.down, signal.started_at, user)
    await services.signal_flows.show_decision(signal, incident.number)


async def _change(
    services: Services,
    incident: Incident,
    signal: Signal,
    state: FeatureState,
    at: datetime,
    user: str,
) -> str:
    """The feature's change through the features flow, so the board, suspects and record
    follow as if it had been typed; its line goes to the incident's channel, wherever the
    button was."""
    now = services.clock.now()
    assert signal.feature is not None
    changed = await feature_flows.change_feature(
        services, incident, signal.feature, state, user, at=at, now=now
    )
    services.tasks.spawn(
        say(services.slack, services.timeline, incident, changed.text, family=FAMILY),
        name="signal-mark",
    )
    await services.signal_flows.record(
        incident, signal, "marked up" if state is FeatureState.up else "marked down", actor=user
    )
    return changed.text


async def mark_down(services: Services, signal_id: int, user: str) -> str:
    """Mark the feature down since the signal's start; the line said in the channel."""
    signal = await services.signal_flows.require(signal_id)
    incident = await _incident(services, signal)
    text = await _change(services, incident, signal, FeatureState.down, signal.started_at, user)
    decided = await services.checks.decide(signal.id, "marked", user)
    if decided is not None:
        services.tasks.spawn(services.signal_flows.show_decision(decided), name="signal")
    return text


async def mark_up(services: Services, signal_id: int, user: str) -> str:
    """Mark the feature up since it passes again (or the alert resolved)."""
    signal = await services.signal_flows.require(signal_id)
    incident = await _incident(services, signal)
    if signal.ended_at is None:
        raise InputError(services.texts._("It is failing again: it stays down for now."))
    return await _change(services, incident, signal, FeatureState.up, signal.ended_at, user)


async def _incident(services: Services, signal: Signal) -> Incident:
    if signal.incident_id is None or signal.feature is None:
        raise InputError(services.texts._("This signal is not part of an incident."))
    return await services.incidents.get(signal.incident_id)
