"""Domain values shared by the services: incidents, timeline entries, feature intervals.

Pydantic models so they validate at the edges (export, config, demo) and serialise to JSON
for exports without extra code. All instants are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Status(StrEnum):
    investigating = "investigating"
    identified = "identified"
    monitoring = "monitoring"
    resolved = "resolved"
    closed = "closed"


class Severity(StrEnum):
    sev1 = "sev1"
    sev2 = "sev2"
    sev3 = "sev3"
    sev4 = "sev4"


class FeatureState(StrEnum):
    down = "down"
    degraded = "degraded"
    up = "up"


class EntryKind(StrEnum):
    """What a timeline entry records; `message` is captured chat, the rest are bot actions."""

    message = "message"
    note = "note"
    declared = "declared"
    status = "status"
    severity = "severity"
    lead = "lead"
    rename = "rename"
    feature = "feature"
    maintenance = "maintenance"
    change = "change"
    resolved = "resolved"
    closed = "closed"
    nudge = "nudge"
    error = "error"
    followup = "followup"
    similar = "similar"
    # An update published on the status page (text customers read).
    public = "public"
    # A page sent to the on-call person, and what came back (acknowledged, resolved).
    page = "page"
    # A recorded fact's time or text corrected (data: fact, field, from, to, reason).
    correction = "correction"
    # A feature check or an alert that failed, recovered or was acted on (issue 24).
    signal = "signal"
    # A resolved incident opened again (data: reason); the page is triggered again.
    reopened = "reopened"


class Incident(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    title: str
    severity: Severity
    status: Status
    declared_at: datetime
    declared_by: str
    lead: str
    timezone: str
    language: str
    description: str = ""
    channel_id: str | None = None
    channel_name: str | None = None
    status_ts: str | None = None
    announce_channel_id: str | None = None
    announce_ts: str | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    # The last time it was opened again after a resolution: proposals and pages start anew.
    reopened_at: datetime | None = None
    last_update_at: datetime

    @property
    def number(self) -> str:
        return f"INC-{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.resolved, Status.closed)


class Revision(BaseModel):
    text: str
    replaced_at: datetime


# A key mark that also makes a message public ("public:U123": that person's :loudspeaker:).
PUBLIC_MARK = "public:"


class TimelineEntry(BaseModel):
    id: int
    incident_id: int
    kind: EntryKind
    occurred_at: datetime
    recorded_at: datetime
    actor: str | None = None
    actor_name: str | None = None
    text: str = ""
    channel_id: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    is_key: bool = False
    deleted: bool = False
    data: dict[str, Any] = Field(default_factory=dict)
    revisions: list[Revision] = Field(default_factory=list)

    @property
    def is_public(self) -> bool:
        """Marked for customers: a `note public`, or a message with the public reaction."""
        marks = self.data.get("marks") or []
        return self.data.get("public") is True or any(
            str(mark).startswith(PUBLIC_MARK) for mark in marks
        )


class FeatureInterval(BaseModel):
    id: int
    incident_id: int
    feature: str
    state: FeatureState
    started_at: datetime
    ended_at: datetime | None = None
    started_by: str | None = None
    ended_by: str | None = None


class MaintenanceWindow(BaseModel):
    id: int
    incident_id: int
    target: str
    provider: str
    dry_run: bool
    started_at: datetime
    ended_at: datetime | None = None
