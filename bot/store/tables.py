"""The schema as SQLAlchemy Core tables; Alembic migrations create and evolve it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from bot.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# The id is the human number: INC-<id>.
incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("declared_at", UTCDateTime, nullable=False),
    Column("declared_by", String(32), nullable=False),
    Column("lead", String(32), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("channel_id", String(32), unique=True),
    Column("channel_name", String(80)),
    Column("status_ts", String(32)),
    Column("announce_channel_id", String(32)),
    Column("announce_ts", String(32)),
    Column("resolved_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("reopened_at", UTCDateTime),
    Column("last_update_at", UTCDateTime, nullable=False),
    # Declaration requests carry a key so a repeated request finishes, never duplicates.
    Column("request_key", String(128), unique=True),
)

timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("actor", String(32)),
    Column("text", Text, nullable=False, default=""),
    Column("channel_id", String(32)),
    Column("ts", String(32)),
    Column("thread_ts", String(32)),
    Column("is_key", Boolean, nullable=False, default=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("data", JSON, nullable=False, default=dict),
    # A Slack message is one entry however often it is delivered or backfilled.
    UniqueConstraint("channel_id", "ts", name="uq_timeline_entries_channel_ts"),
    Index("ix_timeline_entries_incident_occurred", "incident_id", "occurred_at"),
)

entry_revisions = Table(
    "entry_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", ForeignKey("timeline_entries.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("replaced_at", UTCDateTime, nullable=False),
    # Slack's edit time, so a retried or backfilled edit is kept once.
    Column("edit_ts", String(32)),
    UniqueConstraint("entry_id", "edit_ts", name="uq_entry_revisions_entry_edit"),
)

processed_events = Table(
    "processed_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("received_at", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("user_id", String(32), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
)

feature_intervals = Table(
    "feature_intervals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("feature", String(100), nullable=False),
    Column("state", String(16), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("started_by", String(32)),
    Column("ended_by", String(32)),
    Index("ix_feature_intervals_incident", "incident_id", "feature"),
)

maintenance_windows = Table(
    "maintenance_windows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("target", String(64), nullable=False),
    Column("provider", String(16), nullable=False),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
)

# Nudges and reminders: due times live here so restarts and replicas neither lose nor repeat.
schedules = Table(
    "schedules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("lease_owner", String(64)),
    Column("lease_until", UTCDateTime),
    UniqueConstraint("incident_id", "kind", name="uq_schedules_incident_kind"),
)

postmortem_inputs = Table(
    "postmortem_inputs",
    metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("data", JSON, nullable=False, default=dict),
    Column("updated_at", UTCDateTime, nullable=False),
)

drafts = Table(
    "drafts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("audience", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("incident_id", "audience", "language", "version", name="uq_drafts_version"),
)

# Deploys and other changes, from every source; a source's own id makes each recorded once.
change_events = Table(
    "change_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("service", String(64), nullable=False),
    Column("version", String(64), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("author", String(200), nullable=False, default=""),
    Column("deployed_at", UTCDateTime, nullable=False),
    Column("url", String(500)),
    Column("external_id", String(128), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    UniqueConstraint("source", "external_id", name="uq_change_events_source_external"),
    Index("ix_change_events_deployed", "deployed_at"),
)

# What responders said of a change in an incident: one mark per change, the latest wins.
change_marks = Table(
    "change_marks",
    metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("change_id", ForeignKey("change_events.id", ondelete="CASCADE"), primary_key=True),
    Column("mark", String(16), nullable=False),
    Column("marked_by", String(32), nullable=False),
    Column("marked_at", UTCDateTime, nullable=False),
)

# Follow-ups: the action items of an incident, tracked until done (issue 18).
followups = Table(
    "followups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    # The number people type in the incident's channel: `followup done 2`.
    Column("seq", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("owner", String(32)),
    # A day, not an instant: reminders go out at 09:00 in the incident's timezone.
    Column("due_on", Date),
    Column("status", String(16), nullable=False),
    Column("tracker_url", String(500)),
    Column("tracker_ref", String(200)),
    Column("tracker_etag", String(200)),
    # github | jira | linear: set when the export is claimed, before the tracker is called.
    Column("tracker", String(20)),
    Column("source", String(16), nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("closed_by", String(32)),
    Column("closed_at", UTCDateTime),
    Column("close_reason", Text),
    UniqueConstraint("incident_id", "seq", name="uq_followups_incident_seq"),
    Index("ix_followups_status_due", "status", "due_on"),
)

# One row per weekly digest sent: the first replica to insert the week's row sends it.
followup_digests = Table(
    "followup_digests",
    metadata,
    Column("week", String(10), primary_key=True),
    Column("sent_by", String(64), nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
)

# The searchable text of each incident, stemmed in Python (bot/similar/stem.py) so SQLite's
# FTS5 and PostgreSQL's full-text search rank the same words; the migration adds the index.
incident_search = Table(
    "incident_search",
    metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("body", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Public status updates: proposed by the bot or a responder, published only by a person.
status_updates = Table(
    "status_updates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    # proposed | published | skipped
    Column("state", String(16), nullable=False),
    # Statuspage's incident status: investigating | identified | monitoring | resolved
    Column("status", String(16), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    # Component key -> Statuspage state, as the record said when it was proposed/published.
    Column("components", JSON, nullable=False, default=dict),
    Column("proposed_at", UTCDateTime, nullable=False),
    Column("proposed_by", String(32)),
    Column("channel_id", String(32)),
    Column("message_ts", String(32)),
    Column("decided_at", UTCDateTime),
    Column("decided_by", String(32)),
    # When the hosted status page confirmed it (Atlassian sync), None while pending.
    Column("synced_at", UTCDateTime),
    # What caused the proposal ("status:2:identified", a trigger id): one proposal per cause.
    Column("request_key", String(128), nullable=False, unique=True),
    Index("ix_status_updates_incident", "incident_id", "state"),
)

# The hosted status page's incident for each of ours, so a retry or restart never makes two.
status_links = Table(
    "status_links",
    metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("remote_id", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Pages sent to PagerDuty or Opsgenie (issue 25). The row is the claim: its unique `key` (the
# dedup key or alias) makes a page go out once across retries, restarts and replicas.
pages = Table(
    "pages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(255), nullable=False, unique=True),
    Column("provider", String(16), nullable=False),
    # "default:", "schedule:PABC123", "user:U02GIULIA"
    Column("target", String(128), nullable=False),
    # auto (declared or raised at an auto_page severity) | manual (`/incident page`)
    Column("reason", String(16), nullable=False),
    Column("requested_by", String(32), nullable=False),
    Column("message", Text, nullable=False, default=""),
    # claimed | sent | failed | acknowledged | resolved
    Column("state", String(16), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    # Who was on call when it went out: a Slack user id, or the provider's name for them.
    Column("oncall", String(128)),
    Column("acknowledged_at", UTCDateTime),
    Column("acknowledged_by", String(128)),
    Column("resolved_at", UTCDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Index("ix_pages_incident", "incident_id"),
)

# Corrections of recorded facts (issue 26): who moved which fact from what to what, and why.
corrections = Table(
    "corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    # "interval:12:start", "window:3:end", "entry:40:time", "entry:40:text", "incident:declared"
    Column("fact", String(64), nullable=False),
    # What the fact is, as shown when corrected ("Acquisti down, start").
    Column("subject", Text, nullable=False),
    Column("old_value", Text, nullable=False),
    Column("new_value", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(32), nullable=False),
    Column("corrected_at", UTCDateTime, nullable=False),
    Index("ix_corrections_incident", "incident_id", "fact"),
)

# Feature checks due to run (issue 24): `every:<feature>` moves on when claimed, an after-deploy
# run (`deploy:<feature>:<change>:<minutes>`) is deleted when claimed; either way one replica
# wins each due run.
check_runs = Table(
    "check_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("feature", String(100), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    # The deploy an after-deploy run checks.
    Column("change_id", ForeignKey("change_events.id", ondelete="CASCADE")),
    Index("ix_check_runs_due", "due_at"),
)

# One row per probe: what a check saw.
check_results = Table(
    "check_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feature", String(100), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Integer),
    Column("reason", String(200), nullable=False, default=""),
    Column("change_id", ForeignKey("change_events.id", ondelete="SET NULL")),
    Index("ix_check_results_feature_at", "feature", "at"),
)

# A failure episode seen by a check or an alert: one message, its thread, and what people did.
signals = Table(
    "signals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # check | alert
    Column("source", String(16), nullable=False),
    # The alert's fingerprint, or `check:<feature>`.
    Column("fingerprint", String(200), nullable=False),
    # None: an alert that matched no feature (posted as unmapped).
    Column("feature", String(100)),
    # The first failing probe, or the alert's startsAt.
    Column("started_at", UTCDateTime, nullable=False),
    Column("detected_at", UTCDateTime, nullable=False),
    # Passing again (or resolved) since; cleared when it fails again within the flap window.
    Column("ended_at", UTCDateTime),
    Column("flaps", Integer, nullable=False, default=0),
    Column("reason", Text, nullable=False, default=""),
    Column("labels", JSON, nullable=False, default=dict),
    Column("url", String(500)),
    Column("incident_id", ForeignKey("incidents.id", ondelete="SET NULL")),
    Column("channel_id", String(32)),
    Column("message_ts", String(32)),
    # declared | dismissed | muted | marked: what a person did with it.
    Column("decision", String(16)),
    Column("decided_by", String(32)),
    Column("decided_at", UTCDateTime),
    Column("note", Text),
    Column("muted_until", UTCDateTime),
    UniqueConstraint("source", "fingerprint", "started_at", name="uq_signals_episode"),
    Index("ix_signals_feature", "feature", "ended_at"),
)
