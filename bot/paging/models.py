"""What paging sends and reads back, the same for every provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

from bot.models import Severity


class PageState(StrEnum):
    claimed = "claimed"  # this replica is sending it (or a crash interrupted the send)
    sent = "sent"  # the provider accepted the trigger
    failed = "failed"  # it did not, after retries; a new `/incident page` may try again
    acknowledged = "acknowledged"
    resolved = "resolved"


@dataclass(frozen=True)
class Target:
    """Whom to page: a schedule (PagerDuty id, Opsgenie name) or a person (by email)."""

    kind: Literal["schedule", "user", "default"]
    name: str = ""

    @property
    def stored(self) -> str:
        return f"{self.kind}:{self.name}"

    @classmethod
    def parse(cls, stored: str) -> Target:
        kind, _, name = stored.partition(":")
        if kind == "schedule":
            return cls("schedule", name)
        if kind == "user":
            return cls("user", name)
        return cls("default")


@dataclass(frozen=True)
class PageOut:
    """One trigger: `key` is the dedup key (PagerDuty) or alias (Opsgenie), stable per page."""

    key: str
    summary: str
    severity: Severity
    at: datetime
    link: str
    details: dict[str, str] = field(default_factory=dict)
    target: Target = Target("default")
    email: str | None = None  # the paged person's, for a `user` target


@dataclass(frozen=True)
class Person:
    """Someone on the provider's side: the email maps them to Slack."""

    name: str
    email: str | None = None


@dataclass(frozen=True)
class Shift:
    schedule: str
    person: Person
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class PageEvent:
    """What the provider says happened to a page (webhook or poll)."""

    key: str
    kind: Literal["acknowledged", "resolved", "escalated"]
    at: datetime
    person: Person | None = None


class Pager(Protocol):
    """A paging provider; every call raises `CallFailed` with the provider's reason."""

    name: str

    async def trigger(self, page: PageOut) -> None: ...

    async def resolve(self, key: str) -> None: ...

    async def oncall(self, schedule: str, now: datetime) -> tuple[list[Shift], list[Shift]]:
        """Who is on call now on `schedule`, and who is next."""
        ...

    async def events(self, key: str, since: datetime) -> list[PageEvent]:
        """The page's acknowledgement and resolution as the provider shows them (polling)."""
        ...
