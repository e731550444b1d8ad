"""`/incident rollback [target] [to VERSION]`: back to the release before the suspect.

The proposal is built from recorded releases (no deploy API before Slack's acknowledgement);
after the confirmation the platform is called in the background, the new current release is
read back, and only a release the platform shows as current and succeeded counts as done. Each
attempt (refused, failed, done, dry run) is a timeline entry; a done one is a change event too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.changes.models import ChangeEvent, ChangeIn, Mark
from bot.changes.providers.heroku import HerokuReleases, Release, newest
from bot.changes.service import Changes
from bot.changes.sources import DryRunSource, HerokuSource, service_of
from bot.errors import InputError
from bot.features import Features
from bot.i18n import Texts
from bot.incidents.service import Incidents
from bot.models import EntryKind, Incident, Status
from bot.plumbing.http import CallFailed
from bot.plumbing.tasks import BackgroundTasks
from bot.slack.gateway import SlackWeb, error_code, escape
from bot.slack.permissions import MaintenancePermissions
from bot.timeline import Timeline
from bot.timeline.progress import say

# Reads of the new release while Heroku still reports it `pending`.
VERIFY_READS = 3


@dataclass(frozen=True)
class RollbackPlan:
    target: str
    provider: str
    current: ChangeEvent
    to: ChangeEvent


@dataclass(frozen=True)
class RollbackOutcome:
    ok: bool
    attempts: int = 0
    release: Release | None = None
    error: str | None = None
    dry_run: bool = False


def _version(text: str) -> str:
    text = text.strip()
    return f"v{text}" if text.isdigit() else text


@dataclass(frozen=True)
class Proposal:
    """What asking (or confirming) a rollback came to: a question, a refusal, or a notice."""

    plan: RollbackPlan
    question: str = ""
    refusal: str | None = None
    said: str | None = None


class Rollbacks:
    def __init__(
        self,
        changes: Changes,
        features: Features,
        timeline: Timeline,
        slack: SlackWeb,
        permissions: MaintenancePermissions,
        texts: Texts,
        incidents: Incidents,
        tasks: BackgroundTasks,
    ) -> None:
        self.changes, self.features, self.timeline = changes, features, timeline
        self.slack, self.permissions, self.t = slack, permissions, texts
        self.incidents, self.tasks = incidents, tasks
        self.targets = {
            name: source
            for name, source in changes.settings.sources.items()
            if isinstance(source, HerokuSource | DryRunSource)
        }

    # --- asking ------------------------------------------------------------------------

    async def propose(self, incident: Incident, args: str, user: str) -> Proposal:
        """`/incident rollback [target] [to VERSION]`: the plan and its question, or why not.

        Built from recorded releases only: nothing is sent to the platform before the click.
        """
        if incident.status is Status.closed:
            raise InputError(self.t._("{number} is closed.").format(number=incident.number))
        target, version = self.parse(args)
        plan = await self.plan(incident, target, version)
        if reason := await self.refusal(incident, user, plan):
            return Proposal(plan, refusal=reason)
        return Proposal(plan, question=self.question(plan))

    async def confirm(
        self, incident: Incident, target: str, to: str, current: str, user: str, request: str
    ) -> Proposal | None:
        """The Roll back click: checked again (the live release, who may), run once in the
        background; None when it runs, else a proposal whose `refusal` says why not. A closed
        incident raises Expired."""
        self.incidents.require_current(incident, self.t._("nothing was rolled back"))
        plan = await self.plan(incident, target, to)
        if plan.current.version != current:
            moved = self.t._(
                ":warning: The live release of {target} is now {live}, not {asked}: ask again."
            ).format(target=target, live=plan.current.version, asked=current)
            return Proposal(plan, said=moved)
        if reason := await self.refusal(incident, user, plan):
            return Proposal(plan, refusal=reason)
        if await self.claim(request):
            self.tasks.spawn(
                self.run(incident, plan, user, request), name=f"rollback-{incident.id}-{target}"
            )
        return None

    def parse(self, args: str) -> tuple[str, str | None]:
        """`[target] [to VERSION]` -> (target, version or None); bad input is an InputError."""
        words = args.split()
        version = None
        if len(words) >= 2 and words[-2].lower() in ("to", "a"):
            version, words = _version(words[-1]), words[:-2]
        if len(words) > 1:
            raise InputError(
                self.t._("I can't read `{text}`.").format(text=escape(args[:60])),
                self.t._("For example `/incident rollback web to v120`."),
            )
        return self.resolve(words[0] if words else None), version

    def resolve(self, name: str | None) -> str:
        names = ", ".join(sorted(self.targets)) or "-"
        if not self.targets:
            raise InputError(
                self.t._("No source can be rolled back."),
                self.t._('Configure one with `provider = "heroku"` under `[changes.sources]`.'),
            )
        if name is None:
            if len(self.targets) == 1:
                return next(iter(self.targets))
            raise InputError(self.t._("Say which to roll back: {names}.").format(names=names))
        key = name.strip().lower()
        if key not in self.targets:
            raise InputError(
                self.t._("Nothing called {name} can be rolled back; try: {names}.").format(
                    name=escape(name[:40]), names=names
                )
            )
        return key

    async def plan(self, incident: Incident, target: str, version: str | None) -> RollbackPlan:
        """Which release is live and which one to go back to, from the recorded releases."""
        t = self.t
        releases = await self._releases(target)
        if not releases:
            raise InputError(
                t._("No release of {target} is recorded yet.").format(target=target),
                t._("Releases are read at every declaration and `feature down`; try again soon."),
            )
        current = releases[0]
        if version is not None:
            to = next((r for r in releases if r.version == version), None)
            if to is None:
                known = ", ".join(r.version for r in releases[:5])
                raise InputError(
                    t._("{target} has no recorded release {version}.").format(
                        target=target, version=escape(version[:40])
                    ),
                    t._("Recent ones: {known}.").format(known=known),
                )
        else:
            suspect = await self._suspect(incident, target)
            to = next((r for r in releases if r.deployed_at < suspect.deployed_at), None)
            if to is None:
                raise InputError(
                    t._("No release of {target} is recorded before {version}.").format(
                        target=target, version=escape(suspect.version)
                    )
                )
        if to.id == current.id:
            raise InputError(
                t._("{version} is already the live release of {target}.").format(
                    version=escape(to.version), target=target
                )
            )
        return RollbackPlan(target, self.targets[target].provider, current, to)

    async def _releases(self, target: str) -> list[ChangeEvent]:
        """Heroku rolls back to its own releases (their ids); a dry run to any recorded one."""
        if self.targets[target].provider == "heroku":
            return await self.changes.store.of_source(target)
        return await self.changes.store.of_service(service_of(target, self.targets[target]))

    async def _suspect(self, incident: Incident, target: str) -> ChangeEvent:
        """The change marked *Caused it* for the target's service, else its latest suspect."""
        service = service_of(target, self.targets[target])
        seen = await self.changes.for_incident(incident, await self.features.intervals(incident.id))
        mine = [c for c in seen.changes if c.service == service or c.source == target]
        caused = [c for c in mine if (m := seen.marks.get(c.id)) and m.mark is Mark.caused]
        suspected = [c for c in mine if seen.suspected_for(c.id)]
        found = caused or suspected
        if not found:
            raise InputError(
                self.t._("No change of {target} is suspect in {number}.").format(
                    target=target, number=incident.number
                ),
                self.t._("Name the release: `/incident rollback {target} to v120`.").format(
                    target=target
                ),
            )
        return found[0]

    def question(self, plan: RollbackPlan) -> str:
        names = {
            "target": plan.target,
            "current": escape(plan.current.version),
            "to": escape(plan.to.version),
        }
        if plan.provider == "dryrun":
            return self.t._(
                ":test_tube: *Dry run.* Record a rollback of *{target}* from *{current}* to"
                " *{to}*? Nothing is sent anywhere."
            ).format(**names)
        return self.t._(
            ":rewind: Roll *{target}* back from *{current}* to *{to}* on Heroku? The app"
            " restarts on {to}'s code and config."
        ).format(**names)

    async def refusal(self, incident: Incident, user: str, plan: RollbackPlan) -> str | None:
        """None when `user` may roll back; else why not, the attempt recorded."""
        try:
            allowed = await self.permissions.permitted(user, incident.channel_id)
            reason = (
                None
                if allowed
                else (
                    self.t._("only members of the incident channel may roll back")
                    if self.permissions.allowed is None
                    else self.t._(
                        "only the people listed under `[permissions] rollback` may roll back"
                    )
                )
            )
        except SlackApiError as exc:
            reason = self.t._("Slack could not say who may roll back (`{code}`)").format(
                code=error_code(exc)
            )
        if reason is not None:
            await self._record(
                incident, user, plan, RollbackOutcome(ok=False, error=reason), "refused"
            )
        return reason

    async def claim(self, request: str) -> bool:
        """True the first time a confirmation arrives: a double click rolls back once."""
        return await self.changes.claim(f"rollback:{request}")

    # --- doing -------------------------------------------------------------------------

    async def run(self, incident: Incident, plan: RollbackPlan, user: str, request: str) -> None:
        """Call the platform, verify, record and report. Slow: run it after the ack."""
        names = {"target": plan.target, "current": plan.current.version, "to": plan.to.version}
        start = self.t._(":rewind: Rolling *{target}* back from *{current}* to *{to}*…").format(
            **{k: escape(v) for k, v in names.items()}
        )
        ts = await self._say(incident, start)
        began = time.perf_counter()
        outcome = await self._execute(plan, user, request)
        if outcome.ok:
            await self._record_release(plan, outcome, user, request)
        await self._record(incident, user, plan, outcome, "succeeded" if outcome.ok else "failed")
        await self._say(
            incident, self._report(plan, outcome, time.perf_counter() - began, user), ts
        )

    async def _execute(self, plan: RollbackPlan, user: str, request: str) -> RollbackOutcome:
        if plan.provider == "dryrun":
            return RollbackOutcome(ok=True, dry_run=True)
        provider = self.changes.heroku[plan.target]
        try:
            release, attempts = await provider.rollback(plan.to.external_id)
        except CallFailed as exc:
            return RollbackOutcome(ok=False, attempts=exc.attempts, error=str(exc))
        return await self._verify(provider, release, attempts)

    async def _verify(
        self, provider: HerokuReleases, release: Release, attempts: int
    ) -> RollbackOutcome:
        """Trust the platform's current release, not the 2xx: a release can fail to start."""
        policy = self.changes.policy
        for read in range(1, VERIFY_READS + 1):
            try:
                live = newest(await provider.releases(5))
            except CallFailed as exc:
                error = self.t._(
                    "Heroku accepted the rollback, but reading the releases back failed: {error}"
                ).format(error=str(exc))
                return RollbackOutcome(ok=False, attempts=attempts, release=release, error=error)
            if live is not None and live.id == release.id and live.status == "succeeded":
                return RollbackOutcome(ok=True, attempts=attempts, release=live)
            if live is None or live.id != release.id or live.status != "pending":
                break
            await policy.sleep(policy.backoff(read))
        shown = f"{live.name} ({live.status})" if live is not None else "-"
        error = self.t._(
            "Heroku accepted the rollback as {new}, but the current release is {live}"
        ).format(new=release.name, live=shown)
        return RollbackOutcome(ok=False, attempts=attempts, release=release, error=error)

    async def _record_release(
        self, plan: RollbackPlan, outcome: RollbackOutcome, user: str, request: str
    ) -> None:
        release = outcome.release
        now = self.changes.clock.now()
        service = service_of(plan.target, self.targets[plan.target])
        await self.changes.record(
            [
                ChangeIn(
                    source=plan.target,
                    service=service,
                    version=release.name if release else plan.to.version,
                    description=(release.description if release else "")
                    or f"Rollback to {plan.to.version}",
                    author=(release.user.email if release and release.user else "") or user,
                    deployed_at=release.created_at if release else now,
                    external_id=release.id if release else f"dryrun-{request}"[:128],
                )
            ]
        )

    def _report(self, plan: RollbackPlan, outcome: RollbackOutcome, took: float, user: str) -> str:
        t = self.t
        head = t._(":rewind: Rolling *{target}* back from *{current}* to *{to}*…").format(
            target=plan.target, current=escape(plan.current.version), to=escape(plan.to.version)
        )
        asked = t._("Asked by <@{user}>.").format(user=user)
        if not outcome.ok:
            failed = t._(":x: failed: {error}").format(error=escape(outcome.error or "?"))
            return f"{head}\n{failed}\n{asked}"
        if outcome.dry_run:
            return f"{head}\n" + t._("Dry run: recorded, nothing changed.") + f" {asked}"
        live = outcome.release.name if outcome.release else plan.to.version
        done = t._("done in {seconds} s: {live} is live, running {to}'s code.").format(
            seconds=f"{took:.1f}", live=live, to=escape(plan.to.version)
        )
        return f"{head} {done}\n{asked}"

    async def _record(
        self,
        incident: Incident,
        user: str,
        plan: RollbackPlan,
        outcome: RollbackOutcome,
        result: str,
    ) -> None:
        new = outcome.release.name if outcome.release else None
        await self.timeline.record(
            incident.id,
            EntryKind.change,
            f"rollback of {plan.target} from {plan.current.version} to {plan.to.version}: {result}"
            + (f" ({outcome.error})" if outcome.error else ""),
            actor=user,
            is_key=outcome.ok,
            data={
                "rollback": True,
                "outcome": result,
                "target": plan.target,
                "provider": plan.provider,
                "from": plan.current.version,
                "to": plan.to.version,
                "release": new,
                "ok": outcome.ok,
                "dry_run": outcome.dry_run,
                "attempts": outcome.attempts,
                "error": outcome.error,
            },
        )

    async def _say(self, incident: Incident, text: str, ts: str | None = None) -> str | None:
        return await say(self.slack, self.timeline, incident, text, family="rollback", ts=ts)
