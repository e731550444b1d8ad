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
from bot.time.formatting import when as local_when
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
    follow in the background. The signal is claimed first, so two forms (or two replicas)
    never declare twice from it: the later one is told who did, and nothing is written."""
    signal = await services.signal_flows.require(signal_id)
    if await services.checks.decide(signal.id, "declared", user) is None:
        raise InputError(await _decided(services, signal.id))
    try:
        incident = await services.incidents.declare(
            title,
            severity=severity,
            declared_by=user,
            description=description,
            request_key=request_key,
        )
    except Exception:  # nothing was declared: the signal is open to a decision again
        await services.checks.update(signal.id, decision=None, decided_by=None, decided_at=None)
        raise
    decided = await services.checks.update(signal.id, incident_id=incident.id)
    services.tasks.spawn(
        _set_up(services, incident, decided, user, features), name=f"setup-{incident.id}"
    )
    return incident


async def _decided(services: Services, signal_id: int) -> str:
    """What a person already decided on the signal, for the one who came second."""
    t = services.texts
    signal = await services.signal_flows.require(signal_id)
    if signal.decision != "declared":
        return t._("Someone already decided on this signal: {what}.").format(what=signal.decision)
    assert signal.decided_by is not None
    assert signal.decided_at is not None
    who = await services.people.name(signal.decided_by)  # a form's error is plain text
    now = services.clock.now()
    time = local_when(t, signal.decided_at, services.settings.timezone, now, "at")
    if signal.incident_id is None:  # still being declared
        said = t._("{who} already declared an incident from this signal {time}.")
        return said.format(who=who, time=time)
    incident = await services.incidents.get(signal.incident_id)
    said = t._("{who} already declared {number} from this signal {time}.")
    return said.format(who=who, number=incident.number, time=time)


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
    incident = await services.incidents.get(signal.incident_id)
    # A closed incident's record is final: the signal's buttons have expired.
    services.incidents.require_current(incident, services.texts._("nothing was marked"))
    return incident
