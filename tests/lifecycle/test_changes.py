"""Changing, resolving, closing and listing incidents; bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.sandbox.cast import GENERAL, GIULIA, INCIDENTS, MARCO
from bot.sandbox.faults import error
from bot.sandbox.stack import SandboxStack
from bot.store import tables


async def snapshot(stack: SandboxStack) -> tuple:
    async with stack.services.db.connect() as conn:
        incidents = (await conn.execute(select(tables.incidents))).all()
        entries = (await conn.execute(select(tables.timeline_entries))).all()
    return incidents, entries


async def submit_close_modal(stack: SandboxStack, user: str = MARCO) -> None:
    """`close` opens the close modal; closing happens when it is submitted (a SEV2 with no
    follow-up, confirmed as such)."""
    view = stack.driver.latest_view(user)
    assert view is not None
    confirmed = {"no_followups": {"value": ["yes"]}}
    assert (await stack.driver.submit_view(user, view.id, confirmed)).ok
    await stack.idle()


def status_message(stack: SandboxStack, channel: str) -> str:
    ts = next(iter(stack.sandbox.state.channels[channel].pins))
    message = next(m for m in stack.sandbox.messages(channel) if m.ts == ts)
    return str(message.blocks)


def thread_replies(stack: SandboxStack, announce_ts: str) -> list[str]:
    return [
        m.text
        for m in stack.sandbox.messages(INCIDENTS)
        if m.thread_ts == announce_ts and m.ts != announce_ts
    ]


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("status identified", lambda i: i.status.value == "identified"),
        ("severity sev1", lambda i: i.severity.value == "sev1"),
        ("lead <@U02GIULIA|giulia>", lambda i: i.lead == GIULIA),
        ("lead @giulia", lambda i: i.lead == GIULIA),
        ("rename Quotes and Purchases empty", lambda i: i.title == "Quotes and Purchases empty"),
    ],
)
async def test_each_change_updates_everything(
    stack: SandboxStack, channel: str, text, check
) -> None:
    updates_before = len(stack.sandbox.calls_to("chat.update"))
    await stack.run(channel, text)
    incident = await stack.services.incidents.get(1)
    assert check(incident)
    sandbox_channel = stack.sandbox.state.channels[channel]
    assert incident.status.value in sandbox_channel.topic
    assert incident.severity.value.upper() in status_message(stack, channel)
    assert f"<@{incident.lead}>" in sandbox_channel.topic
    # status message and announcement both re-rendered
    assert len(stack.sandbox.calls_to("chat.update")) >= updates_before + 2
    assert thread_replies(stack, incident.announce_ts)
    kinds = [e.kind.value for e in await stack.services.timeline.entries(1)]
    assert kinds[-1] in {"status", "severity", "lead", "rename"}
    assert (await stack.services.timeline.entries(1))[-1].actor == MARCO


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("frobnicate", "not an /incident subcommand"),
        ("statuss identified", "Did you mean `/incident status`"),
        ("severity sev9", "not a severity"),
        ("severity sev2", "INC-1 is already SEV2."),  # nothing to announce
        ("status sleeping", "not a status"),
        ("status", "Say which status.\nUse one of: investigating, identified, monitoring"),
        ("severity", "Say which severity.\nUse one of: sev1, sev2, sev3, sev4."),
        ("lead @nobody", "not a user"),
        # A well-formed mention of an id Slack does not know: `users.info` says so.
        ("lead <@U0NOBODY>", "Slack does not know the user `U0NOBODY` (`user_not_found`)"),
        ("lead", "Say who leads"),
        ("rename " + "x" * 151, "the limit is 150"),
        ("rename", "Give the new title.\n`/incident rename Quotes and Purchases down`"),
        ("note", None),
    ],
)
async def test_bad_input_answers_ephemerally_and_changes_nothing(
    stack: SandboxStack, channel: str, text: str, says: str | None
) -> None:
    before = await snapshot(stack)
    reply = await stack.run(channel, text)
    assert reply.status == 200
    assert "in_channel" not in reply.text
    if says:
        assert says in reply.text
    assert await snapshot(stack) == before


async def test_a_lead_slack_refuses_leaves_no_traceback(
    stack: SandboxStack, channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Unknown to Slack: refused, nothing changed. Known but not invitable (Slack refuses the
    invitation in the background): the lead changes, the channel is told, the log has one
    line, never a traceback."""
    before = await snapshot(stack)
    reply = await stack.run(channel, "lead <@U0NOBODY>")
    await stack.idle()
    assert "the lead is unchanged" in reply.text
    assert await snapshot(stack) == before
    stack.sandbox.faults.add("conversations.invite", error("user_not_found"), times=1)
    await stack.run(channel, "lead <@U02GIULIA|giulia>")
    await stack.idle()
    assert (await stack.services.incidents.get(1)).lead == GIULIA
    said = [m.text for m in stack.sandbox.messages(channel)]
    assert any(
        "Slack did not add <@U02GIULIA> to this channel (`user_not_found`)" in t for t in said
    )
    entries = await stack.services.timeline.entries(1)
    assert entries[-1].kind.value == "error"
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_failed_background_slack_call_is_one_log_line(
    stack: SandboxStack, channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Any Slack refusal in work nobody awaits: the task, the method and the code, in one
    line (the log's incident id comes from the spawning request's context)."""
    stack.sandbox.faults.add("conversations.archive", error("restricted_action"), times=1)
    stack.services.tasks.spawn(stack.services.slack.archive(channel), name="archive-inc-1")
    await stack.idle()
    failed = [r.getMessage() for r in caplog.records if "background task" in r.getMessage()]
    assert failed == [
        "background task archive-inc-1 failed: Slack conversations.archive: restricted_action"
    ]
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_slack_refusal_inside_a_listener_is_answered_not_a_traceback(
    stack: SandboxStack, caplog: pytest.LogCaptureFixture
) -> None:
    """`views.open` refused (a stale trigger): the person is told, the log has one line."""
    stack.sandbox.faults.add("views.open", error("expired_trigger_id"), times=1)
    reply = await stack.run(INCIDENTS, "declare")
    await stack.idle()
    assert reply.status == 200
    told = [e.text for e in stack.sandbox.ephemerals(MARCO, INCIDENTS)]
    assert any(
        "Slack refused what this needed (Slack views.open: expired_trigger_id)" in t for t in told
    )
    assert not [r for r in caplog.records if r.exc_info]
    assert await stack.services.incidents.list(open_only=True) == []


async def test_commands_outside_an_incident_channel_say_where(
    stack: SandboxStack, channel: str
) -> None:
    reply = await stack.run(GENERAL, "status identified")
    assert "only inside an incident channel" in reply.text
    assert f"<#{channel}>" in reply.text
    assert (await stack.services.incidents.get(1)).status.value == "investigating"


async def test_help_lists_every_subcommand_with_an_example(stack: SandboxStack) -> None:
    reply = await stack.run(INCIDENTS, "help")
    for name in ["declare", "status", "severity", "lead", "rename", "resolve", "close", "list"]:
        assert f"`{name}" in reply.text
    assert reply.text.count("Example:") >= 8


async def test_resolve_close_and_list(stack: SandboxStack, channel: str) -> None:
    listed = await stack.run(INCIDENTS, "list")
    assert "INC-1" in listed.text
    assert f"<#{channel}>" in listed.text
    stack.clock.advance(timedelta(hours=2))
    reply = await stack.run(channel, "resolve")
    assert "resolved INC-1 after 2 h" in reply.text
    incident = await stack.services.incidents.get(1)
    assert incident.status.value == "resolved"
    assert incident.resolved_at == stack.clock.now()
    await stack.run(channel, "close")
    await submit_close_modal(stack)
    incident = await stack.services.incidents.get(1)
    assert incident.status.value == "closed"
    assert incident.closed_at is not None
    assert "No open incidents" in (await stack.run(INCIDENTS, "list")).text
    assert "closed" in stack.sandbox.state.channels[channel].topic


async def test_close_before_resolve_asks_first(stack: SandboxStack, channel: str) -> None:
    reply = await stack.run(channel, "close")
    assert "not resolved yet" in reply.text
    assert (await stack.services.incidents.get(1)).status.value == "investigating"
    prompt = stack.sandbox.ephemerals(MARCO, channel)[-1]
    await stack.driver.click(
        MARCO, "incident_close_confirm", "1", channel_id=channel, message_ts=prompt.ts
    )
    await stack.idle()
    await submit_close_modal(stack)
    assert (await stack.services.incidents.get(1)).status.value == "closed"


async def test_app_home_shows_open_and_closed(stack: SandboxStack, channel: str) -> None:
    await stack.driver.open_home(GIULIA)
    await stack.idle()
    home = stack.sandbox.latest_view(GIULIA, type="home")
    assert home is not None
    assert "INC-1" in str(home.view)
    assert "home_declare" in str(home.view)


async def test_nudges_fire_after_the_interval_once_and_survive_a_restart(
    stack: SandboxStack, channel: str
) -> None:
    def nudges() -> list[str]:
        return [m.text for m in stack.sandbox.messages(channel) if "no status update" in m.text]

    stack.clock.advance(timedelta(minutes=29))
    assert await stack.services.schedules.run_due() == 0
    stack.clock.advance(timedelta(minutes=2))
    await stack.restart_bot()  # the due time lives in the database
    assert await stack.services.schedules.run_due() == 1
    assert await stack.services.schedules.run_due() == 0  # not repeated
    assert len(nudges()) == 1
    assert f"<@{MARCO}>" in nudges()[0]
    # an update resets the clock
    stack.clock.advance(timedelta(minutes=20))
    await stack.run(channel, "status identified")
    stack.clock.advance(timedelta(minutes=20))
    assert await stack.services.schedules.run_due() == 0
    stack.clock.advance(timedelta(minutes=11))
    assert await stack.services.schedules.run_due() == 1
    await stack.run(channel, "resolve")
    stack.clock.advance(timedelta(hours=3))
    assert await stack.services.schedules.run_due() == 0


async def test_channel_is_archived_after_the_configured_delay(
    stack: SandboxStack, channel: str
) -> None:
    stack.services.incidents.archive_after = timedelta(hours=24)
    await stack.run(channel, "resolve")
    incident = await stack.services.incidents.close(await stack.services.incidents.get(1), MARCO)
    assert incident.status.value == "closed"
    stack.clock.advance(timedelta(hours=23))
    await stack.services.schedules.run_due()
    assert not stack.sandbox.state.channels[channel].is_archived
    stack.clock.advance(timedelta(hours=2))
    await stack.services.schedules.run_due()
    assert stack.sandbox.state.channels[channel].is_archived
    stack.clock.advance(timedelta(hours=48))
    assert await stack.services.schedules.run_due() == 0
