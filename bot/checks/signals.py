"""Signals as background work: the schedule's tick runs due checks, a failing streak or a
firing alert becomes one message, recovery and flaps go to its thread, Mute and Not an
incident are recorded on it.

Everything here runs in the schedule loop or in `tasks`, never before a Slack acknowledgement.
The clicks that open or change an incident (Declare, Mark down, Mark up) are in `flows.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from bot.changes.models import ChangeEvent
from bot.changes.service import Changes, IncidentChanges
from bot.changes.suspects import Impact, suspects
from bot.checks import messages
from bot.checks.alerts import AlertIn
from bot.checks.service import Checks, DueRun, Signal, Source, Transition, Turn
from bot.errors import InputError
from bot.features import Features
from bot.i18n import Texts
from bot.incidents.service import Incidents
from bot.models import EntryKind, Incident
from bot.plumbing.schedules import Schedules
from bot.plumbing.tasks import BackgroundTasks
from bot.slack.gateway import SlackWeb
from bot.timeline import Timeline
from bot.timeline.progress import SLACK_DOWN, say, slack_problem

log = logging.getLogger(__name__)

FAMILY = "signals"
MUTE_FOR = timedelta(hours=1)
AutoDeclare = Callable[[Signal], Awaitable[None]]


class SignalFlows:
    def __init__(
        self,
        checks: Checks,
        changes: Changes,
        features: Features,
        incidents: Incidents,
        timeline: Timeline,
        slack: SlackWeb,
        schedules: Schedules,
        tasks: BackgroundTasks,
        texts: Texts,
        *,
        timezone: str,
        channel: str,
    ) -> None:
        self.checks, self.changes, self.features, self.incidents = (
            checks,
            changes,
            features,
            incidents,
        )
        self.timeline, self.slack, self.tasks, self.t = timeline, slack, tasks, texts
        self.timezone, self.channel = timezone, channel
        self.clock = checks.clock
        # Set by the flows layer: how a feature with `auto_declare` opens its incident.
        self.auto_declare: AutoDeclare | None = None
        schedules.every_tick(self.tick)
        changes.listeners.append(self.on_changes)

    # --- the schedule --------------------------------------------------------------------

    async def start(self) -> None:
        """Each check's first run is due at once; with after-deploy checks, the pollable
        change sources are read every minute even with no incident open."""
        await self.checks.plan(poll=self.checks.after_deploys and bool(self.changes.pollers))

    async def tick(self) -> int:
        """Claim what is due and run it in the background; how many probes were started."""
        runs, poll = await self.checks.claim()
        if poll:
            self.tasks.spawn(self.changes.poll(), name="checks-poll")
        if runs:
            self.tasks.spawn(self.run(runs), name="checks-run")
        return len(runs)

    async def run(self, runs: Sequence[DueRun]) -> None:
        for result in await self.checks.run(runs):
            transition = await self.checks.evaluate(result)
            if transition is not None:
                await self.act(transition)

    async def on_changes(self, changes: list[ChangeEvent]) -> None:
        """New deploys: their features' checks are due after each."""
        await self.checks.after_deploy(changes)

    # --- alerts --------------------------------------------------------------------------

    async def receive(self, alerts: Sequence[AlertIn]) -> int:
        """Record alerts (a known episode changes nothing) and act on new ones in the
        background; how many changed a signal."""
        changed = 0
        for alert in alerts:
            transition = await self._alert(alert)
            if transition is not None:
                changed += 1
                self.tasks.spawn(self.act(transition), name="signal")
        return changed

    async def _alert(self, alert: AlertIn) -> Transition | None:
        if alert.firing:
            raised = await self.checks.raise_signal(
                Source.alert,
                alert.fingerprint,
                alert.feature,
                started_at=alert.started_at,
                reason=alert.summary,
                labels=alert.labels,
                url=alert.url,
            )
            return Transition(Turn.raised, raised) if raised else None
        latest = await self.checks.latest_signal(Source.alert, alert.fingerprint)
        if latest is None or latest.ended_at is not None:
            return None
        ended = await self.checks.end(latest, alert.ended_at or self.clock.now())
        return Transition(Turn.recovered, ended) if ended else None

    # --- what a signal does --------------------------------------------------------------

    async def act(self, transition: Transition) -> None:
        signal = transition.signal
        if transition.turn is Turn.raised:
            await self.raised(signal)
        elif transition.turn is Turn.recovered:
            await self.recovered(signal)
        else:
            await self.flapped(signal)

    async def raised(self, signal: Signal) -> None:
        incident = await self.incident_for(signal.feature)
        if incident is not None:
            await self.join(signal, incident)
            return
        if await self.checks.muted(signal.feature):
            log.info("signal %s for %s muted", signal.id, signal.feature)
            return
        config = self.checks.features.get(signal.feature or "")
        if config is not None and config.auto_declare and self.auto_declare is not None:
            await self.auto_declare(signal)
            return
        await self.announce(signal)

    async def incident_for(self, feature: str | None) -> Incident | None:
        """The open incident a signal joins: one that records the feature, else the newest."""
        open_ = await self.incidents.list(open_only=True)
        if not open_:
            return None
        for incident in open_:
            if feature and feature in {
                i.feature for i in await self.features.intervals(incident.id)
            }:
                return incident
        return max(open_, key=lambda i: i.declared_at)

    async def join(self, signal: Signal, incident: Incident) -> None:
        """Post the signal in the incident's channel with its one-click Mark down."""
        now = self.clock.now()
        text, blocks = messages.incident_message(
            self.t, signal, incident.timezone, now, timeout=self._timeout(signal)
        )
        ts = await say(self.slack, self.timeline, incident, text, family=FAMILY, blocks=blocks)
        await self.checks.update(
            signal.id, incident_id=incident.id, channel_id=incident.channel_id, message_ts=ts
        )
        await self.record(incident, signal, "raised")

    async def announce(self, signal: Signal) -> None:
        """Post the signal, with the changes before it, in the alerts channel."""
        text, blocks = await self._announcement(signal)
        try:
            channel = await self.slack.find_channel(self.channel)
            if channel is None:
                log.warning("signal %s not posted: no channel #%s", signal.id, self.channel)
                return
            ts = await self.slack.post(channel, text, blocks)
        except SLACK_DOWN as exc:
            problem = slack_problem(exc)
            log.warning("signal %s not posted: %s", signal.id, problem)
            return
        await self.checks.update(signal.id, channel_id=channel, message_ts=ts)

    async def _announcement(
        self, signal: Signal, decided: str = ""
    ) -> tuple[str, list[dict[str, Any]]]:
        now = self.clock.now()
        seen = await self.changes_before(signal)
        hours = self.changes.settings.window_hours
        changes = messages.changes_blocks(self.t, signal, seen, self.timezone, now, hours)
        return messages.announce_message(
            self.t,
            signal,
            changes,
            self.timezone,
            now,
            timeout=self._timeout(signal),
            decided=decided,
        )

    async def changes_before(self, signal: Signal) -> IncidentChanges:
        """The changes of the feature's services in the window before the signal's start,
        with the suspect by the changes feature's own rule."""
        impact = Impact(signal.feature, signal.started_at)
        window = self.changes.window
        found = await self.changes.store.between(signal.started_at - window, signal.started_at)
        if signal.feature in self.checks.features:
            found = [c for c in found if self.checks.affected_by(signal.feature or "", c.service)]
        return IncidentChanges(found, suspects(found, [impact], window), {}, [impact])

    async def recovered(self, signal: Signal) -> None:
        """In the signal's thread: passing again since, with Mark up if the feature is out."""
        incident = await self._incident(signal)
        offer_up = False
        if incident is not None and signal.feature is not None:
            statuses = await self.features.statuses(incident)
            offer_up = any(s.feature == signal.feature and s.is_out for s in statuses)
        tz = incident.timezone if incident else self.timezone
        text, blocks = messages.recovered_message(
            self.t, signal, tz, self.clock.now(), offer_up=offer_up
        )
        await self._thread(signal, incident, text, blocks)
        if incident is not None:
            if incident.channel_id != signal.channel_id:  # declared from the announcement
                await say(self.slack, self.timeline, incident, text, family=FAMILY, blocks=blocks)
            await self.record(incident, signal, "recovered")

    async def flapped(self, signal: Signal) -> None:
        incident = await self._incident(signal)
        tz = incident.timezone if incident else self.timezone
        text = messages.flapped_text(self.t, signal, tz, self.clock.now())
        await self._thread(signal, incident, text, None)
        if incident is not None:
            await self.record(incident, signal, "flapped")

    async def _thread(
        self,
        signal: Signal,
        incident: Incident | None,
        text: str,
        blocks: list[dict[str, Any]] | None,
    ) -> None:
        if not (signal.channel_id and signal.message_ts):
            return  # never posted (muted, or Slack was down): nothing to answer under
        try:
            await self.slack.post(signal.channel_id, text, blocks, thread_ts=signal.message_ts)
        except SLACK_DOWN as exc:
            problem = slack_problem(exc)
            log.warning("signal %s thread reply not posted: %s", signal.id, problem)
            if incident is not None:
                await self.timeline.record(
                    incident.id,
                    EntryKind.error,
                    f"{FAMILY} message not posted: {problem}",
                    is_key=False,
                    data={"stage": FAMILY, "error": "not_posted", "problem": problem},
                )

    async def _incident(self, signal: Signal) -> Incident | None:
        return None if signal.incident_id is None else await self.incidents.get(signal.incident_id)

    async def record(
        self, incident: Incident, signal: Signal, what: str, actor: str | None = None
    ) -> None:
        """A timeline entry of the incident the signal joined."""
        now = self.clock.now()
        await self.timeline.record(
            incident.id,
            EntryKind.signal,
            messages.entry_text(self.t, signal, what, incident.timezone, now),
            actor=actor,
            is_key=what in ("raised", "declared"),
            data={
                "signal": signal.id,
                "source": signal.source.value,
                "feature": signal.feature,
                "what": what,
                "started_at": signal.started_at.isoformat(),
                "detected_at": signal.detected_at.isoformat(),
                "reason": signal.reason[:200],
            },
        )

    def _timeout(self, signal: Signal) -> float | None:
        check = self.checks.checks.get(signal.feature or "")
        return check.timeout_seconds if check else None

    # --- decisions on the announcement ---------------------------------------------------

    async def require(self, signal_id: int) -> Signal:
        signal = await self.checks.get(signal_id)
        if signal is None:
            raise InputError(self.t._("That signal is no longer recorded."))
        return signal

    async def mute(self, signal_id: int, user: str) -> None:
        signal = await self.require(signal_id)
        until = self.clock.now() + MUTE_FOR
        decided = await self.checks.decide(signal.id, "muted", user, muted_until=until)
        if decided is not None:
            await self.show_decision(decided)

    async def dismiss(self, signal_id: int, user: str, why: str) -> None:
        signal = await self.require(signal_id)
        decided = await self.checks.decide(signal.id, "dismissed", user, note=why.strip())
        if decided is not None:
            await self.show_decision(decided)

    async def show_decision(self, signal: Signal, number: str = "") -> None:
        """Replace the buttons with what a person decided."""
        if not (signal.channel_id and signal.message_ts):
            return
        now = self.clock.now()
        incident = await self._incident(signal)
        tz = incident.timezone if incident and signal.decision == "marked" else self.timezone
        line = messages.decision_line(self.t, signal, tz, now, number)
        if signal.decision == "marked" and incident is not None:
            text, blocks = messages.incident_message(
                self.t, signal, tz, now, timeout=self._timeout(signal), decided=line
            )
        else:
            text, blocks = await self._announcement(signal, decided=line)
        try:
            await self.slack.update(signal.channel_id, signal.message_ts, text, blocks)
        except SLACK_DOWN as exc:
            problem = slack_problem(exc)
            log.warning("signal %s message not updated: %s", signal.id, problem)
