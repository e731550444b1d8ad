"""The one interface follow-ups are exported through: GitHub Issues, Jira Cloud, Linear.

A `Tracker` creates a ticket for a follow-up, finds the one it may have created when a create
timed out (by the follow-up's label in Jira, by the id chosen before the call in Linear, by a
hidden marker in the body in GitHub), reads
a ticket's state back and takes a new due day or owner. Calls are not retried in place: the
next poll is the retry. A rate-limited answer pauses every call of that tracker until the time
the tracker named (`TrackerHttp`), so the bot never hammers a limit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

import httpx
from pydantic import SecretStr

from bot.followups.config import TrackerSettings
from bot.plumbing.http import CallFailed, HttpSession, Reply, rate_limit_hint
from bot.plumbing.retry import RetryPolicy
from bot.plumbing.secrets import missing_secret, read_secret
from bot.plumbing.signing import same
from bot.time.clock import Clock


class TicketState(StrEnum):
    open = "open"
    done = "done"
    dropped = "dropped"  # Linear's canceled


@dataclass(frozen=True)
class Ticket:
    ref: str  # what people read and the tracker's key: acme/web#1, OPS-12, ENG-7
    url: str  # what people open
    state: TicketState
    etag: str | None = None
    due_on: date | None = None  # None: the tracker keeps no due day, or it has none
    assignee_email: str | None = None  # None: unassigned, or the email is not shown


@dataclass(frozen=True)
class NewTicket:
    """A follow-up as a ticket: the same facts whatever the tracker."""

    key: str  # unique per follow-up: the Jira label, GitHub's body marker, found after a timeout
    intent: str  # a UUID chosen before the call: Linear's issue id
    title: str
    lines: list[str]  # the description, one paragraph each
    link: str | None  # the incident channel, made a link where it appears in `lines`
    incident: str  # INC-7: a label of its own
    due_on: date | None
    owner_email: str | None
    written_at: datetime  # when the follow-up was written: no ticket for it is older


class Tracker(Protocol):
    name: str  # github | jira | linear, as in the TOML file and `followup export N NAME`
    service: str  # how people call it: GitHub, Jira, Linear

    @property
    def settings(self) -> TrackerSettings:
        """Its `[followups.NAME]` table."""

    @property
    def credentials(self) -> str:
        """The variables a 401 asks to check."""

    @property
    def where(self) -> str:
        """The place a 403 or a 404 is about: the repository, project or team."""

    async def create(self, new: NewTicket) -> Ticket: ...

    async def find(self, new: NewTicket) -> Ticket | None:
        """The ticket a create that got no answer may have made; None when there is none."""

    async def get(self, ref: str, etag: str | None) -> Ticket | None:
        """The ticket now, or None when it has not changed since `etag`."""

    async def update(self, ref: str, due_on: date | None, owner_email: str | None) -> None:
        """The follow-up's due day and owner, as changed in Slack."""


def verify_hub_signature(secret: bytes, body: bytes, signature: str) -> bool:
    """`sha256=<hex HMAC-SHA256 of the body>` (GitHub's `X-Hub-Signature-256`, Jira's
    `X-Hub-Signature`), compared in constant time."""
    mac = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return same(signature, f"sha256={mac}")


def required_secret(environ: Mapping[str, str], name: str, what: str) -> SecretStr:
    secret = read_secret(environ, name)
    if secret is None:
        raise CallFailed(missing_secret(name, what))
    return secret


class TrackerHttp:
    """One tracker's calls: a deadline each, no retry in place, and a pause until the time a
    rate-limited answer named, checked before every call."""

    def __init__(
        self,
        service: str,
        clock: Clock,
        settings: TrackerSettings,
        describe: Callable[[httpx.Response], str],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_hint: Callable[
            [httpx.Response], tuple[float | None, datetime | None]
        ] = rate_limit_hint,
    ) -> None:
        self.service, self.clock, self.settings = service, clock, settings
        self._describe, self._transport, self._rate_hint = describe, transport, rate_hint
        self.paused_until: datetime | None = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        secrets: list[SecretStr],
        payload: object = None,
    ) -> Reply:
        now = self.clock.now()
        if self.paused_until is not None and now < self.paused_until:
            raise CallFailed(
                f"{self.service}'s rate limit: waiting until {self.paused_until:%H:%M} UTC",
                reset_at=self.paused_until,
            )
        content = None
        if payload is not None:
            headers = {**headers, "Content-Type": "application/json"}
            content = json.dumps(payload).encode()
        session = HttpSession(
            self.service,
            timeout=self.settings.timeout_seconds,
            policy=RetryPolicy(attempts=1),
            secrets=secrets,
            describe=self._describe,
            transport=self._transport,
            rate_hint=self._rate_hint,
        )
        try:
            async with session as http:
                return await http.request(method, url, headers=headers, content=content)
        except CallFailed as exc:
            if exc.reset_at is not None:
                self.paused_until = exc.reset_at
            elif exc.retry_after is not None:
                self.paused_until = now + timedelta(seconds=exc.retry_after)
            raise


SettingsT = TypeVar("SettingsT", bound=TrackerSettings)


class TrackerClient(Generic[SettingsT]):
    """What the three clients share: their table, the environment their secrets are read from
    at call time (a rotated token is picked up without a restart), and their `TrackerHttp`."""

    service: str

    def __init__(
        self,
        settings: SettingsT,
        clock: Clock,
        *,
        environ: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings, self.clock = settings, clock
        self.environ = environ if environ is not None else os.environ
        self.http = TrackerHttp(
            self.service,
            clock,
            settings,
            self.describe_error,
            transport=transport,
            rate_hint=self.rate_hint,
        )

    def describe_error(self, response: httpx.Response) -> str:
        """How the tracker explains a refusal, from its body."""
        raise NotImplementedError

    def rate_hint(self, response: httpx.Response) -> tuple[float | None, datetime | None]:
        return rate_limit_hint(response)
