"""Names and steps the timeline tests share."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.models import EntryKind, Incident, Severity, TimelineEntry
from bot.sandbox.cast import MARCO
from bot.sandbox.stack import SandboxStack
from bot.services import Services
from bot.slack.ts import ts_instant

ROME, NEW_YORK = "Europe/Rome", "America/New_York"
MORNING = datetime(2026, 4, 29, 10, 0, tzinfo=ZoneInfo(ROME))
PINGS = ("<!", "<@", "<#")
CHANNEL = "C0INC"
TITLE = "Quotes page empty"
TS = "1777449660.000001"


def running(stack: SandboxStack) -> tuple[Any, Any]:
    assert stack.driver is not None
    assert stack.services is not None
    return stack.driver, stack.services


async def messages(stack: SandboxStack, incident: Incident) -> list[TimelineEntry]:
    _, services = running(stack)
    entries = await services.timeline.entries(incident.id)
    return [e for e in entries if e.kind is EntryKind.message]


async def incident_in(services: Services) -> Incident:
    """An incident whose channel is CHANNEL, without Slack."""
    incident = await services.incidents.declare(TITLE, severity=Severity.sev2, declared_by=MARCO)
    return await services.incidents.save_slack_refs(incident.id, channel_id=CHANNEL)


async def record(services: Services, incident: Incident, ts: str = TS, text: str = "hi") -> bool:
    return await services.timeline.record_message(
        incident.id,
        channel_id=CHANNEL,
        ts=ts,
        occurred_at=ts_instant(ts),
        actor=MARCO,
        text=text,
    )
