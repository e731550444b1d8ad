"""Slack throttling and failing: work completes through retries or is reported, and the
next change after the storm repairs whatever was left stale."""

from __future__ import annotations

import pytest

from bot.sandbox.cast import INCIDENTS
from bot.sandbox.faults import rate_limit, server_error
from bot.sandbox.stack import SandboxStack

# Seconds per test (rides out a storm of retried Slack errors): not in the inner loop.
pytestmark = pytest.mark.slow


async def test_a_storm_of_429_and_500_loses_nothing(stack: SandboxStack) -> None:
    stack.sandbox.faults.add("*", server_error(), share=0.3, seed=7)
    stack.sandbox.faults.add("*", rate_limit(retry_after=0), share=0.2, seed=8)

    await stack.run(INCIDENTS, "declare Payments failing")
    incident = await stack.services.incidents.get(1)
    assert incident.channel_id, "the channel was created despite the storm"
    channel = incident.channel_id
    await stack.run(channel, "status identified")
    await stack.run(channel, "severity sev1")
    await stack.run(channel, "note 10:39 first alert fired")

    injected = [c for c in stack.sandbox.calls if c.fault]
    assert len(injected) >= 5, "the storm really happened"
    print(f"storm: {len(stack.sandbox.calls)} Web API calls, {len(injected)} faults injected")

    stack.sandbox.faults.clear()
    await stack.run(channel, "severity sev2")
    incident = await stack.services.incidents.get(1)

    created = [c for c in stack.sandbox.calls_to("conversations.create") if c.ok]
    assert len(created) == 1, "never a duplicate channel"
    kinds = [e.kind.value for e in await stack.services.timeline.entries(1)]
    for kind in ("declared", "status", "severity", "note"):
        assert kind in kinds, f"no {kind} entry lost"

    # after the storm, board, topic and announcement all show the latest state
    sandbox_channel = stack.sandbox.state.channels[channel]
    assert "SEV2" in sandbox_channel.topic
    assert "identified" in sandbox_channel.topic
    status = next(m for m in stack.sandbox.messages(channel) if m.ts == incident.status_ts)
    assert "SEV2" in str(status.blocks)
    assert "identified" in str(status.blocks)
    announcement = next(
        m for m in stack.sandbox.messages(INCIDENTS) if m.ts == incident.announce_ts
    )
    assert "SEV2" in announcement.text
    assert "identified" in announcement.text


async def test_slack_down_during_a_change_is_recorded(stack: SandboxStack) -> None:
    await stack.run(INCIDENTS, "declare Search slow")
    incident = await stack.services.incidents.get(1)
    stack.sandbox.faults.add("chat.update", server_error(), times=50)
    await stack.run(incident.channel_id, "status monitoring")
    errors = [e for e in await stack.services.timeline.entries(1) if e.kind.value == "error"]
    assert errors
    assert "status message" in errors[-1].text
    assert (await stack.services.incidents.get(1)).status.value == "monitoring"
