"""The one door from incident services to deploy platforms.

It resolves the target a user named (or the only one configured), and makes sure that a
double-click, or two responders typing `maintenance on` at once, cause one remote call: the
second request awaits the first one's result. Requests for different states of one target run
one after the other, never interleaved.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Mapping
from types import MappingProxyType

import httpx

from bot.maintenance.providers.base import (
    MaintenanceProvider,
    MaintenanceRequest,
    MaintenanceResult,
)
from bot.maintenance.providers.dryrun import DryRunProvider
from bot.maintenance.providers.heroku import HerokuProvider
from bot.maintenance.providers.webhook import WebhookProvider
from bot.maintenance.targets import (
    DEFAULT_TARGET,
    DryRunTarget,
    HerokuTarget,
    Target,
    WebhookTarget,
)
from bot.plumbing.retry import RetryPolicy
from bot.time.clock import Clock


class UnknownTargetError(ValueError):
    """The user named no target, or one that is not configured; the message says which exist.

    `name` (None when none was given) and `known` let Slack say the same in the team's language.
    """

    def __init__(self, message: str, *, name: str | None, known: list[str]) -> None:
        super().__init__(message)
        self.name, self.known = name, known


class MaintenanceGateway:
    def __init__(
        self,
        targets: Mapping[str, Target] | None = None,
        *,
        clock: Clock,
        environ: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """`environ` defaults to the live `os.environ`; `transport` exists for tests."""
        configured: dict[str, Target] = dict(targets or {}) or {DEFAULT_TARGET: DryRunTarget()}
        self._targets = MappingProxyType(configured)
        self._clock = clock
        env = os.environ if environ is None else environ
        policy = retry or RetryPolicy()
        self._providers: dict[str, MaintenanceProvider] = {
            name: _build(name, target, env, policy, transport)
            for name, target in configured.items()
        }
        self._locks = {name: asyncio.Lock() for name in configured}
        self._latest: dict[str, tuple[bool, asyncio.Task[MaintenanceResult]]] = {}
        self._tasks: set[asyncio.Task[MaintenanceResult]] = set()

    def __repr__(self) -> str:
        return f"MaintenanceGateway(targets={sorted(self._targets)})"

    @property
    def targets(self) -> Mapping[str, Target]:
        return self._targets

    def resolve(self, name: str | None = None) -> str:
        """The configured target `name` refers to; without a name, the only one there is."""
        known = sorted(self._targets)
        names = ", ".join(known)
        if name is None or not name.strip():
            if len(self._targets) == 1:
                return next(iter(self._targets))
            raise UnknownTargetError(
                f"say which maintenance target: {names}", name=None, known=known
            )
        key = name.strip().lower()
        if key not in self._targets:
            raise UnknownTargetError(
                f"no maintenance target named {name.strip()!r}; try: {names}",
                name=name.strip(),
                known=known,
            )
        return key

    async def set(
        self,
        name: str | None,
        enabled: bool,
        *,
        incident: str,
        requested_by: str,
        request_id: str | None = None,
    ) -> MaintenanceResult:
        """Switch maintenance mode; platform failures come back as `ok=False`, never raised
        (an unknown target name raises UnknownTargetError before anything is sent).

        `request_id` identifies the user's command (e.g. Slack's trigger id) so a redelivered
        command produces the same webhook Idempotency-Key.
        """
        target = self.resolve(name)
        latest = self._latest.get(target)
        if latest is not None and latest[0] == enabled and not latest[1].done():
            task = latest[1]
        else:
            request = MaintenanceRequest(
                enabled=enabled,
                incident=incident,
                requested_by=requested_by,
                requested_at=self._clock.now(),
                request_id=request_id or uuid.uuid4().hex,
            )
            task = asyncio.create_task(self._run(target, request))
            self._latest[target] = (enabled, task)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # Shielded: once sent, a switch is seen through even if one waiting caller goes away.
        return await asyncio.shield(task)

    async def read_state(self, name: str | None = None) -> bool | None:
        """The live state, None when the provider cannot tell; raises CallFailed on failure."""
        return await self._providers[self.resolve(name)].read_state()

    async def _run(self, target: str, request: MaintenanceRequest) -> MaintenanceResult:
        async with self._locks[target]:
            return await self._providers[target].set(request)


def _build(
    name: str,
    target: Target,
    environ: Mapping[str, str],
    policy: RetryPolicy,
    transport: httpx.AsyncBaseTransport | None,
) -> MaintenanceProvider:
    match target:
        case HerokuTarget():
            return HerokuProvider(name, target, environ=environ, policy=policy, transport=transport)
        case WebhookTarget():
            return WebhookProvider(
                name, target, environ=environ, policy=policy, transport=transport
            )
        case DryRunTarget():
            return DryRunProvider(name)
