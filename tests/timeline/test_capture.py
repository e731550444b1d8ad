"""Chat in an incident channel, over signed HTTP through the real Bolt app, into the timeline."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.models import Incident
from bot.sandbox.cast import GIULIA, INCIDENTS, LUCA, MARCO
from bot.sandbox.stack import SandboxStack
from bot.sandbox.state import BOT_USER_ID
from bot.slack.ts import ts_instant
from bot.timeline.capture import CONFIRM_REACTION

from .helpers import messages, running

pytestmark = pytest.mark.transports("http", "socket")

PEOPLE = (MARCO, GIULIA, LUCA)


@dataclass
class Expected:
    user: str
    text: str
    thread_ts: str | None = None
    files: list[str] = field(default_factory=list)
    revisions: list[str] = field(default_factory=list)
    marks: set[str] = field(default_factory=set)
    deleted: bool = False


async def redeliver(stack: SandboxStack, same_event_id: bool) -> None:
    """Slack's retry of the last event: the same envelope, or one with a new event_id."""
    driver, _ = running(stack)
    envelope = copy.deepcopy(driver.last_envelope)
    if not same_event_id:
        envelope["event_id"] += "R"
    reply = await driver.deliver(envelope, retry_num=1)
    assert reply.ok


async def what_happens_next(
    stack: SandboxStack,
    channel: str,
    i: int,
    ts: str,
    want: Expected,
    other: str,
    *,
    deletable: bool,
) -> None:
    """Message i's life after it is posted: redeliveries, edits, marks, a deletion."""
    driver, clock, user = stack.driver, stack.clock, want.user
    assert driver is not None
    if i % 9 == 0:
        await redeliver(stack, same_event_id=i % 2 == 0)
    if i % 7 == 0:
        for n in range(1 + (i % 14 == 0)):
            clock.advance(timedelta(seconds=2))
            want.revisions.append(want.text)
            want.text = f"msg {i} edited {n}"
            await driver.edit(user, channel, ts, want.text)
            await redeliver(stack, same_event_id=n == 0)
    if i % 5 == 0:
        await driver.react(other, channel, ts, "pushpin")
        await redeliver(stack, same_event_id=False)
        want.marks.add(f"reaction:{other}")
        if i % 15 == 0:
            await driver.unreact(other, channel, ts, "pushpin")
            want.marks.clear()
    if i % 8 == 0:
        await driver.react(other, channel, ts, "eyes")  # not the key reaction
    if i % 19 == 0:
        await driver.pin(other, channel, ts)
        want.marks.add("pin")
    if i % 13 == 0 and deletable:
        await driver.delete(user, channel, ts)
        await redeliver(stack, same_event_id=False)
        want.deleted = True


@pytest.mark.slow
async def test_200_messages_make_exactly_the_expected_entries(
    stack: SandboxStack, incident: Incident
) -> None:
    driver, _ = running(stack)
    channel = incident.channel_id
    assert channel
    clock = stack.clock
    expected: dict[str, Expected] = {}
    parents: list[str] = []
    for i in range(200):
        clock.advance(timedelta(seconds=13))
        user = PEOPLE[i % 3]
        other = PEOPLE[(i + 1) % 3]
        thread = parents[i % len(parents)] if parents and i % 4 == 3 else None
        text = f"msg {i} for <@{other}> &amp; <!here>"
        files = [(f"trace-{i}.log", "boom")] if i % 25 == 1 else None
        ts = await driver.message(user, channel, text, thread_ts=thread, files=files)
        want = expected[ts] = Expected(user, text, thread, [f[0] for f in files or ()])
        if thread is None and i % 10 == 0:
            parents.append(ts)
        await what_happens_next(stack, channel, i, ts, want, other, deletable=ts not in parents)
    # A parent deleted after its replies stays in Slack as a tombstone.
    await driver.delete(expected[parents[2]].user, channel, parents[2])
    expected[parents[2]].deleted = True
    # Not captured: the announce channel is no incident's, and the bot's own posts are its own.
    await driver.message(MARCO, INCIDENTS, "chatter elsewhere")
    await driver.command(MARCO, channel, "status identified")
    await stack.idle()

    entries = await messages(stack, incident)
    assert [e.ts for e in entries] == sorted(expected, key=float)
    for entry in entries:
        assert entry.ts
        want = expected[entry.ts]
        assert entry.occurred_at == ts_instant(entry.ts)
        assert (entry.actor, entry.text, entry.thread_ts) == (want.user, want.text, want.thread_ts)
        assert [r.text for r in entry.revisions] == want.revisions
        assert set(entry.data.get("marks", [])) == want.marks
        assert entry.is_key == bool(want.marks)
        assert entry.deleted == want.deleted
        assert entry.data.get("files", []) == want.files

    # The bot confirmed each mark that stands with its own reaction, and only those.
    for ts, want in expected.items():
        message = stack.sandbox.state.channels[channel].message(ts)
        if message is None or message.subtype == "tombstone":
            continue
        confirmed = BOT_USER_ID in message.reactions.get(CONFIRM_REACTION, [])
        assert confirmed == bool(want.marks), ts
