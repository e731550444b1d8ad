"""Declaring an incident, over HTTP and Socket Mode: one channel, board, announcement."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.sandbox.cast import GIULIA, INCIDENTS, LUCA, MARCO
from bot.sandbox.faults import server_error
from bot.sandbox.stack import SandboxStack
from bot.store import tables

pytestmark = pytest.mark.transports("http", "socket")


async def count(stack: SandboxStack, table) -> int:
    async with stack.services.db.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_declare_by_command_sets_up_everything(stack: SandboxStack) -> None:
    reply = await stack.run(INCIDENTS, "declare Offerte giù dopo il deploy")
    assert "INC-1" in reply.text

    channel = stack.sandbox.channel_by_name("inc-1-offerte-giu-dopo-il-deploy")
    assert channel is not None
    assert {MARCO, LUCA} <= set(channel.members)
    assert "SEV2" in channel.topic
    assert "investigating" in channel.topic
    assert f"<@{MARCO}>" in channel.topic

    incident = await stack.services.incidents.get(1)
    assert incident.channel_id == channel.id
    assert list(channel.pins) == [incident.status_ts]
    status = next(m for m in channel.messages if m.ts == incident.status_ts)
    assert "INC-1" in str(status.blocks)

    announcement = next(
        m for m in stack.sandbox.messages(INCIDENTS) if m.ts == incident.announce_ts
    )
    assert f"<#{channel.id}>" in announcement.text

    entries = await stack.services.timeline.entries(1)
    assert [e.kind.value for e in entries] == ["declared"]
    assert await count(stack, tables.incidents) == 1


async def test_declare_by_modal(stack: SandboxStack) -> None:
    reply = await stack.driver.command(GIULIA, INCIDENTS, "declare")
    assert reply.ok
    view = stack.sandbox.latest_view(GIULIA)
    assert view is not None
    assert view.callback_id == "declare_incident"
    submitted = await stack.driver.submit_view(
        GIULIA,
        view.id,
        {
            "title": {"value": "Checkout errors"},
            "severity": {"value": "sev1"},
            "features": {"value": ["Quotes"]},
        },
    )
    assert submitted.ok
    await stack.idle()
    # Slack may deliver the same submission twice; the view id keys the declaration.
    incident = await stack.services.incidents.get(1)
    assert incident.severity.value == "sev1"
    assert incident.lead == GIULIA
    assert stack.sandbox.channel_by_name("inc-1-checkout-errors") is not None
    assert await count(stack, tables.incidents) == 1


async def test_same_title_twice_gets_two_channels(stack: SandboxStack) -> None:
    await stack.declare("API down")
    await stack.declare("API down")
    assert stack.sandbox.channel_by_name("inc-1-api-down") is not None
    assert stack.sandbox.channel_by_name("inc-2-api-down") is not None


async def test_taken_name_gets_a_suffix(stack: SandboxStack) -> None:
    stack.sandbox.state.add_channel("inc-1-api-down", members=[], now=stack.clock.now())
    await stack.declare("API down")
    incident = await stack.services.incidents.get(1)
    assert incident.channel_name == "inc-1-api-down-2"


async def test_long_and_emoji_titles_still_make_valid_names(stack: SandboxStack) -> None:
    await stack.declare("x" * 150)
    await stack.declare("🔥🔥🔥")
    first = await stack.services.incidents.get(1)
    second = await stack.services.incidents.get(2)
    assert first.channel_name is not None
    assert len(first.channel_name) <= 80
    assert second.channel_name == "inc-2"


@pytest.mark.slow
async def test_failure_half_way_is_finished_by_a_retry_without_a_second_channel(
    stack: SandboxStack,
) -> None:
    stack.sandbox.faults.add("conversations.invite", server_error(), times=10)
    await stack.run(INCIDENTS, "declare Payments down")
    incident = await stack.services.incidents.get(1)
    assert incident.channel_id is not None  # recorded, visible, finishable
    retry = [e for e in stack.sandbox.ephemerals(MARCO) if "Retry set-up" in str(e.blocks)]
    assert retry, "the declarer is offered a retry"
    entries = await stack.services.timeline.entries(1)
    assert any(e.kind.value == "error" for e in entries)

    stack.sandbox.faults.clear()
    clicked = await stack.driver.click(
        MARCO, "incident_retry_setup", "1", channel_id=INCIDENTS, message_ts=retry[-1].ts
    )
    assert clicked.ok
    await stack.idle()
    incident = await stack.services.incidents.get(1)
    assert incident.status_ts
    assert incident.announce_ts
    assert len(stack.sandbox.calls_to("conversations.create")) == 1
    channel = stack.sandbox.state.channels[incident.channel_id]
    assert MARCO in channel.members


@pytest.mark.slow
async def test_restart_finishes_an_interrupted_setup(stack: SandboxStack) -> None:
    stack.sandbox.faults.add("chat.postMessage", server_error(), times=10)
    await stack.run(INCIDENTS, "declare Search slow")
    assert (await stack.services.incidents.get(1)).status_ts is None
    stack.sandbox.faults.clear()
    await stack.restart_bot()
    await stack.idle()
    incident = await stack.services.incidents.get(1)
    assert incident.status_ts
    assert incident.announce_ts
    assert len(stack.sandbox.calls_to("conversations.create")) == 1


async def test_a_responder_slack_does_not_know_is_named_and_the_rest_are_invited(
    stack: SandboxStack, caplog: pytest.LogCaptureFixture
) -> None:
    stack.overrides = stack.overrides | {"responders": ["U0GONE404", LUCA]}
    await stack.restart_bot()

    reply = await stack.run(INCIDENTS, "declare Offerte giù dopo il deploy")

    assert "INC-1" in reply.text
    channel = stack.sandbox.channel_by_name("inc-1-offerte-giu-dopo-il-deploy")
    assert channel is not None
    assert {MARCO, LUCA} <= set(channel.members)
    assert "SEV2" in channel.topic
    incident = await stack.services.incidents.get(1)
    assert incident.status_ts
    assert incident.announce_ts
    said = [m.text or "" for m in channel.messages]
    told = [t for t in said if "U0GONE404" in t]
    assert told, said
    assert "user_not_found" in told[0]
    assert "<@U0GONE404>" not in told[0]  # an unknown id is shown, never mentioned
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]
