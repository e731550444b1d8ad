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
from datetime import timedelta

from bot.changes.flows import ChangeFlows
from bot.changes.rollback import Rollbacks
from bot.changes.service import Changes
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.features import Catalog, FeatureBoard, Features
from bot.i18n import Texts, texts
from bot.incidents.board import Board
from bot.incidents.nudges import Nudges
from bot.incidents.service import Incidents
from bot.incidents.setup import Responders, Setup
from bot.maintenance import MaintenanceGateway, RetryPolicy
from bot.maintenance.board import MaintenanceSection
from bot.maintenance.permissions import MaintenancePermissions
from bot.maintenance.service import Maintenance
from bot.models import Incident
from bot.people import People
from bot.postmortem.delivery import Delivery
from bot.postmortem.service import Postmortems
from bot.schedules import Schedules
from bot.slackweb import SlackWeb, build_client
from bot.store import migrate
from bot.store.database import Database
from bot.tasks import BackgroundTasks
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
    # The workspace's language: every text the bot puts in Slack.
    texts: Texts
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
        for incident in await self.incidents.unfinished_setup():
            self.tasks.spawn(self.setup.run(incident), name=f"resume-setup-{incident.id}")
        # Messages, edits and marks posted while the bot was down.
        self.tasks.spawn(self.backfill.backfill_open_incidents(), name="backfill")
        if self.schedule_tick > 0:
            self._stop.clear()
            self.tasks.spawn(self.schedules.loop(self._stop, self.schedule_tick), name="schedules")

    async def stop(self) -> None:
        self._stop.set()
        await self.tasks.idle()
        await self.db.dispose()


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    db = Database(settings.database_url)
    slack = SlackWeb(build_client(token, settings.slack_api_url))
    tasks = BackgroundTasks()
    timeline = Timeline(db, clock)
    schedules = Schedules(db, clock, owner=f"{socket.gethostname()}:{os.getpid()}")
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
    catalog = Catalog(settings.features, allow_adhoc=settings.allow_adhoc_features)
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
        MaintenancePermissions(slack, settings.permissions.maintenance),
        remind_every=timedelta(minutes=settings.maintenance.reminder_minutes),
    )
    sections = [FeatureBoard(features), MaintenanceSection(maintenance)]
    board = Board(slack, clock, timeline, sections=sections)
    setup = Setup(
        incidents,
        slack,
        board,
        timeline,
        announce_channel=settings.announce_channel,
        responders=Responders(tuple(settings.responders), settings.responders_group),
    )
    people = People(db, slack, clock)
    capture = Capture(timeline, incidents, people, slack, tasks, key_reaction=settings.key_reaction)
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
    )
    texts_ = texts(settings.language)
    change_flows = ChangeFlows(
        changes, features, incidents, timeline, slack, schedules, texts_, tasks
    )
    rollbacks = Rollbacks(
        changes,
        features,
        timeline,
        slack,
        MaintenancePermissions(slack, settings.permissions.rollback),
        texts_,
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
        nudges=Nudges(incidents, slack, timeline, schedules),
        features=features,
        maintenance=maintenance,
        capture=capture,
        backfill=Backfill(capture, timeline, incidents, slack),
        postmortems=postmortems,
        drafts=Delivery(postmortems, slack, timeline),
        changes=changes,
        change_flows=change_flows,
        rollbacks=rollbacks,
        texts=texts_,
        schedule_tick=settings.schedule_tick,
        declare_hooks=[features.on_declare],
    )
