"""Follow-up values shared by the service, the reminders, the search and the report."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.models import Severity

# A close of these severities that leaves no follow-up must be confirmed as such.
CONFIRM_SEVERITIES = (Severity.sev1, Severity.sev2)


class FollowUpStatus(StrEnum):
    open = "open"
    done = "done"
    not_doing = "not_doing"


class Source(StrEnum):
    close_form = "close_form"
    command = "command"


class FollowUp(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    incident_id: int
    seq: int
    text: str
    owner: str | None = None
    due_on: date | None = None
    status: FollowUpStatus = FollowUpStatus.open
    tracker_url: str | None = None
    tracker_ref: str | None = None
    tracker_etag: str | None = None
    tracker: str | None = None
    source: Source = Source.command
    created_by: str
    created_at: datetime
    closed_by: str | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None

    @property
    def label(self) -> str:
        """How people refer to it across incidents: `INC-1 #2`."""
        return f"INC-{self.incident_id} #{self.seq}"

    @property
    def ticket_key(self) -> str:
        """The follow-up's mark in a tracker (a Jira label), unique across incidents."""
        return f"INC-{self.incident_id}-followup-{self.seq}"

    @property
    def is_open(self) -> bool:
        return self.status is FollowUpStatus.open

    def days_overdue(self, today: date) -> int:
        """Whole days past the due day; 0 when not due yet, done, or without a due day."""
        if not self.is_open or self.due_on is None:
            return 0
        return max((today - self.due_on).days, 0)


class NewFollowUp(BaseModel):
    """One follow-up as typed (a close-form line or `followup add`), owner already resolved."""

    model_config = ConfigDict(frozen=True)

    text: str
    owner: str | None = None
    due_on: date | None = None
