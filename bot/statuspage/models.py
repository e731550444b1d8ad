"""Values of the status page. Everything in a `Snapshot` is public: built only from published
updates and component states, never from notes, names or internal titles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.i18n import N_


class ComponentState(StrEnum):
    """Atlassian Statuspage's component states, best to worst (maintenance apart)."""

    operational = "operational"
    degraded_performance = "degraded_performance"
    partial_outage = "partial_outage"
    major_outage = "major_outage"
    under_maintenance = "under_maintenance"


SEVERITY = {
    ComponentState.operational: 0,
    ComponentState.degraded_performance: 1,
    ComponentState.partial_outage: 2,
    ComponentState.major_outage: 3,
    ComponentState.under_maintenance: 4,
}

STATE_LABELS = {
    ComponentState.operational: N_("Operational"),
    ComponentState.degraded_performance: N_("Degraded performance"),
    ComponentState.partial_outage: N_("Partial outage"),
    ComponentState.major_outage: N_("Major outage"),
    ComponentState.under_maintenance: N_("Under maintenance"),
}


def worst(states: list[ComponentState]) -> ComponentState:
    return max(states, key=SEVERITY.__getitem__, default=ComponentState.operational)


class Indicator(StrEnum):
    none = "none"
    minor = "minor"
    major = "major"
    critical = "critical"
    maintenance = "maintenance"


INDICATOR_LABELS = {
    Indicator.none: N_("All systems operational"),
    Indicator.minor: N_("Some systems degraded"),
    Indicator.major: N_("Partial outage"),
    Indicator.critical: N_("Major outage"),
    Indicator.maintenance: N_("Under maintenance"),
}


class PublicStatus(StrEnum):
    """Statuspage's incident statuses, which are also ours minus `closed`."""

    investigating = "investigating"
    identified = "identified"
    monitoring = "monitoring"
    resolved = "resolved"


STATUS_LABELS = {
    PublicStatus.investigating: N_("Investigating"),
    PublicStatus.identified: N_("Identified"),
    PublicStatus.monitoring: N_("Monitoring"),
    PublicStatus.resolved: N_("Resolved"),
}


class UpdateState(StrEnum):
    proposed = "proposed"
    published = "published"
    skipped = "skipped"


class StatusUpdate(BaseModel):
    """One row of `status_updates`: a proposal until a person publishes or skips it."""

    model_config = ConfigDict(frozen=True)

    id: int
    incident_id: int
    state: UpdateState
    status: PublicStatus
    title: str
    body: str
    components: dict[str, ComponentState]
    proposed_at: datetime
    proposed_by: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    synced_at: datetime | None = None
    request_key: str


class Component(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str  # feature name, or APP for the whole app
    id: str  # the public id: a slug of the public name
    name: str  # what customers read
    position: int
    state: ComponentState
    remote_id: str | None = None  # Atlassian component id, if configured


class PublicUpdate(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    status: PublicStatus
    body: str
    at: datetime


class PublicIncident(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    title: str
    status: PublicStatus
    started_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    components: list[str]  # public component ids
    updates: list[PublicUpdate]  # newest first
    # The worst the record holds for it (app offline, a feature down or degraded): what
    # Statuspage keeps as a resolved incident's impact.
    impact: Indicator = Indicator.none

    @property
    def is_open(self) -> bool:
        return self.status is not PublicStatus.resolved


class Snapshot(BaseModel):
    """The whole public page at one instant; every endpoint renders from one of these."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    indicator: Indicator
    components: list[Component]
    maintenance: bool
    maintenance_since: datetime | None
    incidents: list[PublicIncident]  # open first, then the recent history, newest first
    etag: str
