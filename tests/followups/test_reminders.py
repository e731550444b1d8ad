"""Reminders at the due time by the injected clock, once across two replicas; the Monday
digest; Done and New date from the DM and from App Home."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PIL import Image

from bot.followups.models import FollowUpStatus
from bot.followups.render import DONE_BUTTON, NEW_DATE_BUTTON
from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock

from .conftest import ANNOUNCE, GIULIA, declare, dms, run, said

CPH = ZoneInfo("Europe/Copenhagen")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CPH)


@pytest.fixture
async def replica(stack: SandboxStack, tmp_path: Path) -> AsyncIterator[SandboxStack]:
    """A second bot on the same database and the same Slack, as another replica would be."""
    second = SandboxStack(
        stack.database_url, clock=stack.clock, settings=stack.overrides, sandbox=stack.sandbox
    )
    await second.start()
    yield second
    await second.stop()


async def tick(*stacks: SandboxStack) -> None:
    """Every replica looks for due work at the same moment."""
    await asyncio.gather(*(s.services.schedules.run_due() for s in stacks if s.services))
    for s in stacks:
        await s.idle()


async def test_due_day_dm_once_across_replicas_then_weekly(
    stack: SandboxStack, replica: SandboxStack, clock: ManualClock
) -> None:
    incident = await declare(stack)
    await run(
        stack, incident.channel_id or "", "followup add Check the tool version @giulia by friday"
    )
    friday = date(2025, 5, 2)

    clock.set(at(friday, 8, 59))
    await tick(stack, replica)
    assert dms(stack, GIULIA) == []

    clock.set(at(friday, 9, 0))
    await tick(stack, replica)
    await tick(stack, replica)
    [dm] = dms(stack, GIULIA)
    assert "Your follow-up from INC-1 is due today" in dm.text
    assert "Check the tool version" in dm.text
    assert {DONE_BUTTON, NEW_DATE_BUTTON} <= {
        e["action_id"] for b in dm.blocks or [] for e in b.get("elements", [])
    }

    # Still open a week later: reminded again, as overdue, once.
    clock.set(at(friday, 9, 0) + timedelta(days=7, minutes=1))
    await tick(stack, replica)
    await tick(stack, replica)
    assert len(dms(stack, GIULIA)) == 2
    assert "is 7 days overdue" in dms(stack, GIULIA)[-1].text

    # Done from the DM: the message says so, the channel hears it, no more reminders.
    assert stack.driver is not None
    await stack.driver.click(GIULIA, DONE_BUTTON, channel_id="D02GIULIA", message_ts=dm.ts)
    await stack.idle()
    assert stack.services is not None
    assert (await stack.services.followups.get(incident.id, 1)).status is FollowUpStatus.done
    assert "marked follow-up #1 of INC-1 done" in said(stack, incident.channel_id or "")[-1]
    assert "marked follow-up #1 of INC-1 done" in (dms(stack, GIULIA)[0].text or "")
    clock.set(at(friday, 9, 0) + timedelta(days=30))
    await tick(stack, replica)
    assert len(dms(stack, GIULIA)) == 2


async def test_new_date_from_the_dm_moves_the_reminder(
    stack: SandboxStack, clock: ManualClock
) -> None:
    incident = await declare(stack)
    await run(
        stack, incident.channel_id or "", "followup add Check the tool version @giulia by friday"
    )
    clock.set(at(date(2025, 5, 2), 9, 5))
    await tick(stack)
    [dm] = dms(stack, GIULIA)
    assert stack.driver is not None
    assert stack.services is not None
    await stack.driver.click(GIULIA, NEW_DATE_BUTTON, channel_id="D02GIULIA", message_ts=dm.ts)
    view = stack.driver.latest_view(GIULIA)
    assert view is not None
    past = await stack.driver.submit_view(GIULIA, view.id, {"due": {"value": "2025-04-01"}})
    assert past.json["response_action"] == "errors"
    await stack.driver.submit_view(GIULIA, view.id, {"due": {"value": "2025-05-09"}})
    await stack.idle()
    assert (await stack.services.followups.get(incident.id, 1)).due_on == date(2025, 5, 9)
    assert "moved follow-up #1 of INC-1 to Fri 9 May" in said(stack, incident.channel_id or "")[-1]

    clock.set(at(date(2025, 5, 9), 8, 0))
    await tick(stack)
    assert len(dms(stack, GIULIA)) == 1  # the week's repeat was replaced by the new day
    clock.set(at(date(2025, 5, 9), 9, 0))
    await tick(stack)
    assert "due today" in dms(stack, GIULIA)[-1].text


async def test_monday_digest_once_across_replicas(
    stack: SandboxStack, replica: SandboxStack, clock: ManualClock
) -> None:
    incident = await declare(stack)
    channel = incident.channel_id or ""
    await run(stack, channel, "followup add Check the tool version @giulia by friday")
    await run(stack, channel, "followup add Automated checks @marco by 2025-05-20")
    await run(stack, channel, "followup add Old idea")
    await run(stack, channel, "followup drop 3")
    await run(stack, channel, "feature down Quotes at 10:00")
    clock.set(clock.now() + timedelta(hours=3))
    await run(stack, channel, "feature up Quotes")  # 10:00 -> 13:40, the week of 28 April

    def digests() -> list[str]:
        return [t for t in said(stack, ANNOUNCE) if "Follow-ups this week" in t]

    monday = date(2025, 5, 5)
    clock.set(at(monday, 8, 30))
    await tick(stack, replica)
    assert digests() == []
    clock.set(at(monday, 9, 0))
    await tick(stack, replica)
    await tick(stack, replica)
    [digest] = digests()
    assert "2 open, 1 overdue" in digest
    assert digest.index("Check the tool version") < digest.index("Automated checks")
    assert "3 days overdue" in digest
    assert "Old idea" not in digest
    (message,) = [m for m in stack.sandbox.messages(ANNOUNCE) if m.text == digest]
    (chart,) = [stack.sandbox.state.files[f] for f in message.files]
    assert chart.name == "downtime-12-weeks.png"
    image = Image.open(io.BytesIO(chart.content or b"")).convert("RGB")
    assert image.size[0] >= 1200
    quotes = (np.asarray(image) == (0, 114, 178)).all(axis=2).sum()  # the first series, blue
    assert quotes > 2000  # Quotes' 3 h 40 min stands in its week
    clock.set(at(monday, 15, 0))
    await tick(stack, replica)
    clock.set(at(monday + timedelta(days=1), 9, 0))  # Tuesday: nothing
    await tick(stack, replica)
    assert len(digests()) == 1
    clock.set(at(monday + timedelta(days=7), 9, 1))
    await tick(stack, replica)
    assert len(digests()) == 2


async def test_digest_can_be_off(tmp_path: Path, clock: ManualClock) -> None:
    settings = {"timezone": "Europe/Copenhagen", "followups": {"digest": False}}
    async with SandboxStack.sqlite(tmp_path, clock=clock, settings=settings) as stack:
        await declare(stack)
        clock.set(at(date(2025, 5, 5), 9, 0))
        await tick(stack)
        assert not [t for t in said(stack, ANNOUNCE) if "Follow-ups this week" in t]


async def test_app_home_lists_mine_with_done(stack: SandboxStack) -> None:
    incident = await declare(stack)
    await run(
        stack, incident.channel_id or "", "followup add Check the tool version @giulia by friday"
    )
    await run(stack, incident.channel_id or "", "followup add Not hers @marco")
    assert stack.driver is not None
    assert stack.services is not None
    await stack.driver.open_home(GIULIA)
    await stack.idle()
    home = stack.driver.latest_view(GIULIA, type="home")
    assert home is not None
    text = str(home.view["blocks"])
    assert "Your follow-ups (1)" in text
    assert "Check the tool version" in text
    assert "Not hers" not in text
    assert "The team's record, last 90 days" in text
    await stack.driver.click(GIULIA, DONE_BUTTON, view_id=home.id)
    await stack.idle()
    assert (await stack.services.followups.get(incident.id, 1)).status is FollowUpStatus.done
    home = stack.driver.latest_view(GIULIA, type="home")
    assert home is not None
    assert "Your follow-ups (0)" in str(home.view["blocks"])
