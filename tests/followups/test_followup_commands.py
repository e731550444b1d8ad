"""`/incident followup …` and `/incident followups …` typed into Slack, answered by the bot."""

from __future__ import annotations

from datetime import date, timedelta

from bot.followups.models import FollowUpStatus
from bot.models import EntryKind
from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock

from .conftest import ANNOUNCE, GIULIA, MARCO, declare, run, said


async def test_add_list_done_drop_owner_due(stack: SandboxStack) -> None:
    incident = await declare(stack)
    channel = incident.channel_id or ""
    assert stack.services is not None
    followups = stack.services.followups

    # Wednesday 30 April 2025: "by friday" is 2 May, "in 2 weeks" is 14 May.
    await run(stack, channel, "followup add Check the deploy tool version @giulia by friday")
    shown = said(stack, channel)[-1]  # in the channel, for everyone
    assert "<@U01MARCO> added a follow-up to INC-1" in shown
    assert "*#1* Check the deploy tool version · <@U02GIULIA> · due Fri 2 May" in shown
    await run(stack, channel, "followup add Automated checks in 2 weeks")
    [first, second] = await followups.for_incident(incident.id)
    assert (first.owner, first.due_on) == (GIULIA, date(2025, 5, 2))
    assert (second.text, second.owner, second.due_on) == (
        "Automated checks",
        None,
        date(2025, 5, 14),
    )

    listed = await run(stack, channel, "followup list")
    assert "Follow-ups of INC-1" in listed
    assert "#2* Automated checks · no owner" in listed

    await run(stack, channel, "followup owner 2 @marco")
    await run(stack, channel, "followup due 2 2025-05-20")
    second = await followups.get(incident.id, 2)
    assert (second.owner, second.due_on) == (MARCO, date(2025, 5, 20))

    await run(stack, channel, "followup done 1")
    assert "marked follow-up #1 of INC-1 done" in said(stack, channel)[-1]
    await run(stack, channel, "followup drop #2 covered by the new pipeline")
    assert "(reason: covered by the new pipeline)" in said(stack, channel)[-1]
    statuses = [f.status for f in await followups.for_incident(incident.id)]
    assert statuses == [FollowUpStatus.done, FollowUpStatus.not_doing]
    assert await followups.open_ones() == []

    # A second `done` changes nothing and says why.
    again = await run(stack, channel, "followup done 1")
    assert "already done" in again
    entries = await stack.services.timeline.entries(incident.id)
    changes = [e.data["change"] for e in entries if e.kind is EntryKind.followup]
    assert changes == ["added", "added", "owner", "due", "done", "dropped"]


async def test_bad_input_is_answered_and_changes_nothing(stack: SandboxStack) -> None:
    incident = await declare(stack)
    channel = incident.channel_id or ""
    assert stack.services is not None
    before = len(stack.sandbox.messages(channel))
    for text, answer in [
        ("followup add", "Say what to do"),
        ("followup add Fix it by 2025-04-01", "is already past"),
        ("followup add Write tests by December 32", "“December 32” is not a date in the calendar"),
        ("followup add Write tests by 30 February", "“30 February” is not a date"),
        ("followup add Write tests by the 32nd", "“the 32nd” is not a date"),
        ("followup add Fix it @nobody", "is not a user"),
        ("followup done 7", "INC-1 has no follow-up #7"),
        ("followup done seven", "is not a follow-up number"),
        ("followup done", "Say which follow-up, by its number."),
        ("followup frobnicate", "is not a follow-up action"),
        ("followups soon", "is not mine, all or overdue"),
    ]:
        assert answer in await run(stack, channel, text), text
    await run(stack, channel, "followup add Fix it")
    assert "can't read" in await run(stack, channel, "followup due 1 someday")
    assert (await stack.services.followups.get(incident.id, 1)).due_on is None
    assert len(stack.sandbox.messages(channel)) == before + 1  # only the one good add
    outside = await run(stack, ANNOUNCE, "followup list")
    assert "only inside an incident channel" in outside


async def test_a_due_day_over_a_year_away_needs_its_year(stack: SandboxStack) -> None:
    incident = await declare(stack)
    channel = incident.channel_id or ""
    assert stack.services is not None
    asked = await run(stack, channel, "followup add Rewrite the billing in 2 years")
    assert "Fri 30 Apr 2027 is more than a year away" in asked
    assert "write the year: “30 April 2027”" in asked
    assert await stack.services.followups.for_incident(incident.id) == []
    await run(stack, channel, "followup add Rewrite the billing by 30 April 2027")
    [added] = await stack.services.followups.for_incident(incident.id)
    assert (added.text, added.due_on) == ("Rewrite the billing", date(2027, 4, 30))
    assert "due Fri 30 Apr 2027" in said(stack, channel)[-1]  # the weekday of the year shown
    await run(stack, channel, "followup add Renew the certificate by 2026-02-03")
    assert "due Tue 3 Feb 2026" in said(stack, channel)[-1]
    await run(stack, channel, "followup due 2 2026-02-10")
    assert "moved follow-up #2 to Tue 10 Feb 2026." in said(stack, channel)[-1]


async def test_a_day_said_without_by_is_the_due_day(stack: SandboxStack) -> None:
    """Issue 30, item 1: "Write tests next friday" is due Friday, never kept as text."""
    incident = await declare(stack)
    channel = incident.channel_id or ""
    assert stack.services is not None
    for typed, shown in [
        ("Write tests next friday", "*#1* Write tests · no owner · due Fri 2 May"),
        ("Update the runbook @giulia on January 5th", "<@U02GIULIA> · due Mon 5 Jan 2026"),
        ("Rotate keys tomorrow at 9am", "*#3* Rotate keys · no owner · due Thu 1 May"),
        # A day the text is about stays in the text.
        ("Review the deploy of April 29", "*#4* Review the deploy of April 29 · no owner"),
    ]:
        await run(stack, channel, f"followup add {typed}")
        assert shown in said(stack, channel)[-1], typed
    before = len(said(stack, channel))
    refused = await run(stack, channel, "followup add Write tests December 32nd")
    assert "“December 32nd” is not a date in the calendar" in refused
    assert len(said(stack, channel)) == before  # nothing said in the channel
    added = await stack.services.followups.for_incident(incident.id)
    assert [(f.text, f.due_on) for f in added] == [
        ("Write tests", date(2025, 5, 2)),
        ("Update the runbook", date(2026, 1, 5)),
        ("Rotate keys", date(2025, 5, 1)),
        ("Review the deploy of April 29", None),
    ]


async def test_followups_anywhere_oldest_due_first(stack: SandboxStack, clock: ManualClock) -> None:
    one = await declare(stack, "Quotes down")
    two = await declare(stack, "Purchases down")
    await run(stack, one.channel_id or "", "followup add Later thing @marco by 2025-06-01")
    await run(stack, two.channel_id or "", "followup add Sooner thing @giulia by 2025-05-02")
    await run(stack, two.channel_id or "", "followup add No date thing @marco")
    assert stack.services is not None

    listed = await run(stack, ANNOUNCE, "followups")
    order = [listed.index(x) for x in ("Sooner thing", "Later thing", "No date thing")]
    assert order == sorted(order)
    assert "*INC-2 #1* Sooner thing" in listed

    mine = await run(stack, ANNOUNCE, "followups mine")
    assert "Later thing" in mine
    assert "No date thing" in mine
    assert "Sooner" not in mine

    assert "None." in await run(stack, ANNOUNCE, "followups overdue")
    clock.advance(timedelta(days=10))  # Saturday 10 May
    overdue = await run(stack, ANNOUNCE, "followups overdue")
    assert "Sooner thing" in overdue
    assert "8 days overdue" in overdue
    assert "Later" not in overdue


async def test_dropping_a_dropped_follow_up_says_so_plainly(stack: SandboxStack) -> None:
    incident = await declare(stack)
    channel = incident.channel_id or ""
    await run(stack, channel, "followup add Write tests")
    await run(stack, channel, "followup drop 1 not needed")
    assert "Follow-up #1 was already dropped." in await run(stack, channel, "followup drop 1")
    await run(stack, channel, "followup add Rotate keys")
    await run(stack, channel, "followup done 2")
    assert "Follow-up #2 is already done." in await run(stack, channel, "followup done 2")
