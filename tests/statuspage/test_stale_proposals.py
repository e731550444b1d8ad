"""An old status-page proposal is superseded: public history never moves backwards (issue 29)."""

from __future__ import annotations

import pytest

from bot.models import Incident
from bot.sandbox.stack import SandboxStack
from bot.statuspage.blocks import PUBLISH

from .conftest import MARCO, StackFactory, command, declare, get_json, proposals

pytestmark = pytest.mark.transports("http", "socket")


async def publish(stack: SandboxStack, channel: str, ts: str) -> None:
    reply = await stack.driver.click(MARCO, PUBLISH, channel_id=channel, message_ts=ts)
    assert reply.ok
    assert reply.within_deadline
    await stack.idle()


async def offerte_down(make_stack: StackFactory) -> tuple[SandboxStack, Incident, str]:
    """A stack with INC-1 declared and Offerte marked down: its first proposal is posted."""
    stack = await make_stack()
    incident = await declare(stack)
    channel = incident.channel_id or ""
    await command(stack, channel, "feature down Offerte")
    return stack, incident, channel


def refused_and_expired(stack: SandboxStack, channel: str, ts: str, reason: str) -> None:
    """The click was answered with `reason`, and the proposal lost its Publish button."""
    assert stack.sandbox.ephemerals(MARCO, channel)[-1].text == f":warning: {reason}"
    assert PUBLISH not in str(stack.sandbox.state.channels[channel].message(ts))


async def test_publishing_investigating_after_close_is_refused(make_stack: StackFactory) -> None:
    stack, incident, channel = await offerte_down(make_stack)
    [investigating] = proposals(stack, incident)
    await stack.close(channel)

    await publish(stack, channel, investigating.ts)

    assert (await get_json(stack, "incidents"))["incidents"] == []
    assert (await get_json(stack, "summary"))["status"]["indicator"] == "none"
    expired = stack.sandbox.state.channels[channel].message(investigating.ts)
    reason = "INC-1 was closed at 10:40; nothing was published."
    assert expired.text == f":hourglass: This button expired: {reason}"
    assert PUBLISH not in str(expired.blocks)
    assert stack.sandbox.ephemerals(MARCO, channel)[-1].text == f":warning: {reason}"


async def test_an_older_proposal_cannot_follow_a_later_publication(
    make_stack: StackFactory,
) -> None:
    stack, incident, channel = await offerte_down(make_stack)
    await command(stack, channel, "status identified")
    investigating, identified = proposals(stack, incident)
    await publish(stack, channel, identified.ts)

    await publish(stack, channel, investigating.ts)

    [public] = (await get_json(stack, "incidents"))["incidents"]
    assert public["status"] == "identified"
    assert [u["status"] for u in public["incident_updates"]] == ["identified"]
    assert stack.sandbox.ephemerals(MARCO, channel)[-1].text == (
        ":warning: A later update is already public; nothing was published."
    )
    assert PUBLISH not in str(stack.sandbox.state.channels[channel].message(investigating.ts))


async def test_reopening_expires_the_resolved_proposal_and_proposes_anew(
    make_stack: StackFactory,
) -> None:
    stack, incident, channel = await offerte_down(make_stack)
    await command(stack, channel, "feature up Offerte")
    await command(stack, channel, "resolve")
    resolved = proposals(stack, incident)[-1]
    assert "Resolved" in str(resolved.blocks)

    await command(stack, channel, "reopen Offerte empty again")
    reopened = proposals(stack, incident)[-1]
    assert reopened.ts != resolved.ts
    assert "Investigating" in str(reopened.blocks)

    # The resolution no longer holds: its button has expired.
    await publish(stack, channel, resolved.ts)
    reason = "INC-1 was reopened at 10:40; nothing was published."
    refused_and_expired(stack, channel, resolved.ts, reason)
    assert (await get_json(stack, "incidents"))["incidents"] == []

    await publish(stack, channel, reopened.ts)
    [public] = (await get_json(stack, "incidents"))["incidents"]
    assert public["status"] == "investigating"


async def test_publishing_investigating_after_resolve_is_refused(make_stack: StackFactory) -> None:
    stack, incident, channel = await offerte_down(make_stack)
    [investigating] = proposals(stack, incident)
    await command(stack, channel, "feature up Offerte")
    await command(stack, channel, "resolve")

    await publish(stack, channel, investigating.ts)

    reason = "INC-1 was resolved at 10:40; nothing was published."
    refused_and_expired(stack, channel, investigating.ts, reason)
    assert (await get_json(stack, "incidents"))["incidents"] == []
    # The resolution's own proposal may still go public.
    resolved = proposals(stack, incident)[-1]
    await publish(stack, channel, resolved.ts)
    [public] = (await get_json(stack, "incidents"))["incidents"]
    assert public["status"] == "resolved"
