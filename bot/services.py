"""The composition root: builds every service from settings, once, when the bot starts.

Nothing here runs at import time; `build_services` is called by the CLI, the demo and tests.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import partial

from bot.changes.flows import ChangeFlows
from bot.changes.rollback import Rollbacks
from bot.changes.service import Changes
from bot.checks.service import Checks
from bot.checks.signals import SignalFlows
from bot.config import Settings
from bot.corrections.service import Corrections
from bot.features import Catalog, FeatureBoard, Features
from bot.followups.config import GithubSettings, JiraSettings, LinearSettings, TrackerSettings
from bot.followups.export import TrackerExport
from bot.followups.github import GithubIssues
from bot.followups.jira import JiraIssues
from bot.followups.linear import LinearIssues
from bot.followups.reminders import Reminders
from bot.followups.service import Followups
from bot.followups.tracker import Tracker
from bot.i18n import Texts, texts
from bot.incidents.board import Board, BoardSection
from bot.incidents.nudges import Nudges
from bot.incidents.service import Incidents
from bot.incidents.setup import Responders, Setup
from bot.maintenance import MaintenanceGateway
from bot.maintenance.board import MaintenanceSection
from bot.maintenance.service import Maintenance
from bot.models import Incident
from bot.paging.board import PagingSection
from bot.paging.flows import PagingFlows
from bot.paging.models import Pager
from bot.paging.opsgenie import Opsgenie
from bot.paging.pagerduty import PagerDuty
from bot.paging.service import Pages
from bot.plumbing.retry import RetryPolicy
from bot.plumbing.schedules import Schedules
from bot.plumbing.tasks import BackgroundTasks
from bot.postmortem.delivery import Delivery
from bot.postmortem.service import Postmortems
from bot.record.digest import weekly_chart
from bot.record.service import TeamRecord
from bot.similar.notice import SimilarNotice
from bot.similar.service import SimilarIncidents
from bot.slack.gateway import SlackWeb, build_client, explain
from bot.slack.people import People
from bot.slack.permissions import MaintenancePermissions
from bot.statuspage.atlassian import Atlassian
from bot.statuspage.flows import StatusFlows
from bot.statuspage.service import StatusPage
from bot.store import migrate
from bot.store.claims import Claims
from bot.store.database import Database
from bot.time.clock import Clock, SystemClock
from bot.timeline import Timeline
from bot.timeline.backfill import Backfill
from bot.timeline.capture import Capture

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database
    slack: SlackWeb
    tasks: BackgroundTasks
    timeline: Timeline
    people: People
    incidents: Incidents
    board: Board
    setup: Setup
    schedules: Schedules
    # One-time claims (deliveries, signatures); those past their window are pruned on ticks.
    claims: Claims
    nudges: Nudges
    features: Features
    maintenance: Maintenance
    capture: Capture
    backfill: Backfill
    postmortems: Postmortems
    drafts: Delivery
    changes: Changes
    change_flows: ChangeFlows
    rollbacks: Rollbacks
    followups: Followups
    reminders: Reminders
    similar: SimilarIncidents
    export: TrackerExport
    record: TeamRecord
    similar_notice: SimilarNotice
    # The workspace's language: every text the bot puts in Slack.
    texts: Texts
    status_page: StatusPage
    # Issue 25: PagerDuty or Opsgenie; `paging.pager` is None when `[paging]` is absent.
    paging: PagingFlows
    corrections: Corrections
    checks: Checks
    signal_flows: SignalFlows
    # None when the status page is off: nothing is proposed, nothing served.
    status_flows: StatusFlows | None = None
    # Seconds between looks for due nudges and reminders; 0 turns the loop off (tests tick).
    schedule_tick: float = 30.0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    # Run after a declaration from the modal: (incident, declarer, chosen feature names).
    declare_hooks: list[Callable[[Incident, str, list[str]], Awaitable[None]]] = field(
        default_factory=list
    )

    async def start(self) -> None:
        """Migrate, then finish whatever a crash or an outage of Slack left half-done."""
        await migrate.upgrade(self.db)
        await self.signal_flows.start()
        for incident in await self.incidents.unfinished_setup():
            self.tasks.spawn(self.setup.run(incident), name=f"resume-setup-{incident.id}")
        # Messages, edits and marks posted while the bot was down.
        self.tasks.spawn(self.backfill.backfill_open_incidents(), name="backfill")
        # Pages a crash left claimed but unsent (the provider deduplicates on the key).
        self.tasks.spawn(self.paging.resume(), name="paging-resume")
        if self.status_flows is not None:  # updates published before a crash reach the host
            self.tasks.spawn(self.status_flows.sync(), name="statuspage-sync")
        if self.schedule_tick > 0:
            self._stop.clear()
            self.tasks.spawn(self.schedules.loop(self._stop, self.schedule_tick), name="schedules")

    async def stop(self) -> None:
        self._stop.set()
        await self.tasks.idle()
        await self.db.dispose()


def tracker(table: TrackerSettings, clock: Clock) -> Tracker:
    """The client of one `[followups.*]` table."""
    if isinstance(table, GithubSettings):
        return GithubIssues(table, clock)
    if isinstance(table, JiraSettings):
        return JiraIssues(table, clock)
    assert isinstance(table, LinearSettings)
    return LinearIssues(table, clock)


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    t = texts(settings.language)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    db = Database(settings.database_url)
    slack = SlackWeb(build_client(token, settings.slack_api_url))
    tasks = BackgroundTasks(explain)
    timeline = Timeline(db, clock)
    schedules = Schedules(db, clock, owner=f"{socket.gethostname()}:{os.getpid()}")
    claims = Claims(db, clock.now)
    schedules.every_tick(claims.prune)
    incidents = Incidents(
        db,
        clock,
        timeline,
        schedules,
        timezone=settings.timezone,
        language=settings.language,
        nudge_every=timedelta(minutes=settings.nudge_minutes),
        archive_after=(
            timedelta(hours=settings.archive_after_hours)
            if settings.archive_after_hours is not None
            else None
        ),
    )
    catalog = Catalog(settings.features, allow_adhoc=settings.allow_adhoc_features, t=t)
    features = Features(db, clock, timeline, catalog)
    gateway = MaintenanceGateway(
        settings.maintenance.targets,
        clock=clock,
        retry=RetryPolicy(backoff_base=settings.maintenance.backoff_seconds),
    )
    maintenance = Maintenance(
        db,
        clock,
        timeline,
        schedules,
        incidents,
        slack,
        gateway,
        MaintenancePermissions(slack, settings.permissions.maintenance, t),
        remind_every=timedelta(minutes=settings.maintenance.reminder_minutes),
        t=t,
    )
    sections: list[BoardSection] = [FeatureBoard(features, t), MaintenanceSection(maintenance)]
    pages = Pages(db, clock)
    if settings.paging is not None:
        sections.append(PagingSection(pages, t))
    board = Board(slack, clock, timeline, sections=sections, texts=t)
    setup = Setup(
        incidents,
        slack,
        board,
        timeline,
        announce_channel=settings.announce_channel,
        responders=Responders(tuple(settings.responders), settings.responders_group),
        texts=t,
    )
    people = People(db, slack, clock, fetch=bool(token))
    followups = Followups(
        db,
        clock,
        timeline,
        incidents,
        schedules,
        t,
        remind_at=time(settings.followups.reminder_hour),
    )
    capture = Capture(
        timeline,
        incidents,
        people,
        slack,
        tasks,
        key_reaction=settings.key_reaction,
        public_reaction=settings.public_reaction,
    )
    changes = Changes(db, clock, settings.changes, environ=os.environ)
    postmortems = Postmortems(
        db,
        clock,
        timeline,
        people,
        slack,
        features,
        maintenance,
        templates_dir=settings.templates_dir,
        commitment=settings.commitment,
        language=settings.language,
        changes=changes,
        followups=followups,
    )
    record = TeamRecord(db, clock, postmortems, followups, timezone=settings.timezone)
    reminders = Reminders(
        db,
        clock,
        followups,
        slack,
        timeline,
        schedules,
        t,
        timezone=settings.timezone,
        digest_channel=(
            settings.followups.digest_channel or settings.announce_channel
            if settings.followups.digest
            else None
        ),
        owner=schedules.owner,
        weekly_chart=partial(weekly_chart, record, t),
    )
    change_flows = ChangeFlows(changes, features, incidents, timeline, slack, schedules, t, tasks)
    rollbacks = Rollbacks(
        changes,
        features,
        timeline,
        slack,
        MaintenancePermissions(slack, settings.permissions.rollback, t),
        t,
        incidents,
        tasks,
    )
    checks = Checks(db, clock, settings.features, settings.alerts, environ=os.environ)
    schedules.every_tick(checks.prune)
    signal_flows = SignalFlows(
        checks,
        changes,
        features,
        incidents,
        timeline,
        slack,
        schedules,
        tasks,
        t,
        timezone=settings.timezone,
        channel=settings.alerts.channel or settings.announce_channel,
    )
    similar = SimilarIncidents(db, clock, incidents, features, followups, timeline)
    export = TrackerExport(
        [tracker(table, clock) for table in settings.followups.trackers().values()],
        followups,
        schedules,
        timeline,
        slack,
        people,
        tasks,
        clock,
        t,
    )
    status_page = StatusPage(db, clock, timeline, settings.status_page, settings.features, t)
    status_flows = None
    if settings.status_page.enabled:
        hosted = settings.status_page.atlassian
        status_flows = StatusFlows(
            status_page,
            incidents,
            slack,
            timeline,
            tasks,
            MaintenancePermissions(slack, settings.permissions.status_page),
            t,
            Atlassian(
                hosted,
                environ=os.environ,
                policy=RetryPolicy(backoff_base=settings.maintenance.backoff_seconds),
            )
            if hosted
            else None,
        )
        board.listeners.append(status_flows.on_change)
    paging = PagingFlows(
        settings.paging,
        _pager(settings),
        pages,
        incidents=incidents,
        timeline=timeline,
        slack=slack,
        board=board,
        schedules=schedules,
        tasks=tasks,
        permissions=MaintenancePermissions(slack, settings.permissions.page, t),
        texts=t,
        timezone=settings.timezone,
        environ=os.environ,
    )
    return Services(
        settings=settings,
        clock=clock,
        db=db,
        slack=slack,
        tasks=tasks,
        timeline=timeline,
        people=people,
        incidents=incidents,
        board=board,
        setup=setup,
        schedules=schedules,
        claims=claims,
        nudges=Nudges(incidents, slack, timeline, schedules, t),
        features=features,
        maintenance=maintenance,
        capture=capture,
        backfill=Backfill(capture, timeline, incidents, slack),
        postmortems=postmortems,
        drafts=Delivery(postmortems, slack, timeline, t),
        followups=followups,
        reminders=reminders,
        similar=similar,
        export=export,
        record=record,
        similar_notice=SimilarNotice(similar, slack, timeline, clock, t),
        changes=changes,
        change_flows=change_flows,
        rollbacks=rollbacks,
        texts=t,
        status_page=status_page,
        corrections=Corrections(
            db,
            clock,
            timeline,
            (
                MaintenancePermissions(slack, settings.permissions.correct, t)
                if settings.permissions.correct is not None
                else None
            ),
            t,
        ),
        status_flows=status_flows,
        checks=checks,
        signal_flows=signal_flows,
        paging=paging,
        schedule_tick=settings.schedule_tick,
        declare_hooks=[features.on_declare],
    )


def _pager(settings: Settings) -> Pager | None:
    paging = settings.paging
    if paging is None:
        return None
    policy = RetryPolicy(backoff_base=paging.backoff_seconds)
    if paging.provider == "pagerduty":
        return PagerDuty(paging, environ=os.environ, policy=policy)
    return Opsgenie(paging, environ=os.environ, policy=policy)
