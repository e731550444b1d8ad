"""Maintenance mode for an incident: the switch, its report in the channel, and its record.

Every attempt (refused, failed, confirmed, dry run) becomes a timeline entry of kind
`maintenance`. Only a state the provider confirmed opens or closes a window, so the windows —
what the board, the reminders and the postmortem read — say exactly how long customers were
locked out.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import timedelta

from babel.numbers import format_decimal
from sqlalchemy import select, update
from sqlalchemy.sql.elements import ColumnElement

from bot.errors import InputError
from bot.i18n import N_, Texts, texts
from bot.incidents.service import Incidents
from bot.maintenance.gateway import MaintenanceGateway, UnknownTargetError
from bot.maintenance.providers.base import MaintenanceResult
from bot.models import EntryKind, Incident, MaintenanceWindow
from bot.plumbing.schedules import Due, Schedules
from bot.slack.gateway import SlackWeb, escape
from bot.slack.permissions import MaintenancePermissions
from bot.store import tables
from bot.store.conflicts import insert_ignoring_conflicts
from bot.store.database import Database
from bot.time import durations, formatting
from bot.time.clock import Clock
from bot.timeline import Timeline
from bot.timeline.progress import say

log = logging.getLogger(__name__)

FAMILY = "maintenance"
"""Schedule family of the reminders; one schedule `maintenance:<target>` per switched target."""

DRY_RUN = N_("DRY RUN — nothing will change")
"""Marked, translated where shown: `t._(DRY_RUN)`."""


def state(enabled: bool) -> str:
    """The keyword (`on`/`off`): task names and the timeline's plain sentence."""
    return "on" if enabled else "off"


def state_label(t: Texts, enabled: bool) -> str:
    """How the state reads in Slack, in the team's language."""
    return t.pgettext("maintenance", "on") if enabled else t.pgettext("maintenance", "off")


def off_command(t: Texts, target: str) -> str:
    """The command that ends maintenance, with the Italian alias in Italian."""
    return t._("`/incident maintenance off {target}`").format(target=target)


def seconds(t: Texts, value: float) -> str:
    """`1.2` (`1,2` in Italian): how long a platform took, to a tenth of a second."""
    return format_decimal(value, format="0.0", locale=t.locale)


def _open_window(incident_id: int, target: str) -> ColumnElement[bool]:
    w = tables.maintenance_windows
    return (w.c.incident_id == incident_id) & (w.c.target == target) & w.c.ended_at.is_(None)


def _entry_text(result: MaintenanceResult, outcome: str) -> str:
    """The timeline's plain sentence; the structured facts are in the entry's `data`."""
    head = f"maintenance {state(result.enabled)} for {result.target} ({result.provider})"
    if outcome == "refused":
        return f"{head} {result.error}"
    if not result.ok:
        return f"{head} failed: {result.error}"
    if result.dry_run:
        return f"{head}: dry run, nothing changed"
    return f"{head}: confirmed in {result.duration_seconds:.1f} s"


class Maintenance:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        timeline: Timeline,
        schedules: Schedules,
        incidents: Incidents,
        slack: SlackWeb,
        gateway: MaintenanceGateway,
        permissions: MaintenancePermissions,
        *,
        remind_every: timedelta,
        t: Texts | None = None,
    ) -> None:
        """`t`: the workspace's language, for everything said in the incident channel."""
        self.db, self.clock, self.timeline, self.schedules = db, clock, timeline, schedules
        self.incidents, self.slack, self.gateway = incidents, slack, gateway
        self.permissions, self.remind_every = permissions, remind_every
        self.t = t or texts("en")
        # One process records one switch at a time, so a window is never opened twice.
        self._recording = asyncio.Lock()
        schedules.on(FAMILY, self.remind, remind_every)

    # --- targets ------------------------------------------------------------------------

    def resolve(self, name: str | None, action: str = "on") -> str:
        """The target a user named (or the only one); bad names are an InputError whose example
        keeps the `action` word that was typed ("off", "disattiva")."""
        try:
            return self.gateway.resolve(name)
        except UnknownTargetError as exc:
            t, known = self.t, ", ".join(exc.known)
            if exc.name is None:
                reason = t._("Say which maintenance target: {targets}.").format(targets=known)
            else:
                reason = t._("No maintenance target named {name}; try: {targets}.").format(
                    name=escape(repr(exc.name)), targets=known
                )
            example = next(iter(self.gateway.targets))
            raise InputError(
                reason,
                t._("For example `/incident maintenance {action} {target}`.").format(
                    action=escape(action), target=example
                ),
            ) from None

    def provider(self, target: str) -> str:
        return self.gateway.targets[target].provider

    def is_dry_run(self, target: str) -> bool:
        return self.provider(target) == "dryrun"

    # --- asking -------------------------------------------------------------------------

    async def refusal(
        self, incident: Incident, target: str, enabled: bool, user: str
    ) -> str | None:
        """None when `user` may switch `target`; otherwise why not, the attempt recorded."""
        reason = await self.permissions.refusal(user, incident.channel_id)
        if reason is not None:
            provider = self.provider(target)
            refused = MaintenanceResult(
                target,
                provider,
                enabled,
                ok=False,
                dry_run=provider == "dryrun",
                error=f"refused: {reason}",
            )
            await self._record(incident, user, refused, "refused")
        return reason

    async def claim(self, request_id: str) -> bool:
        """True the first time a confirmation arrives: a double-click switches once."""
        key = f"{FAMILY}:{hashlib.sha256(request_id.encode()).hexdigest()[:48]}"
        async with self.db.begin() as conn:
            claimed = await conn.execute(
                insert_ignoring_conflicts(tables.processed_events, "event_id").values(
                    event_id=key, received_at=self.clock.now()
                )
            )
        return claimed.rowcount == 1

    # --- the switch ---------------------------------------------------------------------

    def report(self, result: MaintenanceResult, user: str, *, done: bool = True) -> str:
        """The channel's message: `Turning … for web (heroku)…`, then how it went."""
        t = self.t
        icon = ":construction:" if result.enabled else ":globe_with_meridians:"
        prefix = f":test_tube: {t._(DRY_RUN)}. " if result.dry_run else f"{icon} "
        turning = (
            t._("Turning maintenance *on* for *{target}* ({provider})…")
            if result.enabled
            else t._("Turning maintenance *off* for *{target}* ({provider})…")
        )
        head = prefix + turning.format(target=result.target, provider=result.provider)
        asked = t._("Asked by {user}.").format(user=f"<@{user}>")
        if not done:
            return f"{head}\n{asked}"
        if not result.ok:
            error = escape(result.error or t._("unknown error"))
            return f"{head}\n" + t._(":x: failed: {error}").format(error=error) + f"\n{asked}"
        if result.dry_run:
            return t._("{action} recorded; nothing changed.").format(action=head) + f"\n{asked}"
        took = t._("{action} done in {seconds} s.").format(
            action=head, seconds=seconds(t, result.duration_seconds)
        )
        if result.enabled:
            off = off_command(t, result.target)
            then = t._("The app is offline until {command}.").format(command=off)
        else:
            then = t._("The app is back online.")
        return f"{took}\n{then} {asked}"

    async def switch(
        self, incident: Incident, target: str, enabled: bool, user: str, request_id: str
    ) -> MaintenanceResult:
        """Call the platform, reporting in the channel, and record the outcome.

        Slow (up to three attempts of 30 s): run it after Slack's ack, in the background.
        """
        planned = MaintenanceResult(
            target, self.provider(target), enabled, ok=False, dry_run=self.is_dry_run(target)
        )
        ts = await self._say(incident, self.report(planned, user, done=False))
        result = await self.gateway.set(
            target, enabled, incident=incident.number, requested_by=user, request_id=request_id
        )
        await self._record(incident, user, result, "succeeded" if result.ok else "failed")
        await self._say(incident, self.report(result, user), ts)
        return result

    async def _record(
        self, incident: Incident, user: str, result: MaintenanceResult, outcome: str
    ) -> None:
        now, kind = self.clock.now(), f"{FAMILY}:{result.target}"
        data = {
            "outcome": outcome,
            "target": result.target,
            "provider": result.provider,
            "enabled": result.enabled,
            "ok": result.ok,
            "dry_run": result.dry_run,
            "error": result.error,
            "attempts": result.attempts,
            "duration_seconds": round(result.duration_seconds, 3),
        }
        w = tables.maintenance_windows
        async with self._recording, self.db.begin() as conn:
            await self.timeline.record(
                incident.id,
                EntryKind.maintenance,
                _entry_text(result, outcome),
                actor=user,
                is_key=result.ok,
                data=data,
                conn=conn,
            )
            if not result.ok:
                return
            is_open = _open_window(incident.id, result.target)
            if not result.enabled:
                await conn.execute(update(w).where(is_open).values(ended_at=now))
                await self.schedules.cancel(incident.id, kind, conn=conn)
                return
            if (await conn.execute(select(w.c.id).where(is_open))).first() is None:
                await conn.execute(
                    w.insert().values(
                        incident_id=incident.id,
                        target=result.target,
                        provider=result.provider,
                        dry_run=result.dry_run,
                        started_at=now,
                    )
                )
            await self.schedules.set(incident.id, kind, now + self.remind_every, conn=conn)

    # --- reading ------------------------------------------------------------------------

    async def windows(self, incident_id: int) -> list[MaintenanceWindow]:
        """The incident's windows in start order; one still on has no `ended_at`."""
        w = tables.maintenance_windows
        query = select(w).where(w.c.incident_id == incident_id).order_by(w.c.started_at, w.c.id)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [MaintenanceWindow.model_validate(dict(row)) for row in rows]

    async def remind(self, due: Due) -> None:
        """Say in the channel how long maintenance has been on; stop once it is off."""
        target = due.kind.partition(":")[2]
        windows = await self.windows(due.incident_id)
        window = next((w for w in windows if w.target == target and w.ended_at is None), None)
        if window is None:
            await self.schedules.cancel(due.incident_id, due.kind)
            return
        incident = await self.incidents.get(due.incident_id)
        fields = {
            "target": target,
            "provider": window.provider,
            "since": formatting.when(
                self.t, window.started_at, incident.timezone, self.clock.now(), "since"
            ),
            "duration": durations.short(durations.between(window.started_at, self.clock.now())),
            "command": off_command(self.t, target),
        }
        if window.dry_run:
            text = self.t._(
                ":test_tube: DRY RUN: maintenance is recorded as *on* for *{target}* for"
                " {duration}, {since} (nothing changed). {command} ends it."
            )
        else:
            text = self.t._(
                ":construction: Maintenance has been *on* for *{target}* ({provider}) for"
                " {duration}, {since}: customers still see the maintenance page."
                " {command} brings the app back."
            )
        await self._say(incident, text.format(**fields))

    async def _say(self, incident: Incident, text: str, ts: str | None = None) -> str | None:
        """Post (or update) in the incident channel; a Slack failure is logged and recorded."""
        # Any failure: Slack down must not stop the switch or lose its record.
        return await say(
            self.slack, self.timeline, incident, text, family=FAMILY, ts=ts, failures=(Exception,)
        )
