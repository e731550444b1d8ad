"""What every provider offers, and the result value every caller labels and records."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

import httpx

from bot.plumbing.http import CallFailed, Reply
from bot.plumbing.retry import RetryPolicy

TargetT = TypeVar("TargetT")


@dataclass(frozen=True, slots=True)
class MaintenanceRequest:
    """Who asked for what; sent along where the platform can keep it, so logs line up."""

    enabled: bool
    incident: str
    requested_by: str
    requested_at: datetime
    request_id: str


@dataclass(frozen=True, slots=True)
class MaintenanceResult:
    """The outcome of one switch; `ok` only when the platform confirmed the requested state."""

    target: str
    provider: str
    enabled: bool
    ok: bool
    dry_run: bool = False
    attempts: int = 0
    duration_seconds: float = 0.0
    verified_state: bool | None = None
    error: str | None = None
    http_status: int | None = None


class MaintenanceProvider(Protocol):
    async def set(self, request: MaintenanceRequest) -> MaintenanceResult: ...

    async def read_state(self) -> bool | None:
        """The live state, None when the provider cannot tell; raises CallFailed on failure."""
        ...


class HttpProvider(Generic[TargetT]):
    """What a provider that calls a deploy API over HTTP holds: its target and how to call."""

    def __init__(
        self,
        name: str,
        target: TargetT,
        *,
        environ: Mapping[str, str],
        policy: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._name = name
        self._target = target
        self._environ = environ
        self._policy = policy
        self._transport = transport


def maintenance_flag(reply: Reply) -> bool:
    state = reply.json_object().get("maintenance")
    if not isinstance(state, bool):
        raise CallFailed(
            f"{reply.service} answered without a true/false `maintenance` field",
            attempts=reply.attempts,
            status=reply.status,
        )
    return state


@dataclass
class Call:
    """One provider call being measured, so that every way out returns a complete result."""

    target: str
    provider: str
    enabled: bool
    started: float = field(default_factory=time.perf_counter)

    def result(
        self,
        *,
        ok: bool,
        error: str | None = None,
        attempts: int = 0,
        http_status: int | None = None,
        verified_state: bool | None = None,
        dry_run: bool = False,
    ) -> MaintenanceResult:
        return MaintenanceResult(
            target=self.target,
            provider=self.provider,
            enabled=self.enabled,
            ok=ok,
            dry_run=dry_run,
            attempts=attempts,
            duration_seconds=time.perf_counter() - self.started,
            verified_state=verified_state,
            error=error,
            http_status=http_status,
        )

    def failed(self, error: str | CallFailed) -> MaintenanceResult:
        if isinstance(error, CallFailed):
            return self.result(
                ok=False, error=str(error), attempts=error.attempts, http_status=error.status
            )
        return self.result(ok=False, error=error)

    async def confirm(
        self, written: Reply, read_back: Callable[[], Awaitable[bool]] | None, *, subject: str
    ) -> MaintenanceResult:
        """Trust the platform's state, not its 2xx: a write can be accepted and not applied."""
        state: bool | None = None
        error: str | None = None
        if read_back is not None:
            try:
                state = await read_back()
            except CallFailed as exc:
                error = f"{written.service} accepted the change, but reading it back failed: {exc}"
            else:
                if state != self.enabled:
                    error = (
                        f"{written.service} said OK but {subject} still reports "
                        f"maintenance={str(state).lower()}"
                    )
        return self.result(
            ok=error is None,
            error=error,
            attempts=written.attempts,
            http_status=written.status,
            verified_state=state,
        )
